#!/usr/bin/env bats
# Plugin authors: the example isolator in examples/isolator_example builds
# against the installed headers alone (cmake --install into a fresh prefix)
# and an agent loads it by path, or by name from its plugin directory.

load helpers

setup() {
  setup_work_dir
  BUILD_DIR=$(cd "$(dirname "$CLUSTERCTL_BIN")/.." && pwd)
  SOURCE_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

teardown() { teardown_work_dir; }

@test "the example isolator builds against the installed header alone and is loaded by path or name" {
  cmake --install "$BUILD_DIR" --prefix "$TEST_DIR/prefix" >/dev/null
  [ -f "$TEST_DIR/prefix/include/clusterctl/isolator.h" ]
  cmake -S "$SOURCE_DIR/examples/isolator_example" -B "$TEST_DIR/example" \
    -DCMAKE_PREFIX_PATH="$TEST_DIR/prefix" >"$TEST_DIR/cmake.log" 2>&1
  cmake --build "$TEST_DIR/example" >>"$TEST_DIR/cmake.log" 2>&1
  local plugin="$TEST_DIR/example/isolator_example_marker.so"
  [ -f "$plugin" ]
  # The example includes nothing from the source tree.
  ! grep -q "$SOURCE_DIR/include" "$TEST_DIR/example/CMakeCache.txt"

  start_master
  start_agent agent --resources 'cpus:1;mem:256' --isolation "posix/cpu,$plugin"
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name marked --command 'cat example-isolator.txt; echo "env=$EXAMPLE_ISOLATOR"'
  [ "$status" -eq 0 ]
  local out
  out=$(cat "$(sandbox_of marked)/stdout")
  [[ "$out" == "prepared container-"* ]]
  [[ "$out" == *$'\nisolated '[0-9]* ]]
  [[ "$out" == *"env=on" ]]

  stop_started
  mkdir -p "$TEST_DIR/plugins"
  cp "$plugin" "$TEST_DIR/plugins/"
  start_master
  start_agent named --resources 'cpus:1;mem:256' --plugin-dir "$TEST_DIR/plugins" \
    --isolation example/marker
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name by-name --command 'test "$EXAMPLE_ISOLATOR" = on'
  [ "$status" -eq 0 ]
}

@test "a master refuses at start an allocator plugin with a NULL required function, naming it" {
  local plugin="$BUILD_DIR/test_plugins/test_bad_plugin_null_function.so"
  [ -f "$plugin" ]
  run "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" --allocator "$plugin"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$plugin: required function 'allocate' is NULL (an allocator plugin must provide it)"* ]]
  [ ! -e "$TEST_DIR/master/master.address" ]
}

@test "an allocator plugin that lets exceptions escape gets errors logged, and the master stays up" {
  local plugin="$BUILD_DIR/test_plugins/test_bad_plugin_escaping.so"
  [ -f "$plugin" ]
  start_master --allocator "$plugin"
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for "the agent in the master" 10 "$CLUSTERCTL_BIN" agents --json
  wait_for "the escaped exception logged" 10 \
    grep -q "allocator rejected event 'add_agent': an exception escaped the plugin" "$TEST_DIR/master.log"
  process_running "$MASTER_PID"
  curl -sf -m 5 "http://$MASTER/health" >/dev/null
  run "$CLUSTERCTL_BIN" agents --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"agents"'* ]]
}
