#!/usr/bin/env bats
# The master forgets agents unreachable for longer than --registry-max-agent-age
# (or beyond --registry-max-agent-count), in memory and in its registry, and
# admits them again under their id if they ever come back.

load helpers

FAST_LOSS=(--agent-ping-timeout 200ms --max-agent-ping-timeouts 2 --registry-gc-interval 200ms)

setup() {
  setup_work_dir
  STOPPED_PIDS=()
}

teardown() {
  local pid
  for pid in "${STOPPED_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  teardown_work_dir
}

# pause_agent PID: stops it answering (resumed in teardown at the latest).
pause_agent() {
  kill -STOP "$1"
  STOPPED_PIDS+=("$1")
}

agent_field() {
  "$CLUSTERCTL_BIN" agents --json |
    json_get "next((a['$2'] for a in d['agents'] if a['id'] == '$1'), 'NONE')"
}
agent_in_state() { [ "$(agent_field "$1" state)" = "$2" ]; }
agent_forgotten() { [ "$(agent_field "$1" state)" = NONE ]; }
agent_id_of() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][$1]['id']"; }

# restart_master FLAGS...: stops the master (it finishes its registry store
# first) and starts a new one on the same address and work dir.
restart_master() {
  kill -TERM "$MASTER_PID"
  wait "$MASTER_PID" || true
  start_master "$@"
}

@test "an agent unreachable for longer than --registry-max-agent-age is forgotten, and admitted again when it returns" {
  start_master "${FAST_LOSS[@]}" --registry-max-agent-age 2s
  start_agent agent --resources 'cpus:2;mem:1024'
  local agent_pid=$AGENT_PID
  wait_for_agents 1
  local agent_id
  agent_id=$(agent_id_of 0)
  start_framework aware --partition-aware --failover-timeout 60 --command 'sleep 60'
  wait_for "aware-000 RUNNING" 10 has_event aware aware-000 RUNNING

  pause_agent "$agent_pid"
  wait_for "the agent unreachable" 10 agent_in_state "$agent_id" unreachable
  local since
  since=$(agent_field "$agent_id" unreachable_since)
  "$PYTHON" -c "import sys, time; s = float(sys.argv[1]); assert 0 < time.time() - s < 10, s" "$since"
  [ "$(task_state aware-000)" = UNREACHABLE ]

  wait_for "the agent forgotten" 10 agent_forgotten "$agent_id"
  grep -q "forgetting agent $agent_id" "$TEST_DIR/master.log"
  [ "$(task_state aware-000)" = NONE ]
  # Its framework asks after the task: nobody knows it any more.
  kill -KILL "$FRAMEWORK_PID"
  start_framework aware --partition-aware --failover-timeout 60 --tasks 0 --reconcile aware-000 --run-for 2
  wait "$FRAMEWORK_PID" || true
  [ "$(count_events aware aware-000 UNKNOWN)" -eq 1 ]

  kill -CONT "$agent_pid"
  wait_for "the agent active again" 15 agent_in_state "$agent_id" active
  wait_for "aware-000 known and RUNNING again" 10 task_in_state aware-000 RUNNING
}

@test "a restarted master keeps an agent unreachable from the same time, then forgets it for good" {
  MASTER_LISTEN=127.0.0.1:$(free_port)
  start_master "${FAST_LOSS[@]}" --registry-max-agent-age 1h
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  local agent_id
  agent_id=$(agent_id_of 0)
  pause_agent "$AGENT_PID"
  wait_for "the agent unreachable" 10 agent_in_state "$agent_id" unreachable
  local since
  since=$(agent_field "$agent_id" unreachable_since)

  # An hour is not over: the restarted master knows it unreachable at once, since then.
  restart_master "${FAST_LOSS[@]}" --registry-max-agent-age 1h
  [ "$(agent_field "$agent_id" state)" = unreachable ]
  [ "$(agent_field "$agent_id" unreachable_since)" = "$since" ]

  # With a shorter age, the next master forgets it when it starts...
  sleep 1
  restart_master "${FAST_LOSS[@]}" --registry-max-agent-age 500ms
  wait_for "the agent forgotten" 10 agent_forgotten "$agent_id"
  grep -q "forgetting agent $agent_id" "$TEST_DIR/master.log"
  # ...and so does the registry: the master after it never heard of it.
  restart_master "${FAST_LOSS[@]}" --registry-max-agent-age 1h
  [ "$(agent_field "$agent_id" state)" = NONE ]
  grep "registry .*: [0-9]* agents" "$TEST_DIR/master.log" | tail -n 1 | grep -q ": 0 agents"
}

@test "beyond --registry-max-agent-count unreachable agents, the longest unreachable are forgotten" {
  start_master "${FAST_LOSS[@]}" --registry-max-agent-age 1h --registry-max-agent-count 1
  start_agent first --resources 'cpus:1;mem:256'
  local first_pid=$AGENT_PID
  wait_for_agents 1
  local first_id
  first_id=$(agent_id_of 0)
  start_agent second --resources 'cpus:1;mem:256'
  local second_pid=$AGENT_PID
  wait_for_agents 2
  local second_id
  second_id=$("$CLUSTERCTL_BIN" agents --json |
    json_get "[a['id'] for a in d['agents'] if a['id'] != '$first_id'][0]")

  pause_agent "$first_pid"
  wait_for "the first agent unreachable" 10 agent_in_state "$first_id" unreachable
  # One unreachable agent is within the count: kept.
  sleep 1
  [ "$(agent_field "$first_id" state)" = unreachable ]

  pause_agent "$second_pid"
  wait_for "the first agent forgotten" 10 agent_forgotten "$first_id"
  [ "$(agent_field "$second_id" state)" = unreachable ]
}

@test "the master refuses GC limits that make no sense, with the flag's name" {
  run "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" --registry-gc-interval 0s
  [ "$status" -ne 0 ]
  [[ "$output" == *"--registry-gc-interval must be positive"* ]]
  run "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" --registry-max-agent-count -1
  [ "$status" -eq 2 ]
  [[ "$output" == *"--registry-max-agent-count: expected a whole number, 0 or more, got '-1'"* ]]
}
