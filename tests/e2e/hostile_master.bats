#!/usr/bin/env bats
# Hostile clients of the master (attacks in hostile_master.py): forged agent
# status updates, a framework answering or acting on another framework's
# offers and tasks, tasks in a role other than their offer's, reconciliation
# after a master restart while agents recover, and refuse_seconds that are
# not numbers. Each attack must be refused, harm no victim, and leave the
# master serving a normal `execute`.

load helpers
load hostile_helpers

setup() {
  setup_work_dir
  MASTER_LISTEN=127.0.0.1:$(free_port)
}

teardown() {
  [ -n "${STOPPED_AGENT:-}" ] && kill -CONT "$STOPPED_AGENT" 2>/dev/null
  teardown_work_dir
}

hostile() { timeout 120 "$PYTHON" "$BATS_TEST_DIRNAME/hostile_master.py" "$MASTER" "$@"; }

start_cluster() {
  start_master "$@"
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  baseline_of "$MASTER_PID"
}

# role_allocation ROLE: what the allocator holds for ROLE, summed over resources (0 if unlisted).
role_allocation() {
  "$CLUSTERCTL_BIN" roles --json |
    json_get "sum(v for r in d['roles'] if r['role'] == '$1' for v in r['allocated'].values() if isinstance(v, (int, float)))"
}
agent_has_no_children() { [ -z "$(pgrep -P "$AGENT_PID")" ]; }
role_free() { [ "$(role_allocation "$1")" = 0 ]; }

@test "a status update from anyone but the task's own agent is refused; the task runs on" {
  start_cluster
  "$CLUSTERCTL_BIN" execute --name victim \
    --command 'while [ ! -e go ]; do sleep 0.1; done' 2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "victim RUNNING" 15 task_in_state victim RUNNING
  run hostile forge-update "$(task_field victim id)" "$(task_field victim framework_id)" \
    "$(task_field victim agent_id)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
  grep -q "refused status update FINISHED" "$TEST_DIR/master.log"
  # The master still sees it running, and execute still follows it.
  [ "$(task_state victim)" = RUNNING ]
  process_running "$execute_pid"
  execute_works
  touch "$(sandbox_of victim)/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 0 ]
  [ "$(task_state victim)" = FINISHED ]
  wait_near_baseline "$MASTER_PID"
}

@test "a framework cannot answer, kill, acknowledge, reconcile or tear down what is another's" {
  start_cluster
  run hostile offers
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
  execute_works
  wait_near_baseline "$MASTER_PID"
}

@test "a task in another role than its offer's is ERROR and its role holds nothing after" {
  start_cluster
  run hostile role
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
  [[ "$output" == *"task role 'b' differs from its offer's role 'a'"* ]]
  # The framework left (torn down): neither role holds anything.
  wait_for "role a back to zero" 10 role_free a
  role_free b
  execute_works
}

@test "refuse_seconds NaN or inf is refused, 1e300 is kept to a year" {
  start_cluster
  run hostile refuse
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
  execute_works
  wait_near_baseline "$MASTER_PID"
}

@test "after a master restart, tasks on recovering agents get no answer until their agent is back" {
  start_cluster
  run hostile launch "$TEST_DIR/survivor" 10
  echo "$output"
  [ "$status" -eq 0 ]
  # The agent cannot re-register while stopped.
  kill -STOP "$AGENT_PID"
  STOPPED_AGENT=$AGENT_PID
  kill -KILL "$MASTER_PID"
  wait "$MASTER_PID" 2>/dev/null || true
  start_master
  hostile reconcile "$TEST_DIR/survivor" >"$TEST_DIR/reconcile.log" 2>&1 &
  local reconcile_pid=$!
  STARTED_PIDS+=("$reconcile_pid")
  wait_for "no answer while the agent recovers" 30 grep -q silent "$TEST_DIR/reconcile.log"
  kill -CONT "$AGENT_PID"
  STOPPED_AGENT=
  local code=0
  wait "$reconcile_pid" || code=$?
  cat "$TEST_DIR/reconcile.log"
  [ "$code" -eq 0 ]
  grep -q '^ok$' "$TEST_DIR/reconcile.log"
  execute_works
  # Its checkpointed tasks would outlive the agent: the operator ends them.
  "$CLUSTERCTL_BIN" frameworks teardown "$(json_get "d['framework_id']" <"$TEST_DIR/survivor/state.json")"
  wait_for "the survivors killed" 30 task_in_state survivor-000 KILLED
}

@test "after a master restart, tasks of an agent that does not come back are LOST once it times out" {
  start_cluster
  run hostile launch "$TEST_DIR/survivor" 4
  echo "$output"
  [ "$status" -eq 0 ]
  kill -STOP "$AGENT_PID"
  STOPPED_AGENT=$AGENT_PID
  kill -KILL "$MASTER_PID"
  wait "$MASTER_PID" 2>/dev/null || true
  start_master --agent-reregister-timeout 5s
  run hostile reconcile "$TEST_DIR/survivor" LOST
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = silent ]
  [ "${lines[-1]}" = ok ]
  [ "$("$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['state']")" = unreachable ]
  # Back, it is told its tasks are over: the master keeps them LOST and the
  # agent kills them (its executors, its children, exit).
  [ -n "$(pgrep -P "$AGENT_PID")" ]
  kill -CONT "$AGENT_PID"
  STOPPED_AGENT=
  wait_for "the survivors killed" 30 agent_has_no_children
  task_in_state survivor-000 LOST
}
