#!/usr/bin/env bats
# Hostile tasks against their agent: a FIFO, a socket and links in a sandbox
# read through /files (refused at once; other tasks' logs still served; the
# agent still exits promptly on SIGTERM), tasks that use no memory never
# killed for their executor's under posix/mem, and a fork bomb held by the
# default pids limit. The attacks are in hostile_files.py (the fork bomb
# there runs as a task: it forks sleeping children until fork fails).

bats_require_minimum_version 1.5.0

load helpers
load hostile_helpers

ATTACK="$BATS_TEST_DIRNAME/hostile_files.py"
# --pids-limit's default (kDefaultPidsLimit in daemons/agent/container_options.hpp).
DEFAULT_PIDS_LIMIT=4096

setup() {
  setup_work_dir
  start_master
}

teardown() {
  stop_started
  [ -n "${CGROUPS_ROOT:-}" ] && remove_cgroups "$CGROUPS_ROOT"
  teardown_work_dir
}

agent_address() { cat "$TEST_DIR/agent/agent.address"; }

# start_task NAME COMMAND [RESOURCES]: execute in the background; waits until RUNNING.
start_task() {
  "$CLUSTERCTL_BIN" execute --name "$1" --resources "${3:-cpus:0.1;mem:32}" --command "$2" \
    2>"$TEST_DIR/execute-$1.log" &
  STARTED_PIDS+=($!)
  LAST_EXECUTE=$!
  wait_for "task $1 RUNNING" 20 task_in_state "$1" RUNNING
}

# Milliseconds of a monotonic-enough clock.
now_ms() { date +%s%3N; }

@test "a FIFO, a socket or a link out of a sandbox is refused at once; logs still work; SIGTERM still stops the agent" {
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  start_task nasty 'mkfifo pipe; "'"$PYTHON"'" -c "import socket,time; s=socket.socket(socket.AF_UNIX); s.bind(\"sock\"); s.listen(); time.sleep(300)" & ln -s /etc/passwd passwd; ln -s pipe to-pipe; sleep 300'
  local sandbox
  sandbox=$(sandbox_of nasty)
  wait_for "the FIFO, socket and links" 10 test -p "$sandbox/pipe" -a -S "$sandbox/sock" -a -L "$sandbox/to-pipe"
  # More requests at once than the agent has /files workers, for each kind.
  local name
  for name in pipe to-pipe sock; do
    run "$PYTHON" "$ATTACK" read "$(agent_address)" "$sandbox/$name" --concurrent 8 --timeout 5
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^403 ' <<<"$output")" -eq 8 ]
    grep -q 'only regular files and directories' <<<"$output"
  done
  grep -q 'is a FIFO' <<<"$("$PYTHON" "$ATTACK" read "$(agent_address)" "$sandbox/pipe")"
  grep -q 'is a socket' <<<"$("$PYTHON" "$ATTACK" read "$(agent_address)" "$sandbox/sock")"
  run "$PYTHON" "$ATTACK" read "$(agent_address)" "$sandbox/passwd"
  [[ "$output" == "403 "*"leads out of the sandboxes"* ]]
  # The listing still shows them, with their type.
  run "$CLUSTERCTL_BIN" sandbox ls --json "$(task_id nasty)"
  [[ "$output" == *'"fifo"'* && "$output" == *'"socket"'* ]]
  # Another task's logs are served as usual.
  run "$CLUSTERCTL_BIN" execute --name other --command 'echo other-output'
  [ "$status" -eq 0 ]
  run --separate-stderr timeout 20 "$CLUSTERCTL_BIN" logs "$(task_id other)"
  [ "$status" -eq 0 ]
  [ "$output" = other-output ]
  # SIGTERM: the agent kills its tasks and exits within seconds.
  local start elapsed
  start=$(now_ms)
  kill -TERM "$AGENT_PID"
  wait_for "the agent to exit" 10 process_gone "$AGENT_PID"
  elapsed=$(($(now_ms) - start))
  echo "# the agent exited ${elapsed} ms after SIGTERM" >&3
  [ "$elapsed" -lt 5000 ]
}

@test "posix/mem never kills a task for its executor's memory, and still kills one over its limit" {
  start_agent agent --resources 'cpus:8;mem:4096' --isolation posix/cpu,posix/mem \
    --usage-interval 10ms
  wait_for_agents 1
  # 300 tasks of `true` with 4 MB, measured every 10 ms: the executor (about
  # 13 MB resident) starts each with posix_spawn, whose child shares its
  # memory until it runs the task. A sanitized executor starts several times
  # slower, so a sanitizer tree runs 30.
  local tasks=300
  [ -n "${CLUSTERCTL_SANITIZE:-}" ] && tasks=30
  run timeout 120 "$PYTHON" "$BATS_TEST_DIRNAME/test_framework.py" "$MASTER" "$TEST_DIR/many" \
    --name many --tasks "$tasks" --mem 4 --cpus 0.01 --command true --until-terminal
  [ "$status" -eq 0 ]
  local finished killed
  finished=$(grep -c '"state": "FINISHED"' "$TEST_DIR/many/events.jsonl")
  killed=$(grep -c 'memory limit' "$TEST_DIR/many/events.jsonl" || true)
  echo "# $tasks tasks of true with mem:4: $finished FINISHED, $killed killed for memory" >&3
  [ "$killed" -eq 0 ]
  [ "$finished" -eq "$tasks" ]
  # A task that does use more than its memory is still killed, and told why.
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name hog --resources 'cpus:0.5;mem:32' \
    --command '"'"$PYTHON"'" -c "import time; x = bytearray(100 << 20); time.sleep(60)"'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: memory limit exceeded (the task used"*"over its memory limit of 32.0 MB"* ]]
}

# pids_cgroup NAME: the pids cgroup directory of the running task NAME (v1) or its unified one (v2).
pids_cgroup() {
  local dir
  for dir in /sys/fs/cgroup/pids/"$CGROUPS_ROOT"/*/ /sys/fs/cgroup/"$CGROUPS_ROOT"/*/; do
    [ -d "$dir" ] && grep -qx "$(cat "$TEST_DIR/$1.pid" 2>/dev/null)" "$dir/cgroup.procs" 2>/dev/null &&
      { echo "${dir%/}"; return 0; }
  done
  return 1
}

# pids_within_limit DIR: the cgroup holds no more processes and threads than the default limit.
pids_within_limit() {
  local current
  current=$(cat "$1/pids.current")
  echo "$current" >>"$TEST_DIR/pids.samples"
  [ "$current" -le "$DEFAULT_PIDS_LIMIT" ]
}

@test "a fork bomb is held by the default pids limit; the agent serves on and the bomb goes with its task" {
  has_cgroups || skip "needs root and the cpu, memory and pids cgroup controllers"
  CGROUPS_ROOT=clusterctl-e2e-hostile-$$-$BATS_TEST_NUMBER
  start_agent agent --resources 'cpus:2;mem:4096' --isolation cgroups/cpu,cgroups/pids \
    --cgroups-root "$CGROUPS_ROOT"
  wait_for_agents 1
  # Before any bomb: a plain task gets the default limit (with none, stop here).
  start_task plain 'echo $$ > "'"$TEST_DIR"'/plain.pid"; sleep 300'
  local plain_cgroup
  wait_for "the plain task's cgroup" 10 pids_cgroup plain
  plain_cgroup=$(pids_cgroup plain)
  [ "$(cat "$plain_cgroup/pids.max")" = "$DEFAULT_PIDS_LIMIT" ]
  kill -INT "$LAST_EXECUTE"
  wait_for "task plain KILLED" 20 task_in_state plain KILLED

  # The bomb forks until it cannot, then holds its children for 20 s.
  start_task bomb 'echo $$ > "'"$TEST_DIR"'/bomb.pid"; exec "'"$PYTHON"'" "'"$ATTACK"'" forks --hold 20' \
    'cpus:0.5;mem:1024'
  local cgroup
  wait_for "the bomb's cgroup" 10 pids_cgroup bomb
  cgroup=$(pids_cgroup bomb)
  wait_for "the bomb to hit the limit" 60 bash -c "grep -q '^max [1-9]' '$cgroup/pids.events'"
  wait_for "the bomb to say it was held" 30 grep -q "forked [0-9]*, then: .*Resource temporarily unavailable" "$(sandbox_of bomb)/stdout"
  cat "$(sandbox_of bomb)/stdout" | sed 's/^/# bomb: /' >&3
  local i
  for i in $(seq 10); do pids_within_limit "$cgroup"; done
  echo "# pids in the bomb's cgroup: $(sort -n "$TEST_DIR/pids.samples" | tail -1) at most (limit $DEFAULT_PIDS_LIMIT)" >&3
  # The agent and the cluster serve on during the bomb.
  health_ok "$(agent_address)"
  execute_works during-bomb
  # The bomb ends with its task, every process of it with its cgroup.
  wait_for "task bomb to end" 60 task_in_state bomb FINISHED
  wait_for "the bomb's cgroup to go" 30 bash -c "[ ! -d '$cgroup' ]"
  execute_works after-bomb
}
