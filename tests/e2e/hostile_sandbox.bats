#!/usr/bin/env bats
# A hostile task against the files of its own sandbox: the executor (root)
# writes the task's stdout and stderr there and rotates them. Whatever the
# task puts under those names (links to files outside, FIFOs), nothing
# outside the sandbox is written, the executor does not hang, and the
# cluster keeps running tasks. The attacks are in hostile_sandbox.py.

load helpers
load hostile_helpers

KEEP=2

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:2;mem:1024' --sandbox-log-max-size 1KB \
    --sandbox-log-keep "$KEEP"
  wait_for_agents 1
  ATTACK="$PYTHON $BATS_TEST_DIRNAME/hostile_sandbox.py"
}

teardown() { teardown_work_dir; }

@test "a task that links its stdout and stderr to files outside leaves them untouched" {
  mkdir -p "$TEST_DIR/outside"
  echo canary > "$TEST_DIR/outside/symlinked"
  echo canary > "$TEST_DIR/outside/hardlinked"
  baseline_of "$AGENT_PID"
  run timeout 60 "$CLUSTERCTL_BIN" execute --name links --timeout 30s --command \
    "$ATTACK links $KEEP $TEST_DIR/outside/symlinked $TEST_DIR/outside/hardlinked"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$TEST_DIR/outside/symlinked")" = canary ]
  [ "$(cat "$TEST_DIR/outside/hardlinked")" = canary ]
  # The executor refused the plants (and dropped the output) rather than follow them.
  local sandbox
  sandbox=$(sandbox_of links)
  grep -q "refusing to write to '.*/stdout': it is a symbolic link" "$sandbox/executor.log"
  grep -q "refusing to write to '.*/stderr': it has 2 hard links" "$sandbox/executor.log"
  execute_works
  wait_near_baseline "$AGENT_PID"
}

@test "a task that makes its stdout and stderr FIFOs does not hang its executor" {
  run timeout 60 "$CLUSTERCTL_BIN" execute --name fifos --timeout 30s --command \
    "$ATTACK fifos $KEEP"
  echo "$output"
  [ "$status" -eq 0 ]
  local sandbox
  sandbox=$(sandbox_of fifos)
  grep -q "refusing to write to '.*/stdout': it is not a regular file" "$sandbox/executor.log"
  execute_works
}

@test "a task that blocks every rotation with directories does not spin its executor" {
  run timeout 60 "$CLUSTERCTL_BIN" execute --name dirs --timeout 30s --command "$ATTACK dirs $KEEP"
  echo "$output"
  [ "$status" -eq 0 ]
  local sandbox
  sandbox=$(sandbox_of dirs)
  grep -q "cannot rotate '.*/stdout' (it is still [0-9]* bytes)" "$sandbox/executor.log"
  [ "$(stat -c %s "$sandbox/stdout")" -le 1024 ]
  execute_works
}
