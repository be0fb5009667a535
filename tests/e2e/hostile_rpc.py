#!/usr/bin/python3
"""Hostile msgpack-RPC and HTTP clients for tests/e2e/hostile_rpc.bats.

Raw sockets and python3-msgpack only. Each attack prints what it saw, one
"key value" per line, and a last line "done"; the test asserts on the daemon.

  hostile_rpc.py ADDR amplify CONNECTIONS HOLD_SECONDS arrays|string
      each connection says hello, then sends an unfinished frame of
      16,000,011 bytes made of 1,000,000 tiny arrays (or of one string);
      prints how many the server cut short and "sent" once all are sent,
      keeps the connections open HOLD_SECONDS, then closes them
  hostile_rpc.py ADDR idle CONNECTIONS HOLD_SECONDS
      opens up to CONNECTIONS silent connections (stops at the first refusal),
      prints "opened N", holds them HOLD_SECONDS, then closes them
  hostile_rpc.py ADDR silent
      one connection that sends nothing: prints "closed_after SECONDS"
  hostile_rpc.py ADDR slow_http
      an HTTP request head sent one byte a second: prints "closed_after SECONDS"
  hostile_rpc.py ADDR per_peer N
      N connections that say hello (all must be answered), then one more:
      prints "answered N" and "extra_refused yes|no"
"""
import socket
import sys
import time

import msgpack

HELLO = msgpack.packb([0, 1, "hello", [{"protocol_version": 1}]])


def connect(address, timeout=10):
    host, port = address.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)


def say_hello(sock):
    """True if the server answered hello without an error."""
    sock.sendall(HELLO)
    unpacker = msgpack.Unpacker(raw=False)
    while True:
        data = sock.recv(65536)
        if not data:
            return False
        unpacker.feed(data)
        for frame in unpacker:
            return frame[0] == 1 and frame[2] is None


def unfinished_frame(kind):
    """[0, 1, "x", [[...]]] whose inner array announces 1,000,001 elements of
    which 1,000,000 arrays of 15 nils follow: 16,000,011 bytes, never complete.
    Or [0, 1, "x", ["..."]] with a string announced 16,000,001 bytes long."""
    if kind == "string":
        head = b"\x94\x00\x01\xa1x\x91\xdb" + (16_000_001).to_bytes(4, "big")
        return head + b"s" * 16_000_000
    head = b"\x94\x00\x01\xa1x\x91\xdd" + (1_000_001).to_bytes(4, "big")
    return head + (b"\x9f" + b"\xc0" * 15) * 1_000_000


def wait_closed(sock, limit):
    """Seconds until the server closes `sock` (None: still open after `limit`)."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            if not sock.recv(4096):
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def amplify(address, connections, hold, kind):
    frame = unfinished_frame(kind)
    socks, cut = [], 0
    for _ in range(connections):
        sock = connect(address, timeout=30)
        say_hello(sock)
        try:
            sock.sendall(frame)
            socks.append(sock)
        except OSError:  # the server closed it: that is a bound at work
            cut += 1
            sock.close()
    print("cut_while_sending", cut, flush=True)
    print("sent", flush=True)
    time.sleep(hold)
    for sock in socks:
        sock.close()


def idle(address, connections, hold):
    socks = []
    for _ in range(connections):
        try:
            socks.append(connect(address, timeout=2))
        except OSError:
            break
    print("opened", len(socks), flush=True)
    time.sleep(hold)
    for sock in socks:
        sock.close()


def silent(address):
    sock = connect(address)
    closed = wait_closed(sock, 60)
    print("closed_after", "never" if closed is None else f"{closed:.1f}")


def slow_http(address):
    sock = connect(address)
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    start = time.monotonic()
    try:
        for byte in head:
            sock.sendall(bytes([byte]))
            time.sleep(1)
    except OSError:
        print("closed_after", f"{time.monotonic() - start:.1f}")
        return
    closed = wait_closed(sock, 5)
    print("closed_after", "never" if closed is None else f"{time.monotonic() - start:.1f}")


def per_peer(address, count):
    socks, answered = [], 0
    for _ in range(count):
        sock = connect(address)
        socks.append(sock)
        answered += say_hello(sock)
    print("answered", answered)
    extra = connect(address)
    try:
        refused = not say_hello(extra)
    except OSError:
        refused = True
    print("extra_refused", "yes" if refused else "no")
    for sock in socks + [extra]:
        sock.close()


def main():
    address, attack = sys.argv[1], sys.argv[2]
    args = [int(a) if a.isdigit() else a for a in sys.argv[3:]]
    {
        "amplify": amplify,
        "idle": idle,
        "silent": silent,
        "slow_http": slow_http,
        "per_peer": per_peer,
    }[attack](address, *args)
    print("done", flush=True)


if __name__ == "__main__":
    main()
