#!/usr/bin/python3
"""A fake standby master, with python3-msgpack only: it says hello like a
master and answers every other msgpack-RPC call with the error kind
not_leader, naming the leader found in LEADER_FILE (empty or missing: none
elected yet), and every HTTP request with a 307 to that leader (503 without
one). It listens on 127.0.0.1, on a port the OS picks, and writes its
host:port to ADDRESS_FILE; it records each method called, one a line, in
CALLS_FILE.

Usage: fake_standby.py LEADER_FILE ADDRESS_FILE CALLS_FILE
"""
import os
import socket
import sys
import threading

import msgpack


def leader(leader_file):
    try:
        with open(leader_file) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def answer_http(conn, first, leader_address):
    data = first
    while b"\r\n\r\n" not in data and len(data) < 16384:
        more = conn.recv(4096)
        if not more:
            return
        data += more
    path = data.split(b" ", 2)[1].decode("latin-1") if data.count(b" ") >= 2 else "/"
    if leader_address:
        head = (f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{leader_address}{path}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n")
    else:
        head = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    conn.sendall(head.encode())


def serve(conn, leader_file, calls_file, lock):
    try:
        serve_connection(conn, leader_file, calls_file, lock)
    except OSError:
        pass  # the client went away
    finally:
        conn.close()


def serve_connection(conn, leader_file, calls_file, lock):
    first = conn.recv(65536)
    if not first:
        return
    if first[:1].isalpha():
        answer_http(conn, first, leader(leader_file))
        return
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(first)
    while True:
        for frame in unpacker:
            if not isinstance(frame, list) or frame[0] != 0:
                continue
            _, msgid, method, _params = frame
            with lock, open(calls_file, "a") as f:
                f.write(method + "\n")
            if method == "hello":
                reply = [1, msgid, None, {"protocol_version": 1, "server": "clusterctl-master"}]
            else:
                named = leader(leader_file)
                message = ("this master stands by; the leader is " + named if named else
                           "this master stands by and no leader is elected yet")
                error = {"kind": "not_leader", "message": message, "leader": named}
                reply = [1, msgid, error, None]
            conn.sendall(msgpack.packb(reply, use_bin_type=True))
        data = conn.recv(65536)
        if not data:
            return
        unpacker.feed(data)


def main():
    leader_file, address_file, calls_file = sys.argv[1:4]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    host, port = server.getsockname()
    open(calls_file, "a").close()
    with open(address_file + ".tmp", "w") as f:
        f.write(f"{host}:{port}\n")
    os.rename(address_file + ".tmp", address_file)
    lock = threading.Lock()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, leader_file, calls_file, lock),
                         daemon=True).start()


if __name__ == "__main__":
    main()
