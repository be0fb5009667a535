#!/usr/bin/python3
"""A scheduler for the end-to-end tests, written with python3-msgpack only.

It subscribes to the master (again under its old id if STATE_DIR holds one),
launches TASKS tasks on the offers it gets, acknowledges every status update
(after --ack-delay seconds, or never with --no-ack) and records each one as a
JSON line in STATE_DIR/events.jsonl. A restarted instance with the same
STATE_DIR is the same framework failing over: it launches nothing it launched
before.

MASTER is host:port, a comma list, or zk://host:port[,...]/path: the leader
is then found through ZooKeeper (python3-kazoo), a standby's not_leader answer
is followed, and a lost master (a failover) is followed by a new subscription
under the same id with the new leader.

Usage: test_framework.py MASTER STATE_DIR [options]   (see --help)
Exits 0 with --until-terminal once every task has a terminal update, 3 when
the master sends framework.error (e.g. the framework was torn down).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from authenticate import authenticate, read_secret  # noqa: E402
from rpc_client import Client  # noqa: E402

TERMINAL = {"FINISHED", "FAILED", "KILLED", "LOST", "ERROR", "DROPPED", "GONE"}


def zk_leader(master):
    """The leading master's host:port under a zk:// address, or None."""
    from kazoo.client import KazooClient  # only needed in HA tests
    hosts, _, path = master[len("zk://"):].partition("/")
    zk = KazooClient(hosts=hosts.split("@")[-1], timeout=5)
    try:
        zk.start(timeout=5)
        members = sorted(c for c in zk.get_children("/" + path) if c.startswith("member_"))
        if not members:
            return None
        data, _ = zk.get("/" + path + "/" + members[0])
        return json.loads(data.decode())["address"]
    except Exception:  # noqa: BLE001 - no leader now; the caller tries again
        return None
    finally:
        zk.stop()
        zk.close()


class Lost(Exception):
    """The master went away, or is not (or no longer) the leader."""


class Framework:
    def __init__(self, args):
        self.args = args
        self.state_dir = args.state_dir
        os.makedirs(self.state_dir, exist_ok=True)
        self.launched = set(self.read_lines("launched"))
        self.terminal = set()
        self.acks = []  # (due time, update)
        self.conn = None
        self.framework_id = None

    def path(self, name):
        return os.path.join(self.state_dir, name)

    def read_lines(self, name):
        if not os.path.exists(self.path(name)):
            return []
        with open(self.path(name)) as f:
            return [line.strip() for line in f if line.strip()]

    def append(self, name, line):
        with open(self.path(name), "a") as f:
            f.write(line + "\n")

    def task_ids(self):
        return ["%s-%03d" % (self.args.name, i) for i in range(self.args.tasks)]

    def candidates(self, hint):
        if hint:
            return [hint]
        if self.args.master.startswith("zk://"):
            leader = zk_leader(self.args.master)
            return [leader] if leader else []
        return self.args.master.split(",")

    def secret(self):
        path = self.args.secret_file or os.environ.get("CLUSTERCTL_SECRET_FILE", "")
        return read_secret(path)

    def connect(self):
        """Connects to the leader, following not_leader answers, within 60 s."""
        deadline = time.time() + 60
        hint = None
        while time.time() < deadline:
            for address in self.candidates(hint):
                hint = None
                try:
                    conn = Client(address)
                    error, _ = conn.call("hello", {"protocol_version": 1})
                    if error is None and self.args.principal:
                        error = authenticate(conn, self.args.principal, self.secret())
                        if error is not None and error.get("kind") == "unauthenticated":
                            print("authentication refused: %s" % error["message"],
                                  file=sys.stderr, flush=True)
                            sys.exit(5)
                    if error is None:
                        error, _ = conn.call("state.frameworks", {})
                    if error is None:
                        self.conn = conn
                        return
                    if error.get("kind") == "not_leader":
                        hint = error.get("leader") or None
                    conn.sock.close()
                except (OSError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.2)
        print("no leading master found", file=sys.stderr, flush=True)
        sys.exit(4)

    def subscribe(self):
        self.connect()
        old = self.read_lines("framework_id")
        info = {
            "name": self.args.name,
            "roles": ["*"],
            "checkpoint": self.args.checkpoint,
            "failover_timeout": self.args.failover_timeout,
            "partition_aware": self.args.partition_aware,
        }
        if old:
            info["id"] = old[0]
        error, result = self.conn.call("framework.subscribe", info)
        if error is not None and error.get("kind") == "not_leader":
            raise Lost()
        if error is not None:
            print("subscribe refused: %s" % error["message"], file=sys.stderr, flush=True)
            sys.exit(3)
        self.framework_id = result["framework_id"]
        if not old:
            self.append("framework_id", self.framework_id)
        print("subscribed as %s" % self.framework_id, flush=True)

    def on_offers(self, offers):
        wanted = [t for t in self.task_ids() if t not in self.launched]
        for offer in offers:
            cpus = offer["resources"].get("cpus", 0.0)
            mem = offer["resources"].get("mem", 0.0)
            tasks = []
            while wanted and cpus >= self.args.cpus - 1e-9 and mem >= self.args.mem - 1e-9:
                task_id = wanted.pop(0)
                cpus -= self.args.cpus
                mem -= self.args.mem
                tasks.append({
                    "task_id": task_id, "name": task_id,
                    "resources": {"cpus": self.args.cpus, "mem": self.args.mem},
                    "command": {"value": self.args.command, "shell": True},
                    "kill_grace_millis": 1000,
                })
            for task in tasks:  # recorded first: a restarted framework never launches twice
                self.launched.add(task["task_id"])
                self.append("launched", task["task_id"])
            method = "framework.accept" if tasks else "framework.decline"
            params = {"framework_id": self.framework_id, "offer_ids": [offer["id"]],
                      "filters": {"refuse_seconds": 1.0 if wanted else 60.0}}
            if tasks:
                params["tasks"] = tasks
            error, _ = self.conn.call(method, params)
            if error is not None:
                print("%s: %s" % (method, error["message"]), file=sys.stderr, flush=True)
                if tasks:  # refused (the offer went away): launch them on another offer
                    self.forget_launched([t["task_id"] for t in tasks])
                    wanted = [t["task_id"] for t in tasks] + wanted
                    self.conn.call("framework.revive", {"framework_id": self.framework_id})

    def forget_launched(self, task_ids):
        self.launched -= set(task_ids)
        with open(self.path("launched"), "w") as f:
            f.write("".join(t + "\n" for t in sorted(self.launched)))

    def on_update(self, status):
        event = {k: status.get(k) for k in
                 ("task_id", "state", "reason", "message", "uuid", "healthy", "agent_id")}
        event["time"] = time.time()
        self.append("events.jsonl", json.dumps(event))
        if status["state"] in TERMINAL:
            self.terminal.add(status["task_id"])
        if status.get("uuid") and not self.args.no_ack:
            self.acks.append((time.time() + self.args.ack_delay, status))

    def send_due_acks(self):
        now = time.time()
        due = [s for t, s in self.acks if t <= now]
        self.acks = [(t, s) for t, s in self.acks if t > now]
        for status in due:
            self.conn.call("framework.acknowledge", {
                "framework_id": self.framework_id, "agent_id": status["agent_id"],
                "task_id": status["task_id"], "uuid": status["uuid"]})
            self.append("acknowledged", status["uuid"])

    def handle(self, frame):
        method, params = frame[1], frame[2][0]
        if method == "framework.offers":
            self.on_offers(params["offers"])
        elif method == "framework.update":
            self.on_update(params["status"])
        elif method == "framework.error":
            print("framework.error: %s" % params.get("message"), file=sys.stderr, flush=True)
            sys.exit(3)

    def done(self):
        return (self.args.until_terminal and self.terminal >= set(self.task_ids())
                and not self.acks)

    def run(self):
        while True:
            try:
                self.run_once()
                return
            except (Lost, OSError, ConnectionError, TimeoutError) as why:
                print("lost the master (%r); subscribing again" % why, flush=True)
                time.sleep(0.2)

    def run_once(self):
        self.subscribe()
        if self.args.reconcile is not None:
            tasks = [{"task_id": t} for t in self.args.reconcile]
            error, _ = self.conn.call("framework.reconcile",
                                      {"framework_id": self.framework_id, "tasks": tasks})
            assert error is None, error
        deadline = time.time() + self.args.run_for if self.args.run_for else None
        while not self.done():
            if deadline and time.time() > deadline:
                return
            while self.conn.notifications:
                self.handle(self.conn.notifications.pop(0))
            self.send_due_acks()
            frame = self.conn.receive(0.05)
            if frame is not None and frame[0] == 2:
                self.handle(frame)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("master")
    parser.add_argument("state_dir")
    parser.add_argument("--name", default="pyfw")
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--command", default="true")
    parser.add_argument("--cpus", type=float, default=0.1)
    parser.add_argument("--mem", type=float, default=8)
    parser.add_argument("--checkpoint", action="store_true")
    parser.add_argument("--failover-timeout", type=float, default=0)
    parser.add_argument("--partition-aware", action="store_true")
    parser.add_argument("--ack-delay", type=float, default=0)
    parser.add_argument("--no-ack", action="store_true")
    parser.add_argument("--until-terminal", action="store_true")
    parser.add_argument("--reconcile", nargs="*", metavar="TASK_ID",
                        help="ask for the state of these tasks (none: all) after subscribing")
    parser.add_argument("--run-for", type=float, default=0, help="exit after so many seconds")
    parser.add_argument("--principal", default=os.environ.get("CLUSTERCTL_PRINCIPAL", ""),
                        help="authenticate as this principal (docs/PROTOCOL.md)")
    parser.add_argument("--secret-file", default="", help="the principal's secret")
    Framework(parser.parse_args()).run()


if __name__ == "__main__":
    main()
