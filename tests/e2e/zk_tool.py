#!/usr/bin/python3
"""Reads the HA election straight from ZooKeeper (python3-kazoo), the way any
other tool would, for the end-to-end tests.

Usage: zk_tool.py ZK_URL leader     -- the leading master's address (exit 1: none)
       zk_tool.py ZK_URL members    -- one line per contender: address, lowest first
       zk_tool.py ZK_URL registry   -- the names of the registry's agent records
"""
import json
import logging
import sys

from kazoo.client import KazooClient

logging.disable(logging.CRITICAL)  # kazoo's connection retries are not news here


def main():
    url, command = sys.argv[1], sys.argv[2]
    hosts, _, path = url[len("zk://"):].partition("/")
    zk = KazooClient(hosts=hosts.split("@")[-1], timeout=3)
    try:
        zk.start(timeout=3)
    except Exception as error:  # noqa: BLE001
        print("cannot reach ZooKeeper: %s" % error, file=sys.stderr)
        sys.exit(2)
    try:
        base = "/" + path
        if command == "registry":
            for name in sorted(zk.get_children(base + "/registry/agents")):
                print(name)
            return
        members = sorted(c for c in zk.get_children(base) if c.startswith("member_"))
        records = []
        for member in members:
            try:
                data, _ = zk.get(base + "/" + member)
                records.append(json.loads(data.decode())["address"])
            except Exception:  # noqa: BLE001 - gone meanwhile
                continue
        if command == "leader":
            if not records:
                sys.exit(1)
            print(records[0])
        elif command == "members":
            for address in records:
                print(address)
    except Exception as error:  # noqa: BLE001
        print("%s" % error, file=sys.stderr)
        sys.exit(1)
    finally:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    main()
