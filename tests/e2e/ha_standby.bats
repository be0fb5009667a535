#!/usr/bin/env bats
# What a standby master answers (RPC not_leader with the leader's address,
# HTTP 307 to the leader, /health "standby"), clients following it, the
# masters listing, --quorum, and zk:// addresses that are malformed.

load helpers
load ha_helpers

setup() {
  setup_work_dir
  zk_start
  MASTER=$(zk_url)
}

teardown() { teardown_work_dir; }

standby_of() {
  local name
  for name in "${!HA_ADDR[@]}"; do
    [ "${HA_ADDR[$name]}" != "$(zk_leader)" ] && { echo "${HA_ADDR[$name]}"; return 0; }
  done
  return 1
}

@test "a standby answers not_leader with the leader's address, 307 over HTTP, and clients follow" {
  start_ha_master m1
  wait_for_leader
  start_ha_master m2
  local leader standby
  leader=$(zk_leader)
  standby=$(standby_of)
  [ "$standby" = "${HA_ADDR[m2]}" ]

  run "$PYTHON" -c '
import sys
sys.path.insert(0, sys.argv[2])
from rpc_client import Client
c = Client(sys.argv[1])
c.call("hello", {"protocol_version": 1})
error, result = c.call("state.tasks", {})
print(error["kind"], error["leader"])' "$standby" "$BATS_TEST_DIRNAME"
  [ "$status" -eq 0 ]
  [ "$output" = "not_leader $leader" ]

  run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://$standby/state?x=1"
  [ "$output" = "307 http://$leader/state?x=1" ]
  run health "$standby"
  [[ "$output" == *'"status":"standby"'* ]]
  [[ "$output" == *"\"leader\":\"$leader\""* ]]
  run health "$leader"
  [[ "$output" == *'"role":"leading"'* ]]
  # curl -L ends at the leader's state.
  run curl -s -L "http://$standby/state"
  [[ "$output" == *'"agents"'* ]]

  # The CLI follows: the standby's address, zk://, or a list naming the standby first.
  run "$CLUSTERCTL_BIN" agents --master "$standby" --json
  [ "$status" -eq 0 ]
  [[ "$output" == *'"agents"'* ]]
  run "$CLUSTERCTL_BIN" agents --master "$(zk_url)" --json
  [ "$status" -eq 0 ]
  CLUSTERCTL_MASTER="$standby,$leader" run "$CLUSTERCTL_BIN" frameworks --json
  [ "$status" -eq 0 ]

  # masters: both, the leader first and marked so.
  run "$CLUSTERCTL_BIN" masters --master "$(zk_url)" --json
  [ "$status" -eq 0 ]
  echo "$output" | json_get "d['masters'][0]['address']" | grep -qx "$leader"
  [ "$(echo "$output" | json_get "len(d['masters'])")" -eq 2 ]

  # An agent pointed at the standby only ends up with the leader.
  MASTER=$standby start_agent agent --resources 'cpus:1;mem:256'
  CLUSTERCTL_MASTER=$(zk_url) wait_for_agents 1
}

@test "with --quorum 2 the first master waits for a second before it leads" {
  start_ha_master m1 --quorum 2
  sleep 2
  nobody_leads
  run health "${HA_ADDR[m1]}"
  [[ "$output" == *'waiting for a quorum'* ]]
  start_ha_master m2 --quorum 2
  wait_for_leader
  [ "$(zk_leader)" = "${HA_ADDR[m1]}" ]
}

@test "malformed HA flags and zk:// addresses are usage errors that say what is wrong" {
  run "$CLUSTERCTL_BIN" master --work-dir "$TEST_DIR/x" --zk "zk://127.0.0.1/clusterctl"
  [ "$status" -eq 2 ]
  [[ "$output" == *"port"* ]]
  run "$CLUSTERCTL_BIN" master --work-dir "$TEST_DIR/x" --zk "$(zk_url)" --quorum 0
  [ "$status" -eq 2 ]
  run "$CLUSTERCTL_BIN" master --work-dir "$TEST_DIR/x" --quorum 2
  [ "$status" -eq 2 ]
  [[ "$output" == *"--zk"* ]]
  [ ! -e "$TEST_DIR/x" ]
  run "$CLUSTERCTL_BIN" tasks --master "zk://127.0.0.1:2181"
  [ "$status" -eq 2 ]
  [[ "$output" == *"path"* ]]
  CLUSTERCTL_MASTER="zk://:2181/x" run "$CLUSTERCTL_BIN" tasks
  [ "$status" -eq 2 ]
}
