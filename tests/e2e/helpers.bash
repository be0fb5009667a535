# Shared set-up for the end-to-end tests: a fresh work dir per test, daemons on
# ports the OS picks (--listen 127.0.0.1:0; the bound address is read from
# WORK_DIR/<daemon>.address), and every process the test starts stopped by its
# pid in teardown, even when the test fails.

CLUSTERCTL_BIN=${CLUSTERCTL_BIN:-$BATS_TEST_DIRNAME/../../build/bin/clusterctl}
PYTHON=/usr/bin/python3
STARTED_PIDS=()

setup_work_dir() {
  TEST_DIR=$(mktemp -d /tmp/clusterctl-e2e.XXXXXX)
  unset CLUSTERCTL_MASTER
}

# Stops every started process: SIGTERM, then SIGKILL after 10 s.
stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

teardown_work_dir() {
  stop_started
  if [ -n "${BATS_TEST_COMPLETED:-}" ]; then
    rm -rf "$TEST_DIR"
  else
    echo "# logs kept in $TEST_DIR" >&3
    for log in "$TEST_DIR"/*.log; do [ -f "$log" ] && { echo "# --- $log"; tail -n 30 "$log"; } >&3; done
  fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  local tries=$((seconds * 10))
  for _ in $(seq "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "timed out after ${seconds}s waiting for $what" >&2
  return 1
}

# start_master [FLAGS...]: on a port the OS picks, unless MASTER_LISTEN is set
# (a master that restarts must come back on the same address).
start_master() {
  rm -f "$TEST_DIR/master/master.address"
  "$CLUSTERCTL_BIN" master --listen "${MASTER_LISTEN:-127.0.0.1:0}" --work-dir "$TEST_DIR/master" \
    "$@" >>"$TEST_DIR/master.log" 2>&1 &
  MASTER_PID=$!
  STARTED_PIDS+=("$MASTER_PID")
  wait_for "the master's address file" 10 test -s "$TEST_DIR/master/master.address"
  MASTER=$(cat "$TEST_DIR/master/master.address")
  export CLUSTERCTL_MASTER=$MASTER
}

# start_agent NAME [FLAGS...]: an agent with its own work dir TEST_DIR/NAME.
# Restarting an agent with the same NAME reuses its work dir (and appends to its log).
start_agent() {
  local name=$1
  shift
  rm -f "$TEST_DIR/$name/agent.address"
  "$CLUSTERCTL_BIN" agent --master "$MASTER" --listen 127.0.0.1:0 --work-dir "$TEST_DIR/$name" \
    "$@" >>"$TEST_DIR/$name.log" 2>&1 &
  AGENT_PID=$!
  STARTED_PIDS+=("$AGENT_PID")
  wait_for "agent $name's address file" 10 test -s "$TEST_DIR/$name/agent.address"
}

active_agents() {
  "$CLUSTERCTL_BIN" agents --json | "$PYTHON" -c '
import json, sys
print(sum(1 for a in json.load(sys.stdin)["agents"] if a["state"] == "active"))'
}

has_active_agents() { [ "$(active_agents)" -ge "$1" ]; }

wait_for_agents() { wait_for "$1 active agents" 10 has_active_agents "$1"; }

# json_get EXPRESSION: evaluates a Python expression on the JSON read from stdin (as `d`).
json_get() { "$PYTHON" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# task_field NAME FIELD: a field of the task named NAME from `tasks --json` (NONE: no such task).
task_field() {
  "$CLUSTERCTL_BIN" tasks --json |
    json_get "next((t['$2'] for t in d['tasks'] if t['name'] == '$1'), 'NONE')"
}

# task_id NAME: the id of the task named NAME.
task_id() { task_field "$1" id; }

task_state() { task_field "$1" state; }

task_in_state() { [ "$(task_state "$1")" = "$2" ]; }

# has_cgroups: root, and the memory, cpu and pids controllers (v1 or v2).
has_cgroups() {
  [ "$(id -u)" -eq 0 ] || return 1
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw memory /sys/fs/cgroup/cgroup.controllers && grep -qw pids /sys/fs/cgroup/cgroup.controllers
  else
    [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/pids ]
  fi
}

# cgroup_dirs ROOT: the directories named ROOT below every cgroup hierarchy.
cgroup_dirs() {
  local dir
  for dir in /sys/fs/cgroup/"$1" /sys/fs/cgroup/*/"$1"; do [ -d "$dir" ] && echo "$dir"; done
  return 0
}

# remove_cgroups ROOT: kills what is left in the task cgroups below ROOT and
# removes them and ROOT, in every hierarchy (tests' cleanup).
remove_cgroups() {
  local root child pid
  for root in $(cgroup_dirs "$1"); do
    for child in "$root"/*/; do
      [ -d "$child" ] || continue
      for pid in $(cat "$child/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      for _ in $(seq 50); do rmdir "$child" 2>/dev/null && break; sleep 0.1; done
    done
    rmdir "$root" 2>/dev/null || true
  done
}

# A free loopback port (nothing listens on it when this returns).
free_port() {
  "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Whether PID is a live process (a zombie is not).
process_running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

process_gone() { ! process_running "$1"; }

# The sandbox of the latest run of the task named NAME on agent AGENT (default "agent").
sandbox_of() { echo "$TEST_DIR/${2:-agent}"/agents/*/frameworks/*/executors/"$1"*/runs/latest; }

# start_framework NAME [test_framework.py options...]: the python test scheduler
# with its state in TEST_DIR/NAME (a second call with NAME is its failover).
start_framework() {
  local name=$1
  shift
  "$PYTHON" "$BATS_TEST_DIRNAME/test_framework.py" "$MASTER" "$TEST_DIR/$name" --name "$name" \
    "$@" >>"$TEST_DIR/$name.log" 2>&1 &
  FRAMEWORK_PID=$!
  STARTED_PIDS+=("$FRAMEWORK_PID")
  wait_for "framework $name to subscribe" 10 test -s "$TEST_DIR/$name/framework_id"
}

# count_events NAME TASK_ID STATE: updates with STATE the framework NAME got for TASK_ID.
count_events() {
  "$PYTHON" -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for e in events if e["task_id"] == sys.argv[2] and e["state"] == sys.argv[3]))' \
    "$TEST_DIR/$1/events.jsonl" "$2" "$3"
}

has_event() { [ -f "$TEST_DIR/$1/events.jsonl" ] && [ "$(count_events "$@")" -ge 1 ]; }
