#!/usr/bin/env bats
# Agent checkpointing and recovery through the real daemons: the agent is
# killed (kill -9) or stopped and started again on the same work dir while
# tasks of checkpointing frameworks run.

bats_require_minimum_version 1.5.0

load helpers

AGENT_RESOURCES='cpus:4;mem:1024'

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources "$AGENT_RESOURCES"
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

agent_id() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['id']"; }

# stop_agent SIGNAL: kill -SIGNAL the agent and wait for it to go.
stop_agent() {
  kill "-$1" "$AGENT_PID"
  wait "$AGENT_PID" 2>/dev/null || true
}

# A checkpointed task that records each start of its command and waits for `go`.
start_waiting_task() {
  "$CLUSTERCTL_BIN" execute --name "$1" --checkpoint "${@:2}" \
    --command 'echo $$ >> pids; while [ ! -e go ]; do sleep 0.1; done' \
    2>"$TEST_DIR/execute-$1.log" &
  EXECUTE_PID=$!
  STARTED_PIDS+=("$EXECUTE_PID")
  wait_for "task $1 RUNNING" 10 task_in_state "$1" RUNNING
  SANDBOX=$(sandbox_of "$1")
  wait_for "the task's pid" 5 test -s "$SANDBOX/pids"
  TASK_PID=$(head -n1 "$SANDBOX/pids")
  EXECUTOR_PID=$(awk '{print $4}' "/proc/$TASK_PID/stat")
}

no_checkpointed_runs() { [ -z "$(ls "$TEST_DIR/agent/meta/runs")" ]; }

expect_survivor_finishes() {
  process_running "$TASK_PID"
  wait_for "the agent back" 15 has_active_agents 1
  touch "$SANDBOX/go"
  local code=0
  wait "$EXECUTE_PID" || code=$?
  [ "$code" -eq 0 ]
  [ "$(task_state survivor)" = FINISHED ]
  # The same process all along: the command started once.
  [ "$(wc -l <"$SANDBOX/pids")" -eq 1 ]
  [ "$(grep -c 'is FINISHED' "$TEST_DIR/execute-survivor.log")" -eq 1 ]
  # Its checkpoint is gone once the framework has its end.
  wait_for "the run's checkpoint removed" 5 no_checkpointed_runs
}

@test "a checkpointed task survives kill -9 of its agent: same process, then FINISHED" {
  start_waiting_task survivor
  local id
  id=$(agent_id)
  stop_agent KILL
  process_running "$TASK_PID"
  start_agent agent --resources "$AGENT_RESOURCES"
  expect_survivor_finishes
  [ "$(agent_id)" = "$id" ]
  grep -q "reconnected after the agent restarted" "$TEST_DIR/agent.log"
}

@test "a checkpointed task survives a clean stop (SIGTERM) of its agent" {
  start_waiting_task survivor
  stop_agent TERM
  process_running "$TASK_PID"
  start_agent agent --resources "$AGENT_RESOURCES"
  expect_survivor_finishes
}

@test "an update not yet acknowledged when the agent dies reaches the framework once" {
  # The framework holds each acknowledgement for 3 s: the agent is killed and
  # restarted while STARTING waits for its acknowledgement.
  start_framework slow --checkpoint --failover-timeout 60 --ack-delay 3 --until-terminal \
    --command 'sleep 1'
  wait_for "STARTING at the framework" 10 has_event slow slow-000 STARTING
  stop_agent KILL
  start_agent agent --resources "$AGENT_RESOURCES"
  local code=0
  wait "$FRAMEWORK_PID" || code=$?
  [ "$code" -eq 0 ]
  [ "$(count_events slow slow-000 STARTING)" -eq 1 ]
  [ "$(count_events slow slow-000 RUNNING)" -eq 1 ]
  [ "$(count_events slow slow-000 FINISHED)" -eq 1 ]
  [ "$(task_state slow-000)" = FINISHED ]
}

@test "an executor killed while the agent is down: its task ends FAILED with the reason" {
  start_waiting_task orphaned
  stop_agent KILL
  kill -KILL "$EXECUTOR_PID"
  start_agent agent --resources "$AGENT_RESOURCES"
  wait_for "task orphaned FAILED" 15 task_in_state orphaned FAILED
  [ "$(task_field orphaned reason)" = "executor terminated" ]
  [[ "$(task_field orphaned message)" == *"ended while the agent was down"* ]]
  # What the executor left of its task is killed too.
  wait_for "the task process gone" 5 process_gone "$TASK_PID"
  local code=0
  wait "$EXECUTE_PID" || code=$?
  [ "$code" -eq 1 ]
}

@test "--recover cleanup kills the tasks an agent left and reports them KILLED" {
  start_waiting_task doomed
  stop_agent KILL
  start_agent agent --resources "$AGENT_RESOURCES" --recover cleanup
  wait_for "task doomed KILLED" 15 task_in_state doomed KILLED
  [ "$(task_field doomed reason)" = "agent cleanup" ]
  wait_for "the task process gone" 5 process_gone "$TASK_PID"
}

@test "after a reboot (another boot id) no executor is recovered: the task is LOST" {
  start_waiting_task rebooted
  stop_agent KILL
  # A reboot ends every process; then the agent finds another boot id.
  kill -KILL "$EXECUTOR_PID" "$TASK_PID"
  echo 00000000-0000-0000-0000-000000000000 >"$TEST_DIR/agent/meta/boot_id"
  start_agent agent --resources "$AGENT_RESOURCES"
  wait_for "task rebooted LOST" 15 task_in_state rebooted LOST
  [ "$(task_field rebooted reason)" = "agent rebooted" ]
  grep -q "the machine rebooted" "$TEST_DIR/agent.log"
}

@test "--reconfiguration-policy: equal refuses other resources clearly, additive accepts growth" {
  local id
  id=$(agent_id)
  stop_agent TERM
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" agent --master "$MASTER" \
    --listen 127.0.0.1:0 --work-dir "$TEST_DIR/agent" --resources 'cpus:8;mem:1024'
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl agent: "*"cpus:4;mem:1024"*"cpus:8;mem:1024"* ]]
  [[ "$stderr" == *"--reconfiguration-policy"* ]]
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" agent --master "$MASTER" \
    --listen 127.0.0.1:0 --work-dir "$TEST_DIR/agent" --resources 'cpus:1;mem:1024' \
    --reconfiguration-policy additive
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"only lets resources grow"* ]]
  start_agent agent --resources 'cpus:8;mem:1024' --attributes 'rack:r2' \
    --reconfiguration-policy additive
  wait_for_agents 1
  [ "$(agent_id)" = "$id" ]
  [ "$("$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['resources']['total']['cpus'] == 8")" = True ]
}

@test "an executor whose agent does not come back kills its task after --recovery-timeout" {
  stop_agent TERM
  start_agent agent --resources "$AGENT_RESOURCES" --recovery-timeout 1s
  wait_for_agents 1
  start_waiting_task abandoned
  stop_agent KILL
  wait_for "the task killed by its executor" 10 process_gone "$TASK_PID"
  # Then the executor ends too (a sanitized one takes a moment: LeakSanitizer
  # checks its heap at exit).
  wait_for "the executor gone" 10 process_gone "$EXECUTOR_PID"
}

@test "tasks of frameworks that do not checkpoint end with their agent and are reported LOST" {
  "$CLUSTERCTL_BIN" execute --name plain --command 'echo $$ > pid; sleep 60' \
    2>"$TEST_DIR/execute.log" &
  STARTED_PIDS+=($!)
  wait_for "task plain RUNNING" 10 task_in_state plain RUNNING
  local sandbox task_pid
  sandbox=$(sandbox_of plain)
  wait_for "the task's pid" 5 test -s "$sandbox/pid"
  task_pid=$(cat "$sandbox/pid")
  stop_agent KILL
  wait_for "the task killed by its executor" 5 process_gone "$task_pid"
  start_agent agent --resources "$AGENT_RESOURCES"
  wait_for "task plain LOST" 15 task_in_state plain LOST
  [ "$(task_field plain reason)" = "task unknown to agent" ]
}
