#!/usr/bin/env bats
# Agents holding tasks to what they were given, on real cgroups: memory kills
# that say so, CPU shares and quota, a fork bomb held by the pids limit, no
# orphans, the pid namespace, usage in `tasks --json`, posix isolation,
# resource limits and plugins that fail. Each test has its own cgroups root
# and removes it.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  has_cgroups || skip "needs root and the cpu, memory and pids cgroup controllers"
  CGROUPS_ROOT=clusterctl-e2e-$$-$BATS_TEST_NUMBER
  start_master
}

teardown() {
  stop_started
  [ -n "${CGROUPS_ROOT:-}" ] && remove_cgroups "$CGROUPS_ROOT"
  teardown_work_dir
}

ALL_ISOLATORS='cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,posix/rlimits'

start_isolated_agent() {
  start_agent agent --resources 'cpus:2;mem:1024' --cgroups-root "$CGROUPS_ROOT" \
    --usage-interval 200ms "$@"
  wait_for_agents 1
}

# The cgroup directory of the running task NAME for CONTROLLER (v1) or the
# unified one (v2).
task_cgroup() {
  local controller=$1 dir
  for dir in /sys/fs/cgroup/"$controller"/"$CGROUPS_ROOT"/*/ /sys/fs/cgroup/"$CGROUPS_ROOT"/*/; do
    [ -d "$dir" ] && { echo "${dir%/}"; return 0; }
  done
  return 1
}

@test "a task over its memory limit FAILS with reason 'memory limit exceeded', exit 1, sandbox kept" {
  start_isolated_agent --isolation "$ALL_ISOLATORS"
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name hog --resources 'cpus:0.5;mem:64' \
    --command 'python3 -c "x=bytearray(200<<20)"'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"is FAILED: memory limit exceeded (the task went over its memory limit of 64.0 MB"* ]]
  [ "$(task_field hog reason)" = "memory limit exceeded" ]
  [ "$(task_field hog exit_code)" = None ]
  local sandbox
  sandbox=$(sandbox_of hog)
  [ -f "$sandbox/stdout" ]
  [ -z "$(cgroup_dirs "$CGROUPS_ROOT" | xargs -r -I{} find {} -mindepth 1 -type d)" ]
}

@test "CPU shares always, and the CFS quota with --cgroups-enable-cfs, are in the task's cgroup" {
  start_isolated_agent --isolation 'cgroups/cpu,cgroups/mem' --cgroups-enable-cfs
  "$CLUSTERCTL_BIN" execute --name spin --resources 'cpus:0.5;mem:64' --command 'sleep 60' \
    2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task spin RUNNING" 10 task_in_state spin RUNNING
  local cpu
  cpu=$(task_cgroup cpu)
  if [ -f "$cpu/cpu.max" ]; then
    [ "$(cat "$cpu/cpu.max")" = "50000 100000" ]
    [ "$(cat "$cpu/cpu.weight")" -eq 20 ]
  else
    [ "$(cat "$cpu/cpu.shares")" -eq 512 ]
    [ "$(cat "$cpu/cpu.cfs_quota_us")" -eq 50000 ]
    [ "$(cat "$cpu/cpu.cfs_period_us")" -eq 100000 ]
  fi
  kill -INT "$execute_pid"
  wait_for "task spin KILLED" 10 task_in_state spin KILLED
  wait_for "the task's cgroups to go" 10 bash -c "[ ! -d '$cpu' ]"
}

@test "the pids limit stops a fork bomb, and the bomb is killed with its task" {
  start_isolated_agent --isolation 'cgroups/mem,cgroups/pids' --pids-limit 20
  "$CLUSTERCTL_BIN" execute --name bomb --resources 'cpus:0.5;mem:256' \
    --command 'bomb() { bomb | bomb & }; bomb; sleep 60' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task bomb RUNNING" 10 task_in_state bomb RUNNING
  local pids
  pids=$(task_cgroup pids)
  [ "$(cat "$pids/pids.max")" -eq 20 ]
  wait_for "the bomb to hit the limit" 10 bash -c "grep -q '^max [1-9]' '$pids/pids.events'"
  [ "$(cat "$pids/pids.current")" -le 20 ]
  kill -INT "$execute_pid"
  wait_for "task bomb KILLED" 20 task_in_state bomb KILLED
  wait_for "the bomb's cgroup to go" 10 bash -c "[ ! -d '$pids' ]"
}

# start_parent NAME: a task that leaves a detached sleeper behind; prints its pid.
start_parent() {
  "$CLUSTERCTL_BIN" execute --name "$1" --resources 'cpus:0.1;mem:64' --command \
    "setsid sleep 300 & echo \$! > orphan.pid; ${2:-sleep 300}" 2>"$TEST_DIR/$1.log" &
  STARTED_PIDS+=($!)
  LAST_EXECUTE=$!
  local sandbox
  wait_for "the orphan's pid file" 10 bash -c "test -s $TEST_DIR/agent/agents/*/frameworks/*/executors/$1-*/runs/latest/orphan.pid"
  sandbox=$(sandbox_of "$1")
  ORPHAN=$(cat "$sandbox/orphan.pid")
  process_running "$ORPHAN"
}

@test "no orphans are left after a kill, a memory kill or when the agent shuts its tasks down" {
  start_isolated_agent --isolation 'cgroups/cpu,cgroups/mem'
  start_parent killed
  wait_for "task killed RUNNING" 10 task_in_state killed RUNNING
  kill -INT "$LAST_EXECUTE"
  wait_for "task killed KILLED" 10 task_in_state killed KILLED
  wait_for "the orphan of a killed task to go" 10 bash -c "$(declare -f process_running); ! process_running $ORPHAN"

  start_parent hog 'sleep 0.5; python3 -c "x=bytearray(200<<20)"'
  wait_for "task hog FAILED" 10 task_in_state hog FAILED
  [ "$(task_field hog reason)" = "memory limit exceeded" ]
  wait_for "the orphan of a memory kill to go" 10 bash -c "$(declare -f process_running); ! process_running $ORPHAN"

  start_parent second
  wait_for "task second RUNNING" 10 task_in_state second RUNNING
  kill -TERM "$AGENT_PID"
  wait "$AGENT_PID"
  wait_for "the orphan of a shut down task to go" 10 bash -c "$(declare -f process_running); ! process_running $ORPHAN"
}

@test "with namespaces/pid a task sees only its own processes and cannot signal others" {
  start_isolated_agent --isolation 'cgroups/mem,namespaces/pid'
  sleep 300 &
  local outside=$!
  STARTED_PIDS+=("$outside")
  run "$CLUSTERCTL_BIN" execute --name ns --command \
    "echo \$\$ > mypid; ls /proc | grep -c '^[0-9]' > visible; kill -9 $outside 2>/dev/null; echo \$? > kill.status"
  [ "$status" -eq 0 ]
  local sandbox
  sandbox=$(sandbox_of ns)
  [ "$(cat "$sandbox/mypid")" -le 3 ]
  [ "$(cat "$sandbox/visible")" -le 4 ]
  [ "$(cat "$sandbox/kill.status")" -ne 0 ]
  kill -0 "$outside"
}

@test "tasks --json shows usage measured in the cgroups" {
  start_isolated_agent --isolation 'cgroups/cpu,cgroups/mem,cgroups/pids'
  "$CLUSTERCTL_BIN" execute --name user --resources 'cpus:1;mem:128' --command \
    'python3 -c "
import time
x = bytearray(50 << 20)
t = time.process_time()
while time.process_time() - t < 0.5: pass
time.sleep(60)"' 2>"$TEST_DIR/execute.log" &
  STARTED_PIDS+=($!)
  wait_for "usage of task user" 15 bash -c \
    "[ \"\$(CLUSTERCTL_BIN='$CLUSTERCTL_BIN'; '$CLUSTERCTL_BIN' tasks --json | $PYTHON -c '
import json, sys
t = [t for t in json.load(sys.stdin)[\"tasks\"] if t[\"name\"] == \"user\"][0]
u = t[\"usage\"] or {}
print(u.get(\"mem_rss_bytes\", 0) > 40 << 20 and u.get(\"cpu_seconds\", 0) > 0.3)')\" = True ]"
  run bash -c "'$CLUSTERCTL_BIN' tasks --json | $PYTHON -c '
import json, sys
u = [t for t in json.load(sys.stdin)[\"tasks\"] if t[\"name\"] == \"user\"][0][\"usage\"]
assert u[\"mem_limit_bytes\"] == 128 << 20, u
assert u[\"mem_peak_bytes\"] >= u[\"mem_rss_bytes\"] > 0, u
assert u[\"pids\"] >= 2 and u[\"timestamp\"] > 0, u
print(\"ok\")'"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "posix/mem, without cgroups, kills a task over its memory and says why" {
  start_isolated_agent --isolation 'posix/cpu,posix/mem'
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name posixhog --resources 'cpus:0.5;mem:32' \
    --command 'python3 -c "import time; x = bytearray(100 << 20); time.sleep(60)"'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: memory limit exceeded (the task used"*"over its memory limit of 32.0 MB"* ]]
}

@test "resource limits reach the task through posix/rlimits, and are refused without it" {
  start_isolated_agent --isolation 'posix/cpu,posix/rlimits'
  run "$CLUSTERCTL_BIN" execute --name limited --rlimit nofile=77:99 --command 'ulimit -n; ulimit -Hn'
  [ "$status" -eq 0 ]
  [ "$(cat "$(sandbox_of limited)/stdout")" = $'77\n99' ]
  stop_started
  start_master
  start_isolated_agent --isolation 'posix/cpu'
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name unlimited --rlimit nofile=77 --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"container isolation failed"*"posix/rlimits"* ]]
}

@test "an isolator that cannot load fails the task with a clear message; the agent stays up" {
  start_isolated_agent --isolation 'cgroups/mem,nosuch/isolator'
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name doomed --command true --timeout 10s
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: container isolation failed (isolator 'nosuch/isolator' cannot be loaded: plugin '"*"isolator_nosuch_isolator.so' not found or not readable)"* ]]
  kill -0 "$AGENT_PID"
  [ "$(active_agents)" -eq 1 ]
}

@test "an isolator whose prepare fails fails the task with its error; the agent stays up" {
  # The root names a file, not a directory: no cgroup can be created below it.
  CGROUPS_ROOT=cgroup.procs
  start_isolated_agent --isolation 'cgroups/mem'
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name unprepared --command true --timeout 10s
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: container isolation failed (isolator cgroups/mem prepare: cannot create cgroup '"*"cgroup.procs/container-"*"': Not a directory)"* ]]
  kill -0 "$AGENT_PID"
  run "$CLUSTERCTL_BIN" execute --name fine --command true --timeout 10s
  [ "$status" -eq 1 ]  # every task fails the same way, and the agent keeps answering
}
