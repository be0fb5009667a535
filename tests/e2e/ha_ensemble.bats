#!/usr/bin/env bats
# A 3-node ZooKeeper ensemble on loopback: with one node down the cluster
# keeps working; with two down (no ZooKeeper quorum) no master leads; with
# them back it recovers by itself.

load helpers
load ha_helpers

setup() {
  setup_work_dir
  zk_ensemble_start
  MASTER=$(zk_url)
  export CLUSTERCTL_MASTER=$MASTER
}

teardown() { teardown_work_dir; }

run_task() {
  timeout 60 "$CLUSTERCTL_BIN" execute --name "$1" --command true >>"$TEST_DIR/execute.log" 2>&1
}

@test "one ZooKeeper node down: all works; two down: nobody leads; back: it recovers" {
  start_ha_master m1
  start_ha_master m2
  wait_for_leader "" 60
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  run_task before

  zk_ensemble_stop_node 1
  sleep 2
  run_task one-node-down
  has_new_leader ""

  zk_ensemble_stop_node 2
  wait_for "every master to stop leading" 30 nobody_leads

  zk_ensemble_start_node 1
  zk_ensemble_start_node 2
  wait_for_leader "" 90
  wait_for "the agent back" 30 has_active_agents 1
  run_task after
}
