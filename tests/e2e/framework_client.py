#!/usr/bin/python3
"""Scheduler behaviours for the allocation tests, spoken with python3-msgpack only.

Usage: framework_client.py HOST:PORT hold ROLE SECONDS
           subscribe in ROLE, print "subscribed", keep every offer unanswered
       framework_client.py HOST:PORT reserve ROLE RESOURCES
           take the first offer and accept it with a "reserve" operation of
           RESOURCES (a flat map as JSON, {"cpus(analytics)": 1}); print "ok"
       framework_client.py HOST:PORT timeout
           leave the first offer unanswered until it is rescinded, then see it
           offered again; print "ok"
"""
import json
import sys
import time

from rpc_client import Client


def subscribe(address, role):
    client = Client(address)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    error, result = client.call("framework.subscribe",
                                {"name": "python-" + role.replace("/", "-"), "roles": [role]})
    assert error is None and result["framework_id"], (error, result)
    return client, result["framework_id"]


def next_notification(client, method, seconds=10):
    """The next notification named `method` (others are skipped)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        while client.notifications:
            frame = client.notifications.pop(0)
            if frame[1] == method:
                return frame[2][0]
        frame = client.receive()
        assert frame[0] == 2, frame
        client.notifications.append(frame)
    raise AssertionError("no " + method + " within %d s" % seconds)


def hold(address, role, seconds):
    client, _ = subscribe(address, role)
    print("subscribed", flush=True)
    time.sleep(seconds)
    client.sock.close()


def reserve(address, role, resources):
    client, framework_id = subscribe(address, role)
    offer = next_notification(client, "framework.offers")["offers"][0]
    operation = {"type": "reserve", "resources": json.loads(resources)}
    error, _ = client.call("framework.accept", {"framework_id": framework_id,
                                                "offer_ids": [offer["id"]], "tasks": [],
                                                "operations": [operation]})
    assert error is None, error
    print("ok")


def offer_timeout(address):
    client, _ = subscribe(address, "*")
    first = next_notification(client, "framework.offers")["offers"][0]
    rescinded = next_notification(client, "framework.rescind")
    assert rescinded["offer_id"] == first["id"], (rescinded, first)
    assert "not answered" in rescinded["reason"], rescinded
    again = next_notification(client, "framework.offers")["offers"][0]
    assert again["id"] != first["id"] and again["agent_id"] == first["agent_id"], again
    print("ok")


def main():
    address, mode = sys.argv[1], sys.argv[2]
    if mode == "hold":
        hold(address, sys.argv[3], float(sys.argv[4]))
    elif mode == "reserve":
        reserve(address, sys.argv[3], sys.argv[4])
    elif mode == "timeout":
        offer_timeout(address)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
