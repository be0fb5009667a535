#!/usr/bin/env bats
# Containers across agent restarts, on real cgroups: a checkpointed task keeps
# its cgroups and limits while its agent is away and after it comes back, the
# restarted agent still notices the task going over its memory, and
# `--recover cleanup` destroys what was left. Each test has its own cgroups
# root and removes it.

bats_require_minimum_version 1.5.0

load helpers

ISOLATION='cgroups/cpu,cgroups/mem'

setup() {
  setup_work_dir
  has_cgroups || skip "needs root and the cpu, memory and pids cgroup controllers"
  CGROUPS_ROOT=clusterctl-e2e-$$-$BATS_TEST_NUMBER
  start_master
  start_isolated_agent
}

teardown() {
  stop_started
  [ -n "${CGROUPS_ROOT:-}" ] && remove_cgroups "$CGROUPS_ROOT"
  teardown_work_dir
}

start_isolated_agent() {
  start_agent agent --resources 'cpus:2;mem:1024' --isolation "$ISOLATION" \
    --cgroups-root "$CGROUPS_ROOT" --usage-interval 200ms "$@"
  wait_for_agents 1
}

restart_agent() {
  kill -KILL "$AGENT_PID"
  wait "$AGENT_PID" 2>/dev/null || true
  start_isolated_agent "$@"
}

# The memory cgroup of the one task (v1), or its unified cgroup (v2).
memory_cgroup() {
  local dir
  for dir in /sys/fs/cgroup/memory/"$CGROUPS_ROOT"/*/ /sys/fs/cgroup/"$CGROUPS_ROOT"/*/; do
    [ -d "$dir" ] && { echo "${dir%/}"; return 0; }
  done
  return 1
}

memory_limit() { cat "$1/memory.limit_in_bytes" 2>/dev/null || cat "$1/memory.max"; }

# The cgroup limit of a task with 64 MB: its mem and its executor's 8 MB
# (kExecutorMemoryReserveMb).
CGROUP_LIMIT_64=$(((64 + 8) << 20))

# A checkpointed task with 64 MB that waits for `go` in its sandbox, then runs THEN.
start_waiting_task() {
  "$CLUSTERCTL_BIN" execute --name "$1" --checkpoint --resources 'cpus:0.5;mem:64' \
    --command "echo \$\$ > task.pid; while [ ! -e go ]; do sleep 0.1; done; $2" \
    2>"$TEST_DIR/execute-$1.log" &
  EXECUTE_PID=$!
  STARTED_PIDS+=("$EXECUTE_PID")
  wait_for "task $1 RUNNING" 10 task_in_state "$1" RUNNING
  SANDBOX=$(sandbox_of "$1")
  wait_for "the task's pid" 5 test -s "$SANDBOX/task.pid"
  TASK_PID=$(cat "$SANDBOX/task.pid")
  CGROUP=$(memory_cgroup)
  [ "$(memory_limit "$CGROUP")" -eq "$CGROUP_LIMIT_64" ]
  grep -qx "$TASK_PID" "$CGROUP/cgroup.procs"
}

# Sets EXIT_CODE to execute's exit code.
wait_execute() {
  EXIT_CODE=0
  wait "$EXECUTE_PID" || EXIT_CODE=$?
}

@test "a checkpointed task keeps its cgroup and memory limit across a kill -9 of its agent, then FINISHES" {
  start_waiting_task kept 'exit 0'
  restart_agent
  wait_for "the executor to reconnect" 10 grep -q "reconnected after the agent restarted" "$TEST_DIR/agent.log"
  # The same cgroup, limit and process: the restarted agent destroyed nothing.
  [ "$(memory_cgroup)" = "$CGROUP" ]
  [ "$(memory_limit "$CGROUP")" -eq "$CGROUP_LIMIT_64" ]
  grep -qx "$TASK_PID" "$CGROUP/cgroup.procs"
  # Usage of the adopted container reaches the master.
  wait_for "usage of the recovered task" 10 bash -c \
    "'$CLUSTERCTL_BIN' tasks --json | grep -q '\"mem_limit_bytes\": *$((64 << 20))'"
  touch "$SANDBOX/go"
  wait_execute
  [ "$EXIT_CODE" -eq 0 ]
  [ "$(task_state kept)" = FINISHED ]
  wait_for "the task's cgroup removed" 10 bash -c "[ ! -d '$CGROUP' ]"
}

@test "a task going over its memory after its agent restarted FAILS with 'memory limit exceeded'" {
  start_waiting_task hog 'python3 -c "x=bytearray(200<<20)"'
  restart_agent
  wait_for "the executor to reconnect" 10 grep -q "reconnected after the agent restarted" "$TEST_DIR/agent.log"
  touch "$SANDBOX/go"
  wait_execute
  [ "$EXIT_CODE" -eq 1 ]
  [ "$(task_state hog)" = FAILED ]
  [ "$(task_field hog reason)" = "memory limit exceeded" ]
  grep -q "is FAILED: memory limit exceeded" "$TEST_DIR/execute-hog.log"
  wait_for "the task's cgroup removed" 10 bash -c "[ ! -d '$CGROUP' ]"
}

@test "--recover cleanup destroys the cgroups of the task it kills" {
  start_waiting_task cleaned 'exit 0'
  restart_agent --recover cleanup
  wait_execute
  [ "$EXIT_CODE" -ne 0 ]
  wait_for "task cleaned KILLED" 15 task_in_state cleaned KILLED
  [ "$(task_field cleaned reason)" = "agent cleanup" ]
  wait_for "the task's process to go" 10 process_gone "$TASK_PID"
  wait_for "the task's cgroup removed" 10 bash -c "[ ! -d '$CGROUP' ]"
}
