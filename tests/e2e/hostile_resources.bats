#!/usr/bin/env bats
# Hostile resources (tests/e2e/hostile_resources.py): an agent offering
# ports as 100,000 ranges, one at the cap of 1,000, and a framework sending
# malformed or oversized tasks. The master refuses each with a clear error,
# keeps answering everyone else quickly, and a normal execute still works; an
# agent whose own --resources are above the cap does not start.

load helpers
load hostile_helpers
bats_require_minimum_version 1.5.0

HOSTILE=$BATS_TEST_DIRNAME/hostile_resources.py

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:2;mem:1024;ports:[31000-32000]'
  wait_for_agents 1
  baseline_of "$MASTER_PID"
}

teardown() { teardown_work_dir; }

# hostile ARGS...: the python attacker against the master, bounded in time.
hostile() { timeout 120 "$PYTHON" "$HOSTILE" "$MASTER" "$@"; }

# slowest_round_trip: the slowest of 20 state.agents calls, in ms.
slowest_round_trip() { hostile round-trips 20; }

@test "an agent offering ports as 100,000 ranges is refused with a clear error" {
  for ranges in 100000 200000; do
    run hostile register "$ranges"
    echo "$output"
    [ "$status" -eq 0 ]
    run json_get "d['error']['kind'] + ': ' + d['error']['message']" <<<"$output"
    [ "$output" = "invalid_argument: agent offers too much: ports: $ranges ranges is more than the 1000 allowed" ]
    health_ok "$MASTER"
  done
  [ "$(active_agents)" -eq 1 ]
  run slowest_round_trip
  echo "# slowest round trip after the refusals: $output ms" >&3
  [ "$status" -eq 0 ]
  [ "${output%.*}" -lt 1000 ]
  execute_works
  wait_near_baseline "$MASTER_PID"
}

@test "an agent at the cap of 1,000 ranges does not slow the master" {
  # Started directly (not through the function) so that $! is what teardown stops.
  timeout 120 "$PYTHON" "$HOSTILE" "$MASTER" register 1000 120 >"$TEST_DIR/hostile-agent.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for "the hostile agent to register" 20 grep -q agent_id "$TEST_DIR/hostile-agent.log"
  wait_for_agents 2
  # Offers of its 1,000 ranges go round while execute runs (it declines them).
  local start end
  start=$(date +%s%N)
  health_ok "$MASTER"
  end=$(date +%s%N)
  echo "# GET /health with the hostile agent registered: $(((end - start) / 1000000)) ms" >&3
  run slowest_round_trip
  echo "# slowest of 20 state.agents round trips: $output ms" >&3
  [ "$status" -eq 0 ]
  [ "${output%.*}" -lt 1000 ]
  start=$(date +%s%N)
  execute_works
  end=$(date +%s%N)
  echo "# execute with the hostile agent registered: $(((end - start) / 1000000)) ms" >&3
  run "$CLUSTERCTL_BIN" agents --json
  [ "$status" -eq 0 ]
  run json_get "[len(a['resources']['total']['ports'].split(',')) for a in d['agents'] if a['hostname'] == 'hostile']" <<<"$output"
  [ "$output" = "[1000]" ]
}

@test "tasks with malformed resources or a 10 MB command get a clear error; nothing else breaks" {
  run hostile bad-tasks
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run "$CLUSTERCTL_BIN" tasks --json
  [ "$status" -eq 0 ]
  run json_get "[t['id'] for t in d['tasks']]" <<<"$output"
  [ "$output" = "[]" ]
  execute_works
  health_ok "$MASTER"
  wait_near_baseline "$MASTER_PID"
}

@test "an agent's own --resources above the cap is refused before it starts" {
  local ports
  ports=$("$PYTHON" -c 'print("[" + ",".join(str(2 * i) for i in range(1001)) + "]")')
  run --separate-stderr timeout 20 "$CLUSTERCTL_BIN" agent --master "$MASTER" \
    --listen 127.0.0.1:0 --work-dir "$TEST_DIR/too-many" --resources "cpus:1;ports:$ports"
  echo "$stderr"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"ports: 1001 ranges is more than the 1000 allowed"* ]]
  [ "$(active_agents)" -eq 1 ]
}
