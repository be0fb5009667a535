#!/usr/bin/python3
"""A scheduler for tests/e2e/acls.bats, with python3-msgpack only: one call
that an ACL may deny, and what the master answered.

Usage: acl_client.py MASTER launch USER
           subscribes as user USER, launches one short task on the first
           offer and prints the task's first status: "STATE: message"
       acl_client.py MASTER kill
           launches "sleep 600", waits for RUNNING, kills it and prints
           "kill: ok" or "kill: KIND: message", then keeps the framework
       acl_client.py MASTER reserve ROLE
           subscribes in ROLE and accepts its first offer with a reserve
           operation of cpus(ROLE):0.1; prints "reserve: ok" or
           "reserve: KIND: message"
A refused subscription prints "subscribe: KIND: message" and exits 1.
"""
import getpass
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpc_client import Client  # noqa: E402


def answer(what, reply):
    error, _ = reply
    if error is None:
        return "%s: ok" % what
    return "%s: %s: %s" % (what, error["kind"], error["message"])


def notification(client, method, seconds=15, match=lambda params: True):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for frame in list(client.notifications):
            if frame[1] == method and match(frame[2][0]):
                client.notifications.remove(frame)
                return frame[2][0]
        frame = client.receive(0.2)
        if frame is not None:
            client.notifications.append(frame)
    raise TimeoutError("no " + method + " within %d s" % seconds)


def subscribe(master, user, role="*"):
    client = Client(master)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    reply = client.call("framework.subscribe", {"name": "acl-client", "roles": [role],
                                                "user": user})
    if reply[0] is not None:
        print(answer("subscribe", reply))
        sys.exit(1)
    return client, reply[1]["framework_id"]


def launch(client, framework_id, command, operations=()):
    offer = notification(client, "framework.offers")["offers"][0]
    task = {"task_id": "t1", "name": "t1", "resources": {"cpus": 0.1, "mem": 16},
            "command": {"value": command, "shell": True}, "kill_grace_millis": 1000}
    return client.call("framework.accept", {
        "framework_id": framework_id, "offer_ids": [offer["id"]], "tasks": [task],
        "filters": {"refuse_seconds": 60}, "operations": list(operations)})


def status_of(client, framework_id, states):
    """The first update in `states`; every update before it is acknowledged."""
    while True:
        update = notification(client, "framework.update")["status"]
        if update["state"] in states:
            return update
        if update.get("uuid"):
            error, _ = client.call("framework.acknowledge", {
                "framework_id": framework_id, "agent_id": update["agent_id"],
                "task_id": update["task_id"], "uuid": update["uuid"]})
            assert error is None, error


def main():
    master, mode = sys.argv[1], sys.argv[2]
    if mode == "launch":
        client, framework_id = subscribe(master, sys.argv[3])
        reply = launch(client, framework_id, "sleep 0.5")
        assert reply[0] is None, reply
        status = status_of(client, framework_id, {"STAGING", "STARTING", "RUNNING", "FINISHED", "ERROR",
                                    "FAILED", "LOST"})
        print("%s: %s" % (status["state"], status["message"]))
    elif mode == "kill":
        client, framework_id = subscribe(master, getpass.getuser())
        assert launch(client, framework_id, "sleep 600")[0] is None
        status_of(client, framework_id, {"RUNNING"})
        print(answer("kill", client.call("framework.kill",
                                         {"framework_id": framework_id, "task_id": "t1"})),
              flush=True)
        time.sleep(600)  # the framework and its task live on until the test stops it
    elif mode == "reserve":
        role = sys.argv[3]
        client, framework_id = subscribe(master, getpass.getuser(), role)
        operation = {"type": "reserve", "resources": {"cpus(%s)" % role: 0.1}}
        print(answer("reserve", launch(client, framework_id, "true", [operation])))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
