#!/usr/bin/python3
"""An executor impostor written with python3-msgpack only (no clusterctl code).

Usage: executor_impostor.py AGENT_HOST:PORT TASK_ID_PREFIX

Reads the ids of the executor running the task from the agent's /state (as
anyone who can reach the agent can), then tries executor.register on the
agent's port with them: without a secret, and with a made-up one. Then it
tries to send the task's terminal update with a forged exit code. Prints one
line per attempt, "KIND: MESSAGE" of the agent's error (or "accepted"), and
exits 0 only if every attempt was refused.
"""
import json
import sys
import urllib.request

from rpc_client import Client


def executor_of(agent, prefix):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    with opener.open(f"http://{agent}/state", timeout=10) as answer:
        state = json.load(answer)
    for executor in state["executors"]:
        if executor["task_id"].startswith(prefix):
            return executor
    raise SystemExit(f"no executor of a task {prefix}* in the agent's /state")


def main():
    agent, prefix = sys.argv[1], sys.argv[2]
    executor = executor_of(agent, prefix)
    client = Client(agent)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    refused = True
    for secret in (None, "0" * 64):
        call = {key: executor[key] for key in ("framework_id", "executor_id", "container_id")}
        call["pid"] = 1
        if secret is not None:
            call["secret"] = secret
        error, result = client.call("executor.register", call)
        if error is None:
            print("register accepted: got task", result["task"]["task_id"])
            refused = False
        else:
            print(f"register {error['kind']}: {error['message']}")
    forged = {"status": {"task_id": executor["task_id"], "state": "FINISHED",
                         "exit_code": 0}}
    error, _ = client.call("executor.status_update", forged)
    if error is None:
        print("update accepted")
        refused = False
    else:
        print(f"update {error['kind']}: {error['message']}")
    return 0 if refused else 1


if __name__ == "__main__":
    sys.exit(main())
