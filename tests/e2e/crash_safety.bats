#!/usr/bin/env bats
# Crash safety: the agent is killed (kill -9) at random points while a burst
# of short checkpointed tasks runs, and restarted, again and again. In the
# end every task has exactly one terminal update at the framework, and no
# process of the test is left running.
#
#   CLUSTERCTL_CRASH_ROUNDS  agent kills (default 3)
#   CLUSTERCTL_CRASH_TASKS   tasks in the burst (default 200)

load helpers

# Room for 50 tasks at a time: the burst runs in waves for several seconds.
AGENT_RESOURCES='cpus:0.5;mem:4096'

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources "$AGENT_RESOURCES"
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

# Processes (not zombies) started for this test: executors and tasks carry
# the test dir in their command line or environment.
leftover_processes() {
  "$PYTHON" -c '
import os, sys
mark = sys.argv[1].encode()
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        with open("/proc/%s/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                continue
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            cmdline = f.read()
        with open("/proc/%s/environ" % pid, "rb") as f:
            environ = f.read()
    except OSError:
        continue
    args = cmdline.split(b"\0")
    executor = len(args) > 1 and args[1] == b"executor" and mark in cmdline
    if executor or b"CLUSTERCTL_SANDBOX=" + mark in environ:
        print(pid, cmdline.replace(b"\0", b" ").decode(errors="replace"))' "$TEST_DIR"
}
no_leftover_processes() { [ -z "$(leftover_processes)" ]; }

random_seconds() { "$PYTHON" -c "import random; print(round(random.uniform($1, $2), 2))"; }

@test "agent killed at random points during a burst of tasks: one end per task, nothing left" {
  local rounds=${CLUSTERCTL_CRASH_ROUNDS:-3} tasks=${CLUSTERCTL_CRASH_TASKS:-200} round
  start_framework burst --tasks "$tasks" --cpus 0.01 --mem 1 --checkpoint \
    --failover-timeout 600 --until-terminal --command 'sleep 0.$((RANDOM % 5))'
  for round in $(seq "$rounds"); do
    sleep "$(random_seconds 0.2 1.5)"
    kill -KILL "$AGENT_PID"
    wait "$AGENT_PID" 2>/dev/null || true
    sleep "$(random_seconds 0 0.5)"
    start_agent agent --resources "$AGENT_RESOURCES"
  done
  wait_for "every task to end" 300 bash -c "! kill -0 $FRAMEWORK_PID 2>/dev/null"
  local code=0
  wait "$FRAMEWORK_PID" || code=$?
  [ "$code" -eq 0 ]
  run "$PYTHON" -c '
import collections, json, sys
terminal = {"FINISHED", "FAILED", "KILLED", "LOST", "ERROR", "DROPPED", "GONE"}
events = [json.loads(l) for l in open(sys.argv[1])]
ends = collections.Counter(e["task_id"] for e in events if e["state"] in terminal)
tasks = ["burst-%03d" % i for i in range(int(sys.argv[2]))]
wrong = {t: ends[t] for t in tasks if ends[t] != 1}
assert not wrong, "tasks without exactly one terminal update: %s" % wrong
states = collections.Counter("%s (%s)" % (e["state"], e["reason"]) if e["reason"] else e["state"]
                             for e in events if e["state"] in terminal)
print("ok", dict(states))' "$TEST_DIR/burst/events.jsonl" "$tasks"
  echo "# $output" >&3
  grep -h "recovering [0-9]* executors" "$TEST_DIR/agent.log" | sed "s/^/# /" >&3 || true
  [[ "$output" == ok* ]]
  wait_for "no process left" 20 no_leftover_processes || {
    leftover_processes
    return 1
  }
}
