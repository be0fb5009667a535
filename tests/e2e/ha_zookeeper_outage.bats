#!/usr/bin/env bats
# ZooKeeper itself goes away. Longer than the session timeout: the leader
# steps down, no master acts, the tasks on the agents run on; when ZooKeeper
# is back a leader is elected and everything recovers by itself. And fencing:
# a leader paused (SIGSTOP) past its session timeout must, once resumed,
# neither answer as leader nor write the registry.

load helpers
load ha_helpers

setup() {
  setup_work_dir
  zk_start
  MASTER=$(zk_url)
  export CLUSTERCTL_MASTER=$MASTER
}

teardown() { teardown_work_dir; }

@test "ZooKeeper down past the session timeout: nobody leads, tasks run on, all recovers" {
  start_ha_master m1
  start_ha_master m2
  wait_for_leader
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  start_framework fw --checkpoint --failover-timeout 3600 --until-terminal \
    --command 'echo $$ > pid; while [ ! -e go ]; do sleep 0.2; done'
  wait_for "the task RUNNING" 20 task_in_state fw-000 RUNNING
  local task_pid
  task_pid=$(cat "$(sandbox_of fw-000)/pid")

  zk_stop
  wait_for "every master to stop leading" 20 nobody_leads
  sleep 4  # well past the session timeout: still nobody, and the task runs on
  nobody_leads
  process_running "$task_pid"
  grep -q "stops acting" "$TEST_DIR"/m*.log

  zk_restart
  wait_for_leader "" 60
  wait_for "the agent back" 30 has_active_agents 1
  wait_for "the task known again" 30 task_in_state fw-000 RUNNING
  touch "$(sandbox_of fw-000)/go"
  local code=0
  wait "$FRAMEWORK_PID" || code=$?
  [ "$code" -eq 0 ]
  [ "$(task_state fw-000)" = FINISHED ]
}

@test "a leader paused past its session timeout neither answers as leader nor writes" {
  start_ha_master m1
  wait_for_leader
  start_ha_master m2
  local old new
  old=$(leader_name)
  # A client connected to the old leader before the pause...
  "$PYTHON" - "${HA_ADDR[$old]}" "$BATS_TEST_DIRNAME" "$TEST_DIR/paused" >"$TEST_DIR/paused.out" <<'PY' &
import os, sys, time
sys.path.insert(0, sys.argv[2])
from rpc_client import Client
c = Client(sys.argv[1])
c.call("hello", {"protocol_version": 1})
open(sys.argv[3] + ".ready", "w").close()
while not os.path.exists(sys.argv[3] + ".send"):
    time.sleep(0.05)
try:
    error, _ = c.call("weights.set", {"weights": {"stale": 7.0}})
    print("accepted" if error is None else error["kind"])
except Exception:  # the connection closed: not answered as leader either
    print("closed")
PY
  local client_pid=$!
  STARTED_PIDS+=("$client_pid")
  wait_for "the client" 10 test -e "$TEST_DIR/paused.ready"
  kill -STOP "${HA_PID[$old]}"
  wait_for_leader "${HA_ADDR[$old]}" 30
  "$CLUSTERCTL_BIN" weights set fresh=2
  # ...sends a write while it is paused; it is read first thing on resume.
  touch "$TEST_DIR/paused.send"
  sleep 0.5
  kill -CONT "${HA_PID[$old]}"
  wait "$client_pid"
  run cat "$TEST_DIR/paused.out"
  [[ "$output" == not_leader || "$output" == closed ]]
  run "$CLUSTERCTL_BIN" weights get --json
  [[ "$output" == *'"fresh"'* ]]
  [[ "$output" != *'"stale"'* ]]
  grep -q "lost leadership\|stops acting" "$TEST_DIR/$old.log"
  # It comes back as a standby of the new leader.
  wait_for "the old leader standing by" 20 eval "health ${HA_ADDR[$old]} | grep -q standby"
}
