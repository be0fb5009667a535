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
agent_updates_acknowledged() {
  [ "$(curl -sf --noproxy '*' "http://$(cat "$TEST_DIR/agent/agent.address")/state" |
    json_get "d['queued_updates']")" = 0 ]
}

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

@test "a partition-aware framework's task goes UNREACHABLE, then RUNNING when its agent returns" {
  start_framework aware --partition-aware --failover-timeout 60 --command 'sleep 60'
  wait_for "aware-000 RUNNING" 10 has_event aware aware-000 RUNNING
  kill -STOP "$AGENT_PID"
  wait_for "aware-000 UNREACHABLE" 10 has_event aware aware-000 UNREACHABLE
  [ "$(task_state aware-000)" = UNREACHABLE ]
  kill -CONT "$AGENT_PID"
  wait_for "aware-000 RUNNING again" 15 task_in_state aware-000 RUNNING
  [ "$(count_events aware aware-000 RUNNING)" -eq 2 ]
  [ "$(task_field aware-000 reason)" = "agent reregistered" ]
}

@test "a task reported LOST is killed when its agent returns, and is never reported again" {
  start_framework plain --failover-timeout 60 --command 'echo $$ > pid; sleep 60'
  wait_for "plain-000 RUNNING" 10 has_event plain plain-000 RUNNING
  local task_pid
  task_pid=$(cat "$(sandbox_of plain-000)/pid")
  kill -STOP "$AGENT_PID"
  wait_for "plain-000 LOST" 10 has_event plain plain-000 LOST
  kill -CONT "$AGENT_PID"
  wait_for "the agent active again" 15 agent_in_state active
  wait_for "the lost task killed" 10 process_gone "$task_pid"
  wait_for "its KILLED update at the agent" 10 grep -q "task plain-000 is KILLED" "$TEST_DIR/agent.log"
  # Its KILLED update reached the master, which acknowledged it without
  # telling the framework.
  wait_for "the agent's updates acknowledged" 10 agent_updates_acknowledged
  run "$PYTHON" -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["task_id"] == "plain-000"]
ends = [e["state"] for e in events if e["state"] in ("FINISHED", "FAILED", "KILLED", "LOST")]
assert ends == ["LOST"], ends
print("ok")' "$TEST_DIR/plain/events.jsonl"
  [ "$output" = ok ]
  [ "$(task_state plain-000)" = LOST ]
}
