#!/usr/bin/python3
"""A scheduler for bench/failover_bench.sh that survives master failover.

It subscribes to the leading master of --master (a comma list: it follows the
"leader" of a not_leader error, else tries the next address), optionally
launches --launch tasks (one per offer) and acknowledges every update. When
its connection drops it subscribes again, under its framework id, wherever the
leader now is. It prints one JSON line per event on stdout, each with
"unix_ms":
  subscribed  {"master", "framework_id", "resubscribed"}
  offers      the first offers after each subscription: {"count", "agents"}
  update      a task status update: {"task_id", "state"}
  disconnected
Runs until SIGTERM (or --run-for seconds). Needs python3-msgpack: run it
with /usr/bin/python3.
"""
import argparse
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from rpc_client import Client  # noqa: E402


def emit(event, **fields):
    fields = {"event": event, **fields, "unix_ms": int(time.time() * 1000)}
    print(json.dumps(fields), flush=True)


class PatientClient(Client):
    """A Client whose calls wait `timeout` seconds for their answer."""

    def __init__(self, address, timeout):
        super().__init__(address)
        self.timeout = timeout

    def receive(self, timeout=None):
        return super().receive(self.timeout if timeout is None else timeout)


class NotLeader(Exception):
    def __init__(self, leader):
        super().__init__("not the leader")
        self.leader = leader


class Scheduler:
    def __init__(self, args):
        self.args = args
        self.masters = [a for a in args.master.split(",") if a]
        self.next = 0
        self.leader_hint = None
        self.framework_id = None
        self.conn = None
        self.launched = 0

    def next_address(self):
        if self.leader_hint:
            address, self.leader_hint = self.leader_hint, None
            if address in self.masters:
                self.next = (self.masters.index(address) + 1) % len(self.masters)
            return address
        address = self.masters[self.next]
        self.next = (self.next + 1) % len(self.masters)
        return address

    def call(self, method, params):
        error, result = self.conn.call(method, params)
        if error is not None and error.get("kind") == "not_leader":
            raise NotLeader(error.get("leader") or None)
        return error, result

    def subscribe(self, address):
        self.conn = PatientClient(address, self.args.call_timeout)
        error, _ = self.call("hello", {"protocol_version": 1})
        if error is not None:
            raise ConnectionError("hello: %s" % error["message"])
        info = {"name": self.args.name, "roles": ["*"],
                "failover_timeout": self.args.failover_timeout}
        if self.framework_id:
            info["id"] = self.framework_id
        error, result = self.call("framework.subscribe", info)
        if error is not None and self.framework_id:
            emit("refused", master=address, message=error["message"])
            del info["id"]  # the master no longer knows it: start anew
            error, result = self.call("framework.subscribe", info)
        if error is not None:
            raise ConnectionError("framework.subscribe: %s" % error["message"])
        resubscribed = self.framework_id == result["framework_id"]
        self.framework_id = result["framework_id"]
        emit("subscribed", master=address, framework_id=self.framework_id,
             resubscribed=resubscribed)

    def connect(self):
        """Subscribes somewhere; returns once subscribed."""
        delay = 0.05
        while True:
            address = self.next_address()
            try:
                self.subscribe(address)
                return
            except NotLeader as e:
                self.leader_hint = e.leader
            except (OSError, ConnectionError, TimeoutError):
                pass
            if self.conn is not None:
                self.conn.sock.close()
                self.conn = None
            time.sleep(random.uniform(0, delay))
            delay = min(delay * 2, 1.0)

    def on_offers(self, offers, first):
        if first:
            emit("offers", count=len(offers), agents=len({o["agent_id"] for o in offers}))
        for offer in offers:
            if self.launched < self.args.launch:
                self.launched += 1
                task_id = "%s-%05d" % (self.args.name, self.launched)
                task = {"task_id": task_id, "name": task_id,
                        "resources": {"cpus": self.args.cpus, "mem": self.args.mem},
                        "command": {"value": "true", "shell": True}}
                self.call("framework.accept", {"framework_id": self.framework_id,
                                               "offer_ids": [offer["id"]], "tasks": [task],
                                               "filters": {"refuse_seconds": 3600}})

    def on_update(self, status):
        emit("update", task_id=status["task_id"], state=status["state"])
        if status.get("uuid"):
            self.call("framework.acknowledge", {
                "framework_id": self.framework_id, "agent_id": status["agent_id"],
                "task_id": status["task_id"], "uuid": status["uuid"]})

    def serve(self):
        """Handles notifications until the connection drops."""
        first_offers = True
        while True:
            if self.conn.notifications:
                frame = self.conn.notifications.pop(0)
            else:
                frame = self.conn.receive(0.5)
            if frame is None or frame[0] != 2:
                continue
            method, params = frame[1], frame[2][0]
            if method == "framework.offers":
                self.on_offers(params["offers"], first_offers)
                first_offers = False
            elif method == "framework.update":
                self.on_update(params["status"])
            elif method == "framework.error":
                emit("error", message=params.get("message"))

    def run(self):
        while True:
            self.connect()
            try:
                self.serve()
            except (OSError, ConnectionError, TimeoutError, NotLeader):
                emit("disconnected")
                self.conn.sock.close()
                self.conn = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", required=True, help="host:port[,host:port...]")
    parser.add_argument("--name", default="failover-bench")
    parser.add_argument("--failover-timeout", type=float, default=3600)
    parser.add_argument("--launch", type=int, default=0, help="tasks to launch, one per offer")
    parser.add_argument("--cpus", type=float, default=0.1)
    parser.add_argument("--mem", type=float, default=16)
    parser.add_argument("--call-timeout", type=float, default=10)
    parser.add_argument("--run-for", type=float, default=0, help="exit after so many seconds")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.run_for:
        signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
        signal.alarm(int(args.run_for))
    Scheduler(args).run()


if __name__ == "__main__":
    main()
