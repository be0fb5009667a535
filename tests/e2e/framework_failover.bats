#!/usr/bin/env bats
# Framework failover, teardown and reconciliation through the real daemons,
# with the python test scheduler (tests/e2e/test_framework.py) as framework.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:4;mem:1024'
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

framework_field() {
  "$CLUSTERCTL_BIN" frameworks --json |
    json_get "next((f['$2'] for f in d['frameworks'] if f['id'] == '$1'), 'NONE')"
}
framework_in_state() { [ "$(framework_field "$1" state)" = "$2" ]; }

WAITING_COMMAND='echo $$ > pid; while [ ! -e go ]; do sleep 0.1; done'

@test "a scheduler back within its failover timeout keeps its framework, tasks and missed updates" {
  start_framework fw --checkpoint --failover-timeout 30 --until-terminal --command "$WAITING_COMMAND"
  local id task_pid
  id=$(cat "$TEST_DIR/fw/framework_id")
  wait_for "fw-000 RUNNING" 10 has_event fw fw-000 RUNNING
  task_pid=$(cat "$(sandbox_of fw-000)/pid")
  kill -KILL "$FRAMEWORK_PID"
  wait_for "framework disconnected" 10 framework_in_state "$id" disconnected
  # The task keeps running, and ends while its scheduler is away.
  process_running "$task_pid"
  touch "$(sandbox_of fw-000)/go"
  wait_for "fw-000 FINISHED at the master" 10 task_in_state fw-000 FINISHED
  [ "$(count_events fw fw-000 FINISHED)" -eq 0 ]
  # The same framework comes back and gets the update it missed, once.
  start_framework fw --checkpoint --failover-timeout 30 --until-terminal --command "$WAITING_COMMAND"
  local code=0
  wait "$FRAMEWORK_PID" || code=$?
  [ "$code" -eq 0 ]
  [ "$(count_events fw fw-000 FINISHED)" -eq 1 ]
  [ "$(count_events fw fw-000 RUNNING)" -eq 1 ]
  [ "$(cat "$TEST_DIR/fw/framework_id")" = "$id" ]
  grep -q "re-subscribed: $id" "$TEST_DIR/master.log"
}

@test "after its failover timeout a framework is torn down: tasks killed, no way back" {
  start_framework brief --failover-timeout 1 --command "$WAITING_COMMAND"
  local id task_pid
  id=$(cat "$TEST_DIR/brief/framework_id")
  wait_for "brief-000 RUNNING" 10 task_in_state brief-000 RUNNING
  task_pid=$(cat "$(sandbox_of brief-000)/pid")
  kill -KILL "$FRAMEWORK_PID"
  wait_for "brief-000 KILLED" 15 task_in_state brief-000 KILLED
  wait_for "the task process gone" 5 process_gone "$task_pid"
  [ "$(framework_field "$id" state)" = completed ]
  run "$PYTHON" "$BATS_TEST_DIRNAME/test_framework.py" "$MASTER" "$TEST_DIR/brief" --name brief
  [ "$status" -eq 3 ]
  [[ "$output" == *"was torn down"* ]]
}

@test "a scheduler without a failover timeout takes its tasks with it" {
  start_framework gone --command "$WAITING_COMMAND"
  wait_for "gone-000 RUNNING" 10 task_in_state gone-000 RUNNING
  kill -KILL "$FRAMEWORK_PID"
  wait_for "gone-000 KILLED" 10 task_in_state gone-000 KILLED
}

@test "clusterctl frameworks teardown ID kills a framework's tasks and ends it" {
  "$CLUSTERCTL_BIN" execute --name victim --failover-timeout 1m --command 'sleep 60' \
    2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task victim RUNNING" 10 task_in_state victim RUNNING
  local id
  id=$(task_field victim framework_id)
  run --separate-stderr "$CLUSTERCTL_BIN" frameworks teardown "$id"
  [ "$status" -eq 0 ]
  [ "$output" = "framework $id torn down" ]
  wait_for "task victim KILLED" 10 task_in_state victim KILLED
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 1 ]
  grep -q "torn down" "$TEST_DIR/execute.log"
  [ "$(framework_field "$id" state)" = completed ]
  run --separate-stderr "$CLUSTERCTL_BIN" frameworks teardown "$id"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "clusterctl frameworks: "*"already torn down"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" frameworks teardown framework-nosuch
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"no framework framework-nosuch"* ]]
  # The listing still works, as a table and as JSON.
  run "$CLUSTERCTL_BIN" frameworks
  [ "$status" -eq 0 ]
  [[ "$output" == *completed* ]]
  run "$CLUSTERCTL_BIN" frameworks --json
  [ "$status" -eq 0 ]
}

@test "reconciliation: implicit (all live tasks) and explicit (unknown tasks are LOST)" {
  start_framework rec --failover-timeout 30 --command 'sleep 60'
  wait_for "rec-000 RUNNING" 10 has_event rec rec-000 RUNNING
  kill -KILL "$FRAMEWORK_PID"
  # The same framework asks for the state of all its tasks...
  start_framework rec --failover-timeout 30 --reconcile --run-for 2
  wait "$FRAMEWORK_PID" || true
  run "$PYTHON" -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
answers = [e for e in events if e["reason"] == "reconciliation"]
assert [(e["task_id"], e["state"]) for e in answers] == [("rec-000", "RUNNING")], answers
assert all(not e["uuid"] for e in answers), answers
print("ok")' "$TEST_DIR/rec/events.jsonl"
  [ "$output" = ok ]
  # ...then of one it has and one nobody knows.
  start_framework rec --failover-timeout 30 --reconcile rec-000 nosuch --run-for 2
  wait "$FRAMEWORK_PID" || true
  [ "$(count_events rec nosuch LOST)" -eq 1 ]
  [ "$(count_events rec rec-000 RUNNING)" -eq 3 ]
}

@test "a partition-aware framework hears UNKNOWN for a task the master does not know" {
  start_framework aware --partition-aware --tasks 0 --reconcile nosuch --run-for 2
  wait "$FRAMEWORK_PID" || true
  [ "$(count_events aware nosuch UNKNOWN)" -eq 1 ]
}
