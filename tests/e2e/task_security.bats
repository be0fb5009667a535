#!/usr/bin/env bats
# The agent side of security: executors prove who they are with the secret
# their agent gave them (an impostor with ids from /state is refused), tasks
# run as their user (who owns the sandbox), and tasks get a clean
# environment, never the agent's.

bats_require_minimum_version 1.5.0

load helpers

TASK_USER=""

setup() {
  setup_work_dir
  chmod 755 "$TEST_DIR"  # a task's user walks down to its sandbox
  start_master
}

teardown() {
  teardown_work_dir
  if [ -n "$TASK_USER" ]; then userdel -r "$TASK_USER" >/dev/null 2>&1 || userdel "$TASK_USER" || true; fi
}

# make_user: a fresh user with a home directory, removed in teardown.
make_user() {
  [ "$(id -u)" -eq 0 ] || skip "creating users and switching to them needs root"
  command -v useradd >/dev/null || skip "useradd is not installed"
  TASK_USER="cct$$$RANDOM"
  useradd --create-home --shell /bin/sh "$TASK_USER"
}

@test "an executor impostor with ids from /state is refused; the real executor keeps its task" {
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name victim \
    --command 'while [ ! -e go ]; do sleep 0.1; done; exit 7' 2>"$TEST_DIR/execute.err" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task victim RUNNING" 10 task_in_state victim RUNNING
  run "$PYTHON" "$BATS_TEST_DIRNAME/executor_impostor.py" "$(cat "$TEST_DIR/agent/agent.address")" \
    "$(task_id victim)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "register permission_denied: refused to register executor "*": no executor secret given"* ]]
  [[ "${lines[1]}" == "register permission_denied: refused to register executor "*": wrong executor secret" ]]
  [[ "${lines[2]}" == "update failed_precondition: call executor.register before sending updates" ]]
  grep -q "refused executor.register from 127.0.0.1:[0-9]*: refused to register executor" \
    "$TEST_DIR/agent.log"
  # The real executor still runs the task and reports its real exit code.
  task_in_state victim RUNNING
  touch "$(sandbox_of "$(task_id victim)")/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 7 ]
  [ "$(task_state victim)" = FAILED ]
}

@test "a task runs as the user given to execute, who owns its sandbox; the agent's environment stays out" {
  make_user
  export CLUSTERCTL_TEST_AGENT_MARKER=agent-secret-value
  start_agent agent --resources 'cpus:1;mem:256' \
    --executor-environment '{"EXTRA_FROM_AGENT": "added by the operator"}'
  unset CLUSTERCTL_TEST_AGENT_MARKER
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name asuser --user "$TASK_USER" \
    --command 'id -u; id -gn; stat -c %U . stdout stderr; env | sort; echo end'
  echo "$stderr"
  [ "$status" -eq 0 ]
  local id
  id=$(task_id asuser)
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$id"
  echo "$output"
  [ "${lines[0]}" = "$(id -u "$TASK_USER")" ]
  [ "${lines[1]}" = "$(id -gn "$TASK_USER")" ]
  [ "${lines[2]}" = "$TASK_USER" ]  # the sandbox
  [ "${lines[3]}" = "$TASK_USER" ]  # stdout
  [ "${lines[4]}" = "$TASK_USER" ]  # stderr
  [[ "$output" == *$'\n'"HOME=$(getent passwd "$TASK_USER" | cut -d: -f6)"$'\n'* ]]
  [[ "$output" == *$'\n'"USER=$TASK_USER"$'\n'* ]]
  [[ "$output" == *$'\n'"LOGNAME=$TASK_USER"$'\n'* ]]
  [[ "$output" == *$'\n'"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"$'\n'* ]]
  [[ "$output" == *$'\n'"EXTRA_FROM_AGENT=added by the operator"$'\n'* ]]
  [[ "$output" == *$'\n'"CLUSTERCTL_TASK_ID=$id"$'\n'* ]]
  [[ "$output" == *$'\n'LANG=* ]]
  [[ "$output" != *CLUSTERCTL_TEST_AGENT_MARKER* ]]
  [[ "$output" != *agent-secret-value* ]]
  [[ "$output" != *CLUSTERCTL_EXECUTOR_SECRET* ]]
  [ "$(stat -L -c %U "$(sandbox_of "$id")")" = "$TASK_USER" ]
}

@test "a user that does not exist on the agent fails the task with that reason" {
  [ "$(id -u)" -eq 0 ] || skip "switching users needs root"
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name nobody-here --user "nosuch$$" \
    --command true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED"*"user 'nosuch$$' does not exist on agent "* ]]
  [ "$(task_state nobody-here)" = FAILED ]
}

@test "--switch-user=false runs tasks as the agent's user; a bad --executor-environment stops the agent" {
  make_user
  start_agent agent --resources 'cpus:1;mem:256' --switch-user=false
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name asagent --user "$TASK_USER" --command 'id -u'
  [ "$status" -eq 0 ]
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$(task_id asagent)"
  [ "$output" = "$(id -u)" ]
  run --separate-stderr timeout 20 "$CLUSTERCTL_BIN" agent --master "$MASTER" --listen 127.0.0.1:0 \
    --work-dir "$TEST_DIR/bad" --executor-environment 'A=1'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"--executor-environment is not JSON"* ]]
}

@test "a checkpointed task of a user survives kill -9 of its agent: its executor proves itself again" {
  make_user
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name kept --checkpoint --user "$TASK_USER" \
    --command 'while [ ! -e go ]; do sleep 0.1; done; id -u' 2>"$TEST_DIR/execute.err" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task kept RUNNING" 10 task_in_state kept RUNNING
  # The checkpoint holds the executor's secret: only root reads it.
  local checkpoint
  checkpoint=$(echo "$TEST_DIR"/agent/meta/runs/*/executor)
  [ "$(stat -c %a "$checkpoint")" = 600 ]
  kill -9 "$AGENT_PID"
  wait "$AGENT_PID" 2>/dev/null || true
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for "the executor back" 15 grep -q "reconnected after the agent restarted" "$TEST_DIR/agent.log"
  touch "$(sandbox_of "$(task_id kept)")/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 0 ]
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$(task_id kept)"
  [ "$output" = "$(id -u "$TASK_USER")" ]
  run ! grep -q "refused executor.register" "$TEST_DIR/agent.log"
  run ! grep -q "predates executor secrets" "$TEST_DIR/agent.log"  # checked against the kept secret
}
