#!/usr/bin/env bats
# An agent that stops answering is marked unreachable and its tasks are LOST.

load helpers

setup() {
  setup_work_dir
  start_master --agent-ping-timeout 200ms --max-agent-ping-timeouts 3
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

agent_state() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['state']"; }
agent_in_state() { [ "$(agent_state)" = "$1" ]; }

@test "killing an agent makes it unreachable and its tasks LOST" {
  "$CLUSTERCTL_BIN" execute --name survivor --command 'sleep 60' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task survivor RUNNING" 10 task_in_state survivor RUNNING
  kill -KILL "$AGENT_PID"
  wait_for "task survivor LOST" 10 task_in_state survivor LOST
  [ "$(agent_state)" = unreachable ]
  run bash -c "'$CLUSTERCTL_BIN' tasks --json | $PYTHON -c '
import json, sys
t = [t for t in json.load(sys.stdin)[\"tasks\"] if t[\"name\"] == \"survivor\"][0]
assert t[\"reason\"] == \"agent lost\", t
print(\"ok\")'"
  [ "$status" -eq 0 ]
  # execute learns that its task is gone and says so.
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 1 ]
  grep -q LOST "$TEST_DIR/execute.log"
}

@test "a paused agent is marked unreachable, then re-registers when resumed" {
  kill -STOP "$AGENT_PID"
  wait_for "agent unreachable" 10 agent_in_state unreachable
  kill -CONT "$AGENT_PID"
  wait_for "agent active again" 15 agent_in_state active
  run "$CLUSTERCTL_BIN" execute --name after --command true --timeout 10s
  [ "$status" -eq 0 ]
}
