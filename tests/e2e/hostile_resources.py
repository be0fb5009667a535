#!/usr/bin/python3
"""Hostile resources for tests/e2e/hostile_resources.bats (python3-msgpack only).

Usage: hostile_resources.py MASTER register RANGES [HOLD_SECONDS]
           an agent.register offering cpus:0.05;mem:16 and `ports` as RANGES
           disjoint ranges; prints the master's answer as one JSON line
           ({"error": {...}} or {"agent_id": ...}) with the seconds it took;
           with HOLD_SECONDS it then stays registered so long, answering pings
       hostile_resources.py MASTER round-trips COUNT
           COUNT calls of state.agents on one connection; prints the slowest
           in milliseconds
       hostile_resources.py MASTER bad-tasks
           a framework accepting offers with tasks that must be refused (a
           scalar as a string, -0.0, NaN, infinity, 1e16, a 10 MB command, an
           id with '/', 1001 port ranges); prints "ok" when each got its
           clear error and nothing else went wrong
"""
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpc_client import Client  # noqa: E402


def hello(address):
    client = Client(address)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    return client


def ports_text(count):
    return "[" + ",".join("%d-%d" % (10 * i, 10 * i + 4) for i in range(count)) + "]"


def serve_requests(client, seconds):
    """Answers every request (the master's pings) with an empty map."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        frame = client.receive(timeout=max(0.1, deadline - time.time()))
        if frame is not None and frame[0] == 0:
            client.send([1, frame[1], None, {}])


def register(address, count, hold):
    client = hello(address)
    agent = {"hostname": "hostile", "address": "127.0.0.1:1",
             "resources": {"cpus": 0.05, "mem": 16, "ports": ports_text(count)}}
    start = time.time()
    error, result = client.call("agent.register", {"agent": agent, "tasks": []})
    answer = {"seconds": round(time.time() - start, 3)}
    if error is not None:
        answer["error"] = error
    else:
        answer["agent_id"] = result["agent_id"]
    print(json.dumps(answer), flush=True)
    if error is None and hold > 0:
        serve_requests(client, hold)


def round_trips(address, count):
    client = hello(address)
    slowest = 0.0
    for _ in range(count):
        start = time.time()
        error, _ = client.call("state.agents", {})
        assert error is None, error
        slowest = max(slowest, time.time() - start)
    print("%.1f" % (slowest * 1000), flush=True)


class Framework:
    def __init__(self, address):
        self.client = hello(address)
        error, result = self.client.call(
            "framework.subscribe", {"name": "hostile-tasks", "roles": ["*"]})
        assert error is None, error
        self.id = result["framework_id"]

    def next_notification(self, method, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for i, frame in enumerate(self.client.notifications):
                if frame[1] == method:
                    return self.client.notifications.pop(i)[2][0]
            frame = self.client.receive(timeout=max(0.1, deadline - time.time()))
            if frame is not None and frame[0] == 2:
                self.client.notifications.append(frame)
        raise TimeoutError("no %s within %ss" % (method, seconds))

    def accept(self, offer, task):
        return self.client.call("framework.accept", {
            "framework_id": self.id, "offer_ids": [offer["id"]], "tasks": [task],
            "filters": {"refuse_seconds": 0}})


def task(task_id, resources=None, command="true"):
    return {"task_id": task_id, "name": task_id,
            "resources": resources if resources is not None else {"cpus": 0.1, "mem": 32},
            "command": {"value": command, "shell": True}}


def bad_tasks(address):
    framework = Framework(address)
    offer = framework.next_notification("framework.offers")["offers"][0]
    # Resources that do not decode: the accept call fails as a protocol error
    # naming the reason, and the offer stays the framework's.
    undecodable = [
        ({"cpus": "2", "mem": 32}, "'cpus' is the string '2': send a scalar as a number"),
        ({"cpus": 0.1, "mem": 32, "disk": -0.0}, "'-0' is negative"),
        ({"cpus": math.nan, "mem": 32}, "is not a number"),
        ({"cpus": math.inf, "mem": 32}, "is too large"),
        ({"cpus": 0.1, "mem": 1e16}, "is too large"),
        ({"cpus": -1, "mem": 32}, "is negative"),
    ]
    for resources, reason in undecodable:
        error, _ = framework.accept(offer, task("t-wire", resources))
        assert error is not None and error["kind"] == "protocol_error", (resources, error)
        assert reason in error["message"], (reason, error)
        assert len(error["message"]) < 1000, error
    # Tasks that decode but are invalid: an ERROR update with reason
    # "invalid task" and the message; the offer's resources go back.
    invalid = [
        (task("t-big", command="x" * (10 * 1024 * 1024)),
         "the command is 10485761 bytes (value, arguments and environment); the limit is 1048576"),
        (task("../../etc"), "task id '../../etc' is invalid"),
        (task("t-ports", {"cpus": 0.1, "mem": 32,
                          "ports": "[" + ",".join(str(2 * i) for i in range(1001)) + "]"}),
         "ports: 1001 ranges is more than the 1000 allowed"),
    ]
    for bad, reason in invalid:
        error, _ = framework.accept(offer, bad)
        assert error is None, error
        update = framework.next_notification("framework.update")["status"]
        assert update["task_id"] == bad["task_id"], update
        assert update["state"] == "ERROR" and update["reason"] == "invalid task", update
        assert reason in update["message"], (reason, update)
        offer = framework.next_notification("framework.offers")["offers"][0]
    framework.client.call("framework.decline", {
        "framework_id": framework.id, "offer_ids": [offer["id"]], "filters": {}})
    print("ok", flush=True)


def main():
    address, mode = sys.argv[1], sys.argv[2]
    if mode == "register":
        register(address, int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0)
    elif mode == "round-trips":
        round_trips(address, int(sys.argv[3]))
    elif mode == "bad-tasks":
        bad_tasks(address)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
