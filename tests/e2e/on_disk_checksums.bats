#!/usr/bin/env bats
# The master's registry and the agent's checkpoint carry a CRC-32C: a file
# with one byte changed stops the daemon with a message naming it (exit 1) and
# is left as it was; a file written before checksums existed still loads and
# gets one at the next write.

load helpers

setup() { setup_work_dir; }
teardown() { teardown_work_dir; }

# flip_byte FILE: inverts the bits of the byte in the middle of FILE.
flip_byte() {
  "$PYTHON" - "$1" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0xFF
open(path, "wb").write(bytes(data))
PY
}

starts_with_frame() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = "c1c16366" ]; }

@test "a master whose registry has one flipped byte refuses to start and leaves the file alone" {
  start_master
  "$CLUSTERCTL_BIN" weights set analytics=3
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  stop_started
  local registry="$TEST_DIR/master/registry"
  starts_with_frame "$registry"
  flip_byte "$registry"
  local before
  before=$(sha256sum <"$registry")
  run "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master"
  [ "$status" -eq 1 ]
  [[ "$output" == *"registry '$registry' is corrupt: checksum mismatch; restore it from a backup or move it away to start empty"* ]]
  [ "$(sha256sum <"$registry")" = "$before" ]
  # Flipped back, it loads again with what it held.
  flip_byte "$registry"
  start_master
  run "$CLUSTERCTL_BIN" weights get --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"analytics"'* ]]
}

@test "a registry written without a checksum loads, and the next write adds one" {
  mkdir -p "$TEST_DIR/master"
  # What a clusterctl from before checksums wrote: a bare msgpack map.
  "$PYTHON" - "$TEST_DIR/master/registry" <<'PY'
import msgpack, sys
state = {"format_version": 1, "agents": {}, "frameworks": {}, "quotas": {},
         "weights": {"analytics": 2.0}, "reservations": {}, "unreachable": {}}
open(sys.argv[1], "wb").write(msgpack.packb(state))
PY
  start_master
  run "$CLUSTERCTL_BIN" weights get --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"analytics"'* ]]
  ! starts_with_frame "$TEST_DIR/master/registry"
  "$CLUSTERCTL_BIN" weights set batch=2
  starts_with_frame "$TEST_DIR/master/registry"
  stop_started
  start_master
  run "$CLUSTERCTL_BIN" weights get --json
  [[ "$output" == *'"analytics"'* ]]
  [[ "$output" == *'"batch"'* ]]
}

@test "an agent whose checkpoint has one flipped byte refuses to start and leaves the file alone" {
  start_master
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  local checkpoint="$TEST_DIR/agent/meta/agent"
  wait_for "the agent's checkpoint" 10 test -s "$checkpoint"
  kill -TERM "$AGENT_PID"
  wait_for "the agent to stop" 10 process_gone "$AGENT_PID"
  starts_with_frame "$checkpoint"
  flip_byte "$checkpoint"
  local before
  before=$(sha256sum <"$checkpoint")
  run "$CLUSTERCTL_BIN" agent --master "$MASTER" --listen 127.0.0.1:0 --work-dir "$TEST_DIR/agent" \
    --resources 'cpus:1;mem:256'
  [ "$status" -eq 1 ]
  [[ "$output" == *"checkpoint '$checkpoint' is corrupt: checksum mismatch; remove the agent's WORK_DIR/meta"* ]]
  [ "$(sha256sum <"$checkpoint")" = "$before" ]
}
