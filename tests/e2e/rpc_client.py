#!/usr/bin/python3
"""A msgpack-RPC client written with python3-msgpack only (no clusterctl code).

Usage: rpc_client.py HOST:PORT check      -- hello, a read-only call, an unknown method
       rpc_client.py HOST:PORT framework SECONDS
                                          -- subscribe and hold offers unanswered
Prints "ok" and exits 0 when every answer was well formed. Its Client is also
the connection of the test scheduler (test_framework.py).
"""
import socket
import sys
import time

import msgpack


class Client:
    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.unpacker = msgpack.Unpacker(raw=False)
        self.next_id = 1
        self.notifications = []

    def send(self, frame):
        self.sock.sendall(msgpack.packb(frame, use_bin_type=True))

    def receive(self, timeout=10):
        """The next frame; None if none came within `timeout` seconds."""
        self.sock.settimeout(timeout)
        while True:
            for frame in self.unpacker:
                return frame
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                raise ConnectionError("server closed the connection")
            self.unpacker.feed(data)

    def call(self, method, params):
        msgid = self.next_id
        self.next_id += 1
        self.send([0, msgid, method, [params]])
        while True:
            frame = self.receive()
            if frame is None:
                raise TimeoutError(method + " was not answered")
            assert isinstance(frame, list), frame
            if frame[0] == 2:
                assert len(frame) == 3 and isinstance(frame[1], str), frame
                self.notifications.append(frame)
                continue
            assert frame[0] == 1 and len(frame) == 4, frame
            assert frame[1] == msgid, f"response for {frame[1]}, expected {msgid}"
            return frame[2], frame[3]


def check(address):
    client = Client(address)
    error, result = client.call("state.agents", {})
    assert error is not None and error["kind"] == "protocol_error", error
    error, result = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    assert result["protocol_version"] == 1 and result["server"] == "clusterctl-master", result
    error, result = client.call("state.agents", {})
    assert error is None, error
    assert isinstance(result["agents"], list) and len(result["agents"]) == 1, result
    agent = result["agents"][0]
    assert agent["state"] == "active" and agent["resources"]["total"]["cpus"] == 2.0, agent
    error, result = client.call("no.such.method", {"x": 1})
    assert result is None and error["kind"] == "not_found", error
    assert "no.such.method" in error["message"], error
    # The connection survives the error.
    error, result = client.call("state.tasks", {})
    assert error is None and isinstance(result["tasks"], list), (error, result)


def hold_offers(address, seconds):
    client = Client(address)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    error, result = client.call("framework.subscribe", {"name": "python-holder", "roles": ["*"]})
    assert error is None and result["framework_id"], (error, result)
    deadline = time.time() + 10
    while not client.notifications and time.time() < deadline:
        client.notifications.append(client.receive())
    method, params = client.notifications[0][1], client.notifications[0][2][0]
    assert method == "framework.offers" and params["offers"], client.notifications[0]
    print("ok", flush=True)
    time.sleep(seconds)


def main():
    address, mode = sys.argv[1], sys.argv[2]
    if mode == "check":
        check(address)
        print("ok")
    else:
        hold_offers(address, float(sys.argv[3]))


if __name__ == "__main__":
    main()
