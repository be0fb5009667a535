#!/usr/bin/python3
"""Hostile clients of the master (tests/e2e/hostile_master.bats), with python3-msgpack only.

Each mode is one attack; it asserts that the master refuses it and that the
victim is unharmed, prints "ok" and exits 0 (an AssertionError otherwise).

Usage: hostile_master.py MASTER forge-update TASK_ID FRAMEWORK_ID AGENT_ID
           a plain client, then a second agent, send FINISHED for a running task
       hostile_master.py MASTER offers
           a second framework answers, kills, acknowledges, reconciles,
           suppresses and tears down what is the victim's
       hostile_master.py MASTER role
           tasks in a role other than their offer's (prints the ERROR message)
       hostile_master.py MASTER refuse
           declines and accepts with refuse_seconds NaN, inf and 1e300
       hostile_master.py MASTER launch STATE_DIR COUNT
           a checkpointing framework (failover timeout 300 s) runs COUNT
           sleeping tasks, records its id, tasks and agent, and leaves
       hostile_master.py MASTER reconcile STATE_DIR [STATE]
           after a master restart: subscribes again, reconciles its tasks (half
           with their agent id, half without, and one that never existed),
           prints "silent" once 2 s passed without an answer, then waits for
           STATE (default RUNNING) answers (LOST for the stranger)
"""
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpc_client import Client  # noqa: E402

TERMINAL = {"FINISHED", "FAILED", "KILLED", "LOST", "ERROR", "DROPPED", "GONE"}


def connect(address):
    client = Client(address)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    return client


def subscribe(address, name, roles=("*",), **info):
    client = connect(address)
    info.update({"name": name, "roles": list(roles)})
    error, result = client.call("framework.subscribe", info)
    assert error is None, error
    return client, result["framework_id"]


def next_notification(client, method, seconds=15, match=lambda params: True):
    """The next notification `method` whose params match (others are kept)."""
    deadline = time.time() + seconds
    seen = 0
    while True:
        for frame in client.notifications[seen:]:
            if frame[1] == method and match(frame[2][0]):
                client.notifications.remove(frame)
                return frame[2][0]
        seen = len(client.notifications)
        left = deadline - time.time()
        if left <= 0:
            return None
        frame = client.receive(min(left, 0.2))
        if frame is not None:
            assert frame[0] == 2, frame
            client.notifications.append(frame)


def quiet_for(client, seconds, method, match=lambda params: True):
    """Asserts that no matching notification comes within `seconds`."""
    params = next_notification(client, method, seconds, match)
    assert params is None, "unexpected %s: %s" % (method, params)


def refused(reply, *kinds):
    error, result = reply
    assert error is not None, "the master took it: %s" % (result,)
    assert error["kind"] in kinds, error
    return error["message"]


def updates_of(client, task_id):
    return lambda params: params["status"]["task_id"] == task_id


def task(task_id, command, cpus=0.1, mem=16, role=None):
    info = {"task_id": task_id, "name": task_id, "resources": {"cpus": cpus, "mem": mem},
            "command": {"value": command, "shell": True}, "kill_grace_millis": 1000}
    if role is not None:
        info["role"] = role
    return info


def forge_update(address, task_id, framework_id, agent_id):
    status = {"task_id": task_id, "framework_id": framework_id, "agent_id": agent_id,
              "executor_id": task_id, "state": "FINISHED", "reason": "forged",
              "message": "a plain client says so", "timestamp": time.time(),
              "uuid": "update-forged-1"}
    plain = connect(address)
    message = refused(plain.call("agent.status_update", {"status": status}), "failed_precondition")
    assert "agent.register" in message, message
    refused(plain.call("agent.usage", {"agent_id": agent_id, "tasks": []}), "failed_precondition")
    # A second agent may speak for itself only, and only for its own tasks.
    rogue = connect(address)
    error, reply = rogue.call("agent.register", {"agent": {
        "hostname": "rogue", "address": "127.0.0.1:9", "resources": {"cpus": 0.01, "mem": 1}}})
    assert error is None, error
    rogue_id = reply["agent_id"]
    message = refused(rogue.call("agent.status_update", {"status": status}), "failed_precondition")
    assert "cannot send updates as agent" in message, message
    status["agent_id"] = rogue_id
    status["uuid"] = "update-forged-2"
    message = refused(rogue.call("agent.status_update", {"status": status}), "failed_precondition")
    assert "runs on agent " + agent_id in message, message
    message = refused(rogue.call("agent.register", {"agent": {
        "id": agent_id, "hostname": "rogue", "address": "127.0.0.1:9",
        "resources": {"cpus": 0.01, "mem": 1}}}), "failed_precondition")
    assert "cannot register as another agent" in message, message
    # Usage of a task elsewhere is taken from nobody but its agent.
    error, _ = rogue.call("agent.usage", {"agent_id": rogue_id, "tasks": [
        {"framework_id": framework_id, "task_id": task_id,
         "usage": {"timestamp": time.time(), "mem_rss_bytes": 1 << 40}}]})
    assert error is None, error
    error, tasks = plain.call("state.tasks", {})
    assert error is None, error
    target = next(t for t in tasks["tasks"] if t["id"] == task_id)
    assert target["state"] == "RUNNING", target
    assert not target.get("usage") or target["usage"]["mem_rss_bytes"] != 1 << 40, target
    rogue.sock.close()
    print("ok")


def offers(address):
    victim, victim_id = subscribe(address, "victim")
    offer = next_notification(victim, "framework.offers")["offers"][0]
    attacker, attacker_id = subscribe(address, "attacker")
    # The attacker reads the victim's offer ids from the state anyone may read.
    error, state = attacker.call("state.offers", {})
    assert error is None, error
    assert offer["id"] in [o["id"] for o in state["offers"]], state
    for framework_id in (attacker_id, ""):
        refused(attacker.call("framework.accept", {
            "framework_id": framework_id, "offer_ids": [offer["id"], "offer-bogus"],
            "tasks": [task("stolen", "sleep 600")]}), "permission_denied", "not_found")
        refused(attacker.call("framework.accept", {
            "framework_id": framework_id, "offer_ids": ["offer-bogus", offer["id"]],
            "tasks": []}), "permission_denied", "not_found")
        refused(attacker.call("framework.decline", {
            "framework_id": framework_id, "offer_ids": [offer["id"]],
            "filters": {"refuse_seconds": 3600}}), "permission_denied")
    message = refused(attacker.call("framework.accept", {
        "framework_id": victim_id, "offer_ids": [offer["id"]], "tasks": []}),
        "permission_denied")
    assert "subscribed as framework " + attacker_id in message, message
    # Nothing changed: the victim was told of no rescind, and its offer works.
    quiet_for(victim, 0.5, "framework.rescind")
    error, _ = victim.call("framework.accept", {
        "framework_id": victim_id, "offer_ids": [offer["id"]],
        "tasks": [task("mine", "sleep 1; echo done")], "filters": {"refuse_seconds": 60}})
    assert error is None, error
    running = next_notification(victim, "framework.update", match=updates_of(victim, "mine"))
    assert running and running["status"]["state"] in ("STARTING", "RUNNING"), running
    # Its update waits for the victim's acknowledgement, not the attacker's.
    uuid = running["status"]["uuid"]
    for framework_id in (victim_id, attacker_id):
        call = {"framework_id": framework_id, "agent_id": running["status"]["agent_id"],
                "task_id": "mine", "uuid": uuid}
        reply = attacker.call("framework.acknowledge", call)
        if framework_id == victim_id:
            refused(reply, "permission_denied")
        else:
            assert reply[0] is None, reply  # its own (unknown) task: ignored
    refused(attacker.call("framework.kill", {"framework_id": victim_id, "task_id": "mine"}),
            "permission_denied")
    refused(attacker.call("framework.kill", {"framework_id": attacker_id, "task_id": "mine"}),
            "not_found")
    refused(attacker.call("framework.reconcile", {"framework_id": victim_id, "tasks": []}),
            "permission_denied")
    error, _ = attacker.call("framework.reconcile", {"framework_id": attacker_id,
                                                     "tasks": [{"task_id": "mine"}]})
    assert error is None, error
    answer = next_notification(attacker, "framework.update")
    assert answer["status"]["state"] == "LOST", answer  # no such task of its own
    assert answer["status"]["framework_id"] == attacker_id, answer
    for method in ("framework.suppress", "framework.revive", "framework.teardown"):
        refused(attacker.call(method, {"framework_id": victim_id}), "permission_denied")
    # The stolen acknowledgement moved nothing: the task's next update waits.
    quiet_for(victim, 2, "framework.update", updates_of(victim, "mine"))
    error, _ = victim.call("framework.acknowledge", {
        "framework_id": victim_id, "agent_id": running["status"]["agent_id"],
        "task_id": "mine", "uuid": uuid})
    assert error is None, error
    states = [running["status"]["state"]]
    while states[-1] not in TERMINAL:
        update = next_notification(victim, "framework.update", match=updates_of(victim, "mine"))
        assert update is not None, states
        states.append(update["status"]["state"])
        victim.call("framework.acknowledge", {
            "framework_id": victim_id, "agent_id": update["status"]["agent_id"],
            "task_id": "mine", "uuid": update["status"]["uuid"]})
    assert states[-1] == "FINISHED", states
    assert not [f for f in victim.notifications if f[1] == "framework.error"], victim.notifications
    print("ok")


def role(address):
    client, framework_id = subscribe(address, "wrong-role", roles=["a"])
    offer = next_notification(client, "framework.offers")["offers"][0]
    assert offer["role"] == "a", offer
    error, _ = client.call("framework.accept", {
        "framework_id": framework_id, "offer_ids": [offer["id"]],
        "tasks": [task("elsewhere", "sleep 600", cpus=0.5, mem=32, role="b"),
                  task("here", "true", cpus=0.5, mem=32)],
        "filters": {"refuse_seconds": 0}})
    assert error is None, error
    update = next_notification(client, "framework.update", match=updates_of(client, "elsewhere"))
    status = update["status"]
    assert status["state"] == "ERROR", status
    assert "task role 'b' differs from its offer's role 'a'" in status["message"], status
    print(status["message"])
    states = []
    while not states or states[-1] not in TERMINAL:
        update = next_notification(client, "framework.update", match=updates_of(client, "here"))
        assert update is not None, states
        states.append(update["status"]["state"])
        client.call("framework.acknowledge", {
            "framework_id": framework_id, "agent_id": update["status"]["agent_id"],
            "task_id": "here", "uuid": update["status"]["uuid"]})
    assert states[-1] == "FINISHED", states
    print("ok")


def refuse(address):
    client, framework_id = subscribe(address, "refuser")
    offer = next_notification(client, "framework.offers")["offers"][0]
    for bad in (math.nan, math.inf, -math.inf):
        for method, extra in (("framework.decline", {}), ("framework.accept", {"tasks": []})):
            call = {"framework_id": framework_id, "offer_ids": [offer["id"]],
                    "filters": {"refuse_seconds": bad}}
            call.update(extra)
            message = refused(client.call(method, call), "invalid_argument")
            assert "finite" in message, message
    # Refused as a whole: the offer is still there to decline.
    error, _ = client.call("framework.decline", {"framework_id": framework_id,
                                                 "offer_ids": [offer["id"]],
                                                 "filters": {"refuse_seconds": 1e300}})
    assert error is None, error
    # Kept from this framework (a year), not offered again at once.
    quiet_for(client, 3, "framework.offers",
              lambda params: any(o["agent_id"] == offer["agent_id"] for o in params["offers"]))
    error, _ = client.call("framework.revive", {"framework_id": framework_id})
    assert error is None, error
    again = next_notification(client, "framework.offers")
    assert again and again["offers"][0]["agent_id"] == offer["agent_id"], again
    print("ok")


def launch(address, state_dir, count):
    client, framework_id = subscribe(address, "survivor", checkpoint=True, failover_timeout=300)
    wanted = ["survivor-%03d" % i for i in range(count)]
    running, agent_id = set(), None
    while wanted:
        notice = next_notification(client, "framework.offers")
        assert notice is not None, "no offers"
        offer = notice["offers"][0]
        fits = int(min(offer["resources"].get("cpus", 0) / 0.01,
                       offer["resources"].get("mem", 0) / 16))
        batch, wanted = wanted[:fits], wanted[fits:]
        error, _ = client.call("framework.accept", {
            "framework_id": framework_id, "offer_ids": [offer["id"]],
            "tasks": [task(t, "sleep 600", cpus=0.01, mem=16) for t in batch],
            "filters": {"refuse_seconds": 0}})
        assert error is None, error
    deadline = time.time() + 60
    while len(running) < count and time.time() < deadline:
        update = next_notification(client, "framework.update", 5)
        if update is None:
            continue
        status = update["status"]
        assert status["state"] not in TERMINAL, status
        if status["state"] == "RUNNING":
            running.add(status["task_id"])
            agent_id = status["agent_id"]
        client.call("framework.acknowledge", {
            "framework_id": framework_id, "agent_id": status["agent_id"],
            "task_id": status["task_id"], "uuid": status["uuid"]})
    assert len(running) == count, "only %d of %d tasks RUNNING" % (len(running), count)
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, "state.json"), "w") as f:
        json.dump({"framework_id": framework_id, "agent_id": agent_id,
                   "tasks": sorted(running)}, f)
    print("ok")


def reconcile(address, state_dir, expected="RUNNING"):
    with open(os.path.join(state_dir, "state.json")) as f:
        state = json.load(f)
    client, framework_id = subscribe(address, "survivor", checkpoint=True, failover_timeout=300,
                                     id=state["framework_id"])
    assert framework_id == state["framework_id"], framework_id
    tasks = state["tasks"]
    asked = [{"task_id": t, "agent_id": state["agent_id"] if i % 2 else ""}
             for i, t in enumerate(tasks)] + [{"task_id": "never-launched"}]
    error, _ = client.call("framework.reconcile", {"framework_id": framework_id, "tasks": asked})
    assert error is None, error
    # Their agent has not re-registered: the master cannot know, and says nothing.
    quiet_for(client, 2, "framework.update")
    print("silent", flush=True)
    answers = {}
    deadline = time.time() + 60
    while len(answers) < len(asked) and time.time() < deadline:
        update = next_notification(client, "framework.update", 5)
        if update is None:
            continue
        status = update["status"]
        assert status["reason"] == "reconciliation", status
        assert status["task_id"] not in answers, "answered twice: %s" % status
        answers[status["task_id"]] = status["state"]
    assert len(answers) == len(asked), "%d of %d answered" % (len(answers), len(asked))
    assert answers.pop("never-launched") == "LOST", answers
    assert set(answers.values()) == {expected}, answers
    print("ok", flush=True)


def main():
    address, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == "forge-update":
        forge_update(address, *args)
    elif mode == "offers":
        offers(address)
    elif mode == "role":
        role(address)
    elif mode == "refuse":
        refuse(address)
    elif mode == "launch":
        launch(address, args[0], int(args[1]))
    elif mode == "reconcile":
        reconcile(address, *args)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
