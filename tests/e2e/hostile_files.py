#!/usr/bin/python3
"""Attacks of tests/e2e/hostile_files.bats: on the agent's /files endpoints,
and from inside a task.

Usage: hostile_files.py read AGENT_ADDRESS PATH [--endpoint read|browse]
                            [--concurrent N] [--timeout SECONDS]
       hostile_files.py forks [--hold SECONDS]

read: sends N requests for PATH at the same time, each on its own
connection, and prints one line per request: "STATUS SECONDS ERROR-MESSAGE"
(STATUS 0 when no answer came within --timeout). Exits 0 when every request
was answered.

forks (run as a task): a fork bomb that forks children, which sleep, until
fork fails; prints "forked N, then: ERROR" and holds its children for
--hold seconds. Exits 0 once fork failed, 1 if it never did (nothing held it).
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def get(address, endpoint, path, timeout):
    host, port = address.rsplit(":", 1)
    start = time.monotonic()
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", "/files/%s?path=%s" % (endpoint, urllib.parse.quote(path)))
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        try:
            message = json.loads(body).get("error", "")
        except ValueError:
            message = body[:200]
        return response.status, time.monotonic() - start, message
    except OSError as error:  # a timeout included: no answer
        return 0, time.monotonic() - start, str(error)
    finally:
        connection.close()


# The most forks tried: far beyond any sane limit, yet bounded if none holds.
MAX_FORKS = 100000


def fork_bomb(hold):
    forked = 0
    error = "no limit"
    while forked < MAX_FORKS:
        try:
            pid = os.fork()
        except OSError as failure:
            error = str(failure)
            break
        if pid == 0:
            time.sleep(hold)
            os._exit(0)
        forked += 1
    print("forked %d, then: %s" % (forked, error), flush=True)
    time.sleep(hold)
    return 0 if forked < MAX_FORKS else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["read", "forks"])
    parser.add_argument("address", nargs="?")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--endpoint", default="read", choices=["read", "browse"])
    parser.add_argument("--concurrent", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--hold", type=float, default=30)
    args = parser.parse_args()
    if args.command == "forks":
        return fork_bomb(args.hold)
    results = [None] * args.concurrent

    def one(index):
        results[index] = get(args.address, args.endpoint, args.path, args.timeout)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for status, seconds, message in results:
        print("%d %.3f %s" % (status, seconds, message), flush=True)
    return 0 if all(status != 0 for status, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
