#!/usr/bin/env bats
# Hostile clients of a daemon's port (msgpack-RPC and HTTP) harm nothing:
# unfinished frames cost the bytes received and are given back, running out
# of file descriptors neither spins nor floods the log, silent connections and
# slow HTTP heads are closed after their deadline, one peer may not take every
# connection. The attacks are in hostile_rpc.py.

load helpers
load hostile_helpers

ATTACK=$BATS_TEST_DIRNAME/hostile_rpc.py

setup() { setup_work_dir; }

teardown() { teardown_work_dir; }

# start_cluster [MASTER FLAGS...]: a master and one agent.
start_cluster() {
  start_master "$@"
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
}

# attack NAME ARGS...: runs hostile_rpc.py in the background, output in
# TEST_DIR/NAME.log; ATTACK_PID is its pid.
attack() {
  local name=$1
  shift
  "$PYTHON" "$ATTACK" "$@" >"$TEST_DIR/$name.log" 2>&1 &
  ATTACK_PID=$!
  STARTED_PIDS+=("$ATTACK_PID")
}

stop_attack() {
  kill "$ATTACK_PID" 2>/dev/null || true
  wait "$ATTACK_PID" 2>/dev/null || true
}

# cpu_ticks PID: user plus system time of PID, in clock ticks (1/100 s).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# amplify_on_9 arrays|string: the unfinished 16 MB frame on 9 connections at
# once; the master's RSS stays within 100 MB of its baseline during the
# attack and comes back within 16 MiB after it.
amplify_on_9() {
  start_cluster
  baseline_of "$MASTER_PID"
  attack amplify "$MASTER" amplify 9 600 "$1"
  wait_for "the 9 frames to be sent" 180 grep -qx sent "$TEST_DIR/amplify.log"
  local during
  during=$(rss_kb "$MASTER_PID")
  echo "# master RSS: baseline ${BASE_RSS_KB} KiB, with 9 unfinished frames of $1 ${during} KiB" >&3
  # (RSS is not checked in a sanitizer tree: see rss_near_baseline.)
  [ -n "${CLUSTERCTL_SANITIZE:-}" ] || [ "$during" -le $((BASE_RSS_KB + 100 * 1024)) ]
  execute_works "during-amplify-$1"
  stop_attack
  wait_for "RSS of the master back within 16 MiB" 20 rss_near_baseline "$MASTER_PID" 16384
  wait_for "fds of the master back" 10 fds_near_baseline "$MASTER_PID"
  execute_works "after-amplify-$1"
}

@test "unfinished 16 MB frames of tiny arrays on 9 connections: cut at the value cap" {
  amplify_on_9 arrays
  grep -q "frame holds more than 2097152 values" "$TEST_DIR/master.log"
}

@test "unfinished 16 MB strings on 9 connections: the largest closed past 64 MiB in all" {
  amplify_on_9 string
  grep -q "unfinished request was the largest" "$TEST_DIR/master.log"
}

@test "out of file descriptors the master neither spins nor floods its log, and serves again" {
  rm -f "$TEST_DIR/master/master.address"
  (
    ulimit -n 256
    exec "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master"
  ) >>"$TEST_DIR/master.log" 2>&1 &
  MASTER_PID=$!
  STARTED_PIDS+=("$MASTER_PID")
  wait_for "the master's address file" 10 test -s "$TEST_DIR/master/master.address"
  MASTER=$(cat "$TEST_DIR/master/master.address")
  export CLUSTERCTL_MASTER=$MASTER
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  baseline_of "$MASTER_PID"

  attack idle "$MASTER" idle 400 30
  wait_for "the idle connections" 60 grep -q '^opened' "$TEST_DIR/idle.log"
  local cpu0 cpu1 log0 log1
  cpu0=$(cpu_ticks "$MASTER_PID")
  log0=$(stat -c %s "$TEST_DIR/master.log")
  sleep 3 # the measured window
  cpu1=$(cpu_ticks "$MASTER_PID")
  log1=$(stat -c %s "$TEST_DIR/master.log")
  echo "# master over 3 s of the attack: $((cpu1 - cpu0)) CPU ticks, log +$((log1 - log0)) bytes" >&3
  [ $((cpu1 - cpu0)) -le 30 ]
  [ $((log1 - log0)) -le 4096 ]
  # Connections may take 3/4 of the 256 descriptors: the oldest idle ones make
  # room for new ones before the master runs out.
  grep -q "shed: a new connection needs its place" "$TEST_DIR/master.log"
  run grep -q "Too many open files" "$TEST_DIR/master.log"
  [ "$status" -ne 0 ]
  # Idle connections are shed for legitimate clients, even during the attack.
  wait_for "/health during the attack" 20 health_ok "$MASTER"
  execute_works during-fd-exhaustion
  stop_attack
  wait_near_baseline "$MASTER_PID" 20
  health_ok "$MASTER"
  execute_works after-fd-exhaustion
  [ "$(stat -c %s "$TEST_DIR/master.log")" -le $((log0 + 65536)) ]
}

@test "a connection that sends nothing is closed after the hello deadline, on master and agent" {
  start_cluster --hello-timeout 2s
  local agent_address
  agent_address=$(cat "$TEST_DIR/agent/agent.address")
  baseline_of "$MASTER_PID"
  run "$PYTHON" "$ATTACK" "$MASTER" silent
  echo "$output"
  [[ "$output" =~ closed_after\ [1-5]\. ]]
  grep -q "no request within 2s" "$TEST_DIR/master.log"
  # The agent's default deadline is 10 s.
  run "$PYTHON" "$ATTACK" "$agent_address" silent
  echo "$output"
  [[ "$output" =~ closed_after\ ([89]|1[0-4])\. ]]
  grep -q "no request within 10s" "$TEST_DIR/agent.log"
  execute_works after-silent
  wait_near_baseline "$MASTER_PID"
}

@test "an HTTP request head sent byte by byte is closed after its deadline" {
  start_cluster --hello-timeout 2s
  baseline_of "$MASTER_PID"
  attack slow_http "$MASTER" slow_http
  execute_works during-slow-http
  wait_for "the slow head to be cut" 20 grep -q '^done' "$TEST_DIR/slow_http.log"
  cat "$TEST_DIR/slow_http.log"
  grep -qE '^closed_after [1-5]\.' "$TEST_DIR/slow_http.log"
  grep -q "no whole HTTP request head within 2s" "$TEST_DIR/master.log"
  health_ok "$MASTER"
  wait_near_baseline "$MASTER_PID"
}

@test "one peer may hold only --max-connections-per-peer connections; the next is refused" {
  start_cluster --max-connections-per-peer 8
  baseline_of "$MASTER_PID"
  # The agent holds one of the 8.
  run "$PYTHON" "$ATTACK" "$MASTER" per_peer 7
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"answered 7"* ]]
  [[ "$output" == *"extra_refused yes"* ]]
  grep -q "refused connection from 127.0.0.1:[0-9]*: 127.0.0.1 has its maximum of 8" \
    "$TEST_DIR/master.log"
  execute_works after-per-peer
  wait_near_baseline "$MASTER_PID"
}
