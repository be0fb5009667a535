#!/usr/bin/env bats
# A real master and agent on loopback, tasks run through `clusterctl execute`.

load helpers

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:2;mem:1024;disk:2048;ports:[31000-32000]' \
    --attributes 'rack:r1'
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

@test "execute runs a task and exits 0 when it succeeds" {
  run "$CLUSTERCTL_BIN" execute --name ok --command true
  [ "$status" -eq 0 ]
  [[ "$output" == *STAGING* ]]
  [[ "$output" == *RUNNING* ]]
  [[ "$output" == *FINISHED* ]]
}

@test "execute mirrors the task's own exit code" {
  run "$CLUSTERCTL_BIN" execute --name hello --command 'echo hi; exit 3' \
    --resources 'cpus:0.1;mem:32'
  [ "$status" -eq 3 ]
  [[ "$output" == *FAILED* ]]
  [ "$(task_state hello)" = FAILED ]
}

@test "the task's stdout and stderr land in its sandbox with a latest link" {
  run "$CLUSTERCTL_BIN" execute --name out --command 'echo to-stdout; echo to-stderr >&2'
  [ "$status" -eq 0 ]
  local runs
  runs=$(echo "$TEST_DIR"/agent/agents/*/frameworks/*/executors/*/runs)
  [ -d "$runs" ]
  [ -L "$runs/latest" ]
  grep -qx to-stdout "$runs/latest/stdout"
  grep -qx to-stderr "$runs/latest/stderr"
}

@test "environment, --no-shell, framework name and role reach the task" {
  run "$CLUSTERCTL_BIN" execute --name env --env GREETING=hola --env EMPTY= \
    --framework-name my-fw --command 'test "$GREETING" = hola && test -n "$CLUSTERCTL_SANDBOX"'
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" execute --name noshell --no-shell --command '/bin/echo a;b $HOME'
  [ "$status" -eq 0 ]
  grep -qF 'a;b $HOME' "$TEST_DIR"/agent/agents/*/frameworks/*/executors/noshell*/runs/latest/stdout
  run "$CLUSTERCTL_BIN" frameworks --json
  [[ "$output" == *'"name": "my-fw"'* ]]
}

@test "tasks lists tasks as a table and as JSON" {
  "$CLUSTERCTL_BIN" execute --name listed --command 'exit 5' 2>/dev/null || true
  run "$CLUSTERCTL_BIN" tasks
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *ID*NAME*FRAMEWORK*AGENT*STATE*EXIT* ]]
  [[ "$output" == *listed*FAILED*5* ]]
  run bash -c "'$CLUSTERCTL_BIN' tasks --json | $PYTHON -c '
import json, sys
t = [t for t in json.load(sys.stdin)[\"tasks\"] if t[\"name\"] == \"listed\"][0]
assert t[\"state\"] == \"FAILED\" and t[\"exit_code\"] == 5, t
assert t[\"id\"] and t[\"framework_id\"] and t[\"agent_id\"], t
assert t[\"resources\"][\"cpus\"] == 0.1, t
print(\"ok\")'"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "agents lists resources total and used, and attributes" {
  run "$CLUSTERCTL_BIN" agents
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *ID*HOSTNAME*ADDRESS*STATE* ]]
  [[ "$output" == *active* ]]
  run bash -c "'$CLUSTERCTL_BIN' agents --json | $PYTHON -c '
import json, sys
a = json.load(sys.stdin)[\"agents\"][0]
assert a[\"resources\"][\"total\"][\"cpus\"] == 2 and a[\"resources\"][\"total\"][\"mem\"] == 1024, a
assert a[\"resources\"][\"total\"][\"ports\"] == \"[31000-32000]\", a
assert a[\"attributes\"] == {\"rack\": \"r1\"}, a
assert a[\"address\"].startswith(\"127.0.0.1:\") and a[\"hostname\"] and a[\"id\"], a
print(\"ok\")'"
  [ "$status" -eq 0 ]
}

@test "a running task shows as used resources of its agent" {
  "$CLUSTERCTL_BIN" execute --name sleeper --resources 'cpus:0.5;mem:128' --command 'sleep 60' \
    2>"$TEST_DIR/execute.log" &
  STARTED_PIDS+=($!)
  wait_for "task sleeper RUNNING" 10 task_in_state sleeper RUNNING
  run bash -c "'$CLUSTERCTL_BIN' agents --json | $PYTHON -c '
import json, sys
a = json.load(sys.stdin)[\"agents\"][0]
assert a[\"resources\"][\"used\"] == {\"cpus\": 0.5, \"mem\": 128}, a
assert a[\"tasks\"] == 1, a
print(\"ok\")'"
  [ "$status" -eq 0 ]
}

@test "execute waits for resources no agent has and times out with the reason" {
  run timeout 20 "$CLUSTERCTL_BIN" execute --name huge --resources 'cpus:64;mem:32' \
    --command true --timeout 1s
  [ "$status" -eq 1 ]
  [[ "$output" == *waiting* ]]
  [[ "$output" == *cpus:64* ]]
}

@test "Ctrl-C on execute kills the task (KILLED) before execute exits" {
  "$CLUSTERCTL_BIN" execute --name interrupted --command 'echo $$ > pid; sleep 60' \
    2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task interrupted RUNNING" 10 task_in_state interrupted RUNNING
  local sandbox
  sandbox=$(echo "$TEST_DIR"/agent/agents/*/frameworks/*/executors/interrupted*/runs/latest)
  wait_for "the task's pid file" 5 test -s "$sandbox/pid"
  local task_pid
  task_pid=$(cat "$sandbox/pid")
  kill -INT "$execute_pid"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -ne 0 ]
  grep -q KILLED "$TEST_DIR/execute.log"
  [ "$(task_state interrupted)" = KILLED ]
  ! kill -0 "$task_pid" 2>/dev/null
}

@test "--kill-after bounds how long a task may ignore SIGTERM" {
  "$CLUSTERCTL_BIN" execute --name stubborn --kill-after 500ms \
    --command 'trap "" TERM; sleep 60 & wait; sleep 60' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task stubborn RUNNING" 10 task_in_state stubborn RUNNING
  kill -TERM "$execute_pid"
  wait_for "task stubborn KILLED" 10 task_in_state stubborn KILLED
}

@test "the agent detects its machine's resources when --resources is not given" {
  start_agent detected
  wait_for_agents 2
  local address
  address=$(cat "$TEST_DIR/detected/agent.address")
  run bash -c "'$CLUSTERCTL_BIN' agents --json | $PYTHON -c '
import json, os, sys
agents = json.load(sys.stdin)[\"agents\"]
totals = [a[\"resources\"][\"total\"] for a in agents if a[\"address\"] == \"$address\"]
assert len(totals) == 1, agents
t = totals[0]
assert t[\"cpus\"] == len(os.sched_getaffinity(0)), t
assert t[\"mem\"] > 0 and t[\"disk\"] > 0 and t[\"ports\"] == \"[31000-32000]\", t
print(\"ok\")'"
  [ "$status" -eq 0 ]
}

@test "resources reserved for a role go only to frameworks in that role" {
  start_agent reserved --resources 'cpus(ops):1;mem(ops):256'
  wait_for_agents 2
  run "$CLUSTERCTL_BIN" execute --name in-ops --role ops --resources 'cpus(ops):1;mem(ops):256' \
    --command 'exit 0' --timeout 10s
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" execute --name in-dev --role dev --resources 'cpus(ops):1;mem(ops):256' \
    --command 'exit 0' --timeout 1s
  [ "$status" -eq 1 ]
}

@test "the master serves /health and /state over HTTP on its RPC port" {
  run curl -sf --noproxy '*' "http://$MASTER/health"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"status"'*'"ok"'* ]]
  "$CLUSTERCTL_BIN" execute --name stated --command true 2>/dev/null
  run bash -c "curl -sf --noproxy '*' 'http://$MASTER/state' | $PYTHON -c '
import json, sys
s = json.load(sys.stdin)
assert len(s[\"agents\"]) == 1 and len(s[\"frameworks\"]) >= 1, s
assert any(t[\"name\"] == \"stated\" and t[\"state\"] == \"FINISHED\" for t in s[\"tasks\"]), s
print(\"ok\")'"
  [ "$status" -eq 0 ]
}

# "STATE PHASE" of the agent's executor of task $1, from the agent's /state.
agent_executor() {
  curl -sf --noproxy '*' "http://$(cat "$TEST_DIR/agent/agent.address")/state" |
    json_get "' '.join(e['state'] + ' ' + e['phase'] for e in d['executors'] if e['task_name'] == '$1')"
}
agent_executor_is() { [ "$(agent_executor "$1")" = "$2" ]; }

@test "the agent's /state shows each executor's task state and its phase" {
  "$CLUSTERCTL_BIN" execute --name phased --command 'sleep 60' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task phased RUNNING" 10 task_in_state phased RUNNING
  wait_for "executor of phased running at the agent" 10 agent_executor_is phased "RUNNING running"
  kill -INT "$execute_pid"
  wait_for "task phased KILLED" 10 task_in_state phased KILLED
  wait_for "executor of phased gone from the agent" 10 agent_executor_is phased ""
}

@test "SIGTERM stops the agent, killing its tasks, and the master cleanly" {
  "$CLUSTERCTL_BIN" execute --name doomed --command 'echo $$ > pid; sleep 60' \
    2>"$TEST_DIR/execute.log" &
  STARTED_PIDS+=($!)
  wait_for "task doomed RUNNING" 10 task_in_state doomed RUNNING
  local task_pid
  task_pid=$(cat "$TEST_DIR"/agent/agents/*/frameworks/*/executors/doomed*/runs/latest/pid)
  kill -TERM "$AGENT_PID"
  local code=0
  wait "$AGENT_PID" || code=$?
  [ "$code" -eq 0 ]
  ! kill -0 "$task_pid" 2>/dev/null
  kill -TERM "$MASTER_PID"
  code=0
  wait "$MASTER_PID" || code=$?
  [ "$code" -eq 0 ]
}
