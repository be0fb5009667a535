#!/usr/bin/env bats
# Three HA masters elected through a real ZooKeeper: the leader is killed
# (kill -9) five times in a row and restarted each time. Every time another
# master takes over, the agent and a checkpointing framework find it through
# ZooKeeper, the tasks keep running and then finish, and the framework gets
# every task's end exactly once.

load helpers
load ha_helpers

setup() {
  setup_work_dir
  zk_start
  MASTER=$(zk_url)
  export CLUSTERCTL_MASTER=$MASTER
}

teardown() { teardown_work_dir; }

tasks_running() {
  [ "$("$CLUSTERCTL_BIN" tasks --json |
    json_get "sum(1 for t in d['tasks'] if t['state'] == 'RUNNING')")" -eq "$1" ]
}

# Distinct terminal updates (by uuid) the framework got for TASK_ID.
terminal_updates() {
  "$PYTHON" -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
terminal = {"FINISHED", "FAILED", "KILLED", "LOST", "ERROR", "DROPPED", "GONE"}
print(len({e["uuid"] for e in events if e["task_id"] == sys.argv[2] and e["state"] in terminal}))' \
    "$TEST_DIR/fw/events.jsonl" "$1"
}

@test "five leader crashes in a row: a new leader each time, tasks run on and end exactly once" {
  local name
  for name in m1 m2 m3; do start_ha_master "$name" --quorum 2; done
  wait_for_leader
  start_agent agent --resources 'cpus:4;mem:2048'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" weights set analytics=3
  start_framework fw --checkpoint --failover-timeout 3600 --tasks 3 --until-terminal \
    --command 'echo $$ > pid; while [ ! -e go ]; do sleep 0.2; done'
  wait_for "3 tasks RUNNING" 20 tasks_running 3
  local pids=() task
  for task in fw-000 fw-001 fw-002; do pids+=("$(cat "$(sandbox_of "$task")/pid")"); done

  local round old old_address
  for round in 1 2 3 4 5; do
    old=$(leader_name)
    old_address=${HA_ADDR[$old]}
    kill_master "$old"
    wait_for_leader "$old_address" 30
    start_ha_master "$old" --quorum 2  # back as a standby
    wait_for "the agent with the new leader (round $round)" 30 has_active_agents 1
    wait_for "3 tasks RUNNING on the new leader (round $round)" 30 tasks_running 3
    for pid in "${pids[@]}"; do process_running "$pid"; done
  done
  # What the registry held came through every failover.
  run "$CLUSTERCTL_BIN" weights get --json
  [[ "$output" == *'"analytics"'* ]]

  for task in fw-000 fw-001 fw-002; do touch "$(sandbox_of "$task")/go"; done
  local code=0
  wait "$FRAMEWORK_PID" || code=$?
  [ "$code" -eq 0 ]
  for task in fw-000 fw-001 fw-002; do
    [ "$(terminal_updates "$task")" -eq 1 ]
    [ "$(task_state "$task")" = FINISHED ]
  done
}
