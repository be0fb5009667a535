#!/usr/bin/python3
"""A master's election znode without the master, with python3-kazoo: creates
PATH/member_NNNNNNNNNN (ephemeral, sequential) holding the JSON master record
of ADDRESS, writes the znode's name to NODE_FILE, and holds its session until
SIGTERM, when it closes the session so that the znode goes at once.

Usage: zk_contender.py ZK_CONNECT PATH ADDRESS NODE_FILE
"""
import json
import os
import signal
import sys
import threading

from kazoo.client import KazooClient


def main():
    connect, path, address, node_file = sys.argv[1:5]
    zk = KazooClient(hosts=connect, timeout=4.0)
    zk.start(timeout=15)
    zk.ensure_path(path)
    record = {"address": address, "version": "9.9.9", "hostname": "contender-host",
              "pid": os.getpid(), "started": 1765000000.5}
    node = zk.create(path + "/member_", json.dumps(record).encode(), ephemeral=True,
                     sequence=True)
    with open(node_file + ".tmp", "w") as f:
        f.write(node.rsplit("/", 1)[1] + "\n")
    os.rename(node_file + ".tmp", node_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    zk.stop()
    zk.close()


if __name__ == "__main__":
    main()
