#!/usr/bin/env bats
# Clients follow the leading master: a real standalone master leads, and a
# fake standby (fake_standby.py) answers every call with not_leader naming
# the master in TEST_DIR/standby.leader (or none). The CLI, the agent and
# execute pointed at the standby end up at the leader; `clusterctl masters`
# tells them apart.

bats_require_minimum_version 1.5.0

load helpers

setup() { setup_work_dir; }
teardown() { teardown_work_dir; }

# start_standby: STANDBY is its host:port; it names what standby.leader holds.
start_standby() {
  "$PYTHON" "$BATS_TEST_DIRNAME/fake_standby.py" "$TEST_DIR/standby.leader" \
    "$TEST_DIR/standby.address" "$TEST_DIR/standby.calls" >>"$TEST_DIR/standby.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "the standby's address file" 10 test -s "$TEST_DIR/standby.address"
  STANDBY=$(cat "$TEST_DIR/standby.address")
}

calls_to_standby() { grep -c "^$1\$" "$TEST_DIR/standby.calls" || true; }

@test "a listing sent to a standby is answered by the leader it names" {
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  start_standby
  run --separate-stderr "$CLUSTERCTL_BIN" agents --json --master "$STANDBY"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "d['agents'][0]['state']")" = active ]
  [ "$(calls_to_standby state.agents)" -eq 1 ]
  # A list that starts with the standby works the same.
  run --separate-stderr "$CLUSTERCTL_BIN" tasks --master "$STANDBY,$MASTER"
  [ "$status" -eq 0 ]
  [ "$output" = "No tasks." ]
}

@test "while no leader is elected the CLI says so within its timeout" {
  : >"$TEST_DIR/standby.leader"
  start_standby
  local start=$SECONDS
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" tasks --master "$STANDBY" --timeout 2s
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [ "$stderr" = "clusterctl tasks: the master at $STANDBY failed state.tasks: no master leads: $STANDBY stands by and no leader was elected within 2s" ]
  [ $((SECONDS - start)) -le 4 ]
  # It asked again meanwhile, not in a tight loop.
  local asked
  asked=$(calls_to_standby state.tasks)
  [ "$asked" -ge 2 ] && [ "$asked" -le 8 ]
}

@test "an agent pointed at a standby registers with the leader" {
  start_master
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  start_standby
  local master=$MASTER
  MASTER=$STANDBY start_agent agent --resources 'cpus:2;mem:1024'
  MASTER=$master
  wait_for_agents 1
  [ "$(calls_to_standby agent.register)" -eq 1 ]
  grep -q "master $STANDBY stands by; registering with the leader $MASTER" "$TEST_DIR/agent.log"
}

@test "execute pointed at a standby runs its task through the leader" {
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  start_standby
  run --separate-stderr timeout 30 "$CLUSTERCTL_BIN" execute --master "$STANDBY" --name follow \
    --command 'exit 3'
  [ "$status" -eq 3 ]
  [[ "$stderr" == *"task follow"*"is FAILED"* ]]
  [ "$(calls_to_standby framework.subscribe)" -eq 1 ]
}

@test "execute waits for an election, and gives up plainly when none comes" {
  : >"$TEST_DIR/standby.leader"
  start_standby
  run --separate-stderr timeout 30 "$CLUSTERCTL_BIN" execute --master "$STANDBY" --name never \
    --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"found no leading master at $STANDBY within 10s: the master at $STANDBY stands by and no leader is elected yet"* ]]

  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  ( sleep 1; echo "$MASTER" >"$TEST_DIR/standby.leader" ) &
  STARTED_PIDS+=("$!")
  run --separate-stderr timeout 30 "$CLUSTERCTL_BIN" execute --master "$STANDBY" --name later \
    --command true
  [ "$status" -eq 0 ]
  [ "$(calls_to_standby framework.subscribe)" -ge 3 ]
}

# The leader dies and another master takes over (same registry, another
# address); the standby names the new one. The agent and execute, both
# pointed at the standby, follow, and the task runs to its end.
@test "after a failover the agent and execute follow the new leader" {
  start_master
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  start_standby
  local first=$MASTER
  MASTER=$STANDBY start_agent agent --resources 'cpus:2;mem:1024'
  MASTER=$first
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --master "$STANDBY" --name kept --checkpoint --failover-timeout 60s \
    --command 'while [ ! -e go ]; do sleep 0.1; done' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task kept RUNNING" 10 task_in_state kept RUNNING

  kill -KILL "$MASTER_PID"
  wait "$MASTER_PID" 2>/dev/null || true
  start_master
  [ "$MASTER" != "$first" ]
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  wait_for "the agent back" 20 has_active_agents 1
  wait_for "execute back" 20 grep -q "reconnected to the master at $MASTER" "$TEST_DIR/execute.log"
  touch "$(sandbox_of kept)/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 0 ]
  [ "$(task_state kept)" = FINISHED ]
}

@test "masters with plain addresses: standalone, leading, standing by, unreachable" {
  start_master
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  start_standby
  local closed
  closed=$(free_port)
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$MASTER,127.0.0.1:$closed" --json \
    --timeout 2s
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "d['zookeeper']")" = None ]
  [ "$(echo "$output" | json_get "[m['state'] for m in d['masters']]")" = \
    "['standalone', 'unreachable']" ]
  [ "$(echo "$output" | json_get "sorted(d['masters'][0].keys())")" = \
    "['address', 'error', 'hostname', 'leader', 'member', 'pid', 'session', 'since', 'started', 'state', 'version']" ]
  [[ "$(echo "$output" | json_get "d['masters'][1]['error']")" == *refused* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$MASTER"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == ADDRESS*STATE*SINCE*SESSION*VERSION*HOSTNAME*PID ]]
  [[ "${lines[1]}" == "$MASTER"*standalone* ]]
  [[ "${lines[2]}" == "(standalone: without ZooKeeper"* ]]
  # A master that a standby of the list names leads.
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$MASTER,$STANDBY" --json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "[(m['state'], m['leader']) for m in d['masters']]")" = \
    "[('leading', ''), ('standing_by', '$MASTER')]" ]
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$MASTER,$STANDBY"
  [[ "${lines[1]}" == "$MASTER"*LEADING* ]]
  [[ "${lines[2]}" == "$STANDBY"*"standing by (leader $MASTER)"* ]]
  [[ "$output" != *standalone* ]]
}

@test "masters with no master reachable exits 1 with one line" {
  local closed
  closed=$(free_port)
  run --separate-stderr timeout 5 "$CLUSTERCTL_BIN" masters --master "127.0.0.1:$closed"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl masters: cannot reach master at 127.0.0.1:$closed: "* ]]
}
