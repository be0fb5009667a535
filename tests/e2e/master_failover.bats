#!/usr/bin/env bats
# A standalone master restarted (kill -9) on the same work dir and address:
# its registry on disk tells it its agents and frameworks, and the agents
# bring their tasks back when they re-register.

load helpers

setup() {
  setup_work_dir
  MASTER_LISTEN=127.0.0.1:$(free_port)
}

teardown() { teardown_work_dir; }

restart_master() {
  kill -KILL "$MASTER_PID"
  wait "$MASTER_PID" 2>/dev/null || true
  start_master "$@"
}

agent_state() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['state']"; }
agent_in_state() { [ "$(agent_state)" = "$1" ]; }

@test "a restarted master learns its agents and tasks back, and nothing is lost" {
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name kept --checkpoint \
    --command 'echo $$ > pid; while [ ! -e go ]; do sleep 0.1; done' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task kept RUNNING" 10 task_in_state kept RUNNING
  local task_id framework_id agent_id task_pid
  task_id=$(task_field kept id)
  framework_id=$(task_field kept framework_id)
  agent_id=$(task_field kept agent_id)
  task_pid=$(cat "$(sandbox_of kept)/pid")

  restart_master
  # Known from the registry at once; back with its task once it re-registered.
  wait_for "the agent back" 15 agent_in_state active
  wait_for "task kept known again" 10 task_in_state kept RUNNING
  [ "$(task_field kept id)" = "$task_id" ]
  [ "$(task_field kept agent_id)" = "$agent_id" ]
  [ "$(task_field kept framework_id)" = "$framework_id" ]
  process_running "$task_pid"
  run "$CLUSTERCTL_BIN" frameworks --json
  [[ "$output" == *"$framework_id"* ]]

  # execute reconnected and still follows its task to the end.
  touch "$(sandbox_of kept)/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 0 ]
  grep -q "reconnected to the master" "$TEST_DIR/execute.log"
  [ "$(grep -c 'is FINISHED' "$TEST_DIR/execute.log")" -eq 1 ]
  [ "$(task_state kept)" = FINISHED ]
}

@test "agents that do not re-register within --agent-reregister-timeout become unreachable" {
  start_master --agent-reregister-timeout 1s
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  kill -KILL "$AGENT_PID"
  restart_master --agent-reregister-timeout 1s
  [ "$(agent_state)" = recovering ]
  wait_for "the agent unreachable" 10 agent_in_state unreachable
  # It may still come back later.
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for "the agent active again" 15 agent_in_state active
}
