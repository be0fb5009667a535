#!/usr/bin/env bats
# Clients find the leader through ZooKeeper (a real server) with
# --master zk://...: contenders are election znodes written by
# zk_contender.py (a master's record without the master), naming real
# standalone masters. `clusterctl masters` lists them; the CLI, an agent and
# execute reach the leader, and follow it when ZooKeeper names another.

bats_require_minimum_version 1.5.0

load helpers
load zk_helpers

setup() {
  skip_without_zookeeper
  setup_work_dir
  zk_start
  ZK_MASTER=zk://$ZK_CONNECT/clusterctl
}

teardown() { teardown_work_dir; }

# contend NAME ADDRESS: an election znode for ADDRESS, held by a process whose
# pid is CONTENDER_PID (SIGTERM removes the znode at once).
contend() {
  "$PYTHON" "$BATS_TEST_DIRNAME/zk_contender.py" "$ZK_CONNECT" /clusterctl "$2" \
    "$TEST_DIR/$1.node" >>"$TEST_DIR/$1.log" 2>&1 &
  CONTENDER_PID=$!
  STARTED_PIDS+=("$CONTENDER_PID")
  wait_for "contender $1's znode" 20 test -s "$TEST_DIR/$1.node"
}

# withdraw PID: the contender leaves (its znode goes at once).
withdraw() {
  kill -TERM "$1"
  wait "$1" 2>/dev/null || true
}

# start_other_master NAME: a second standalone master with its own work dir;
# its address in OTHER_MASTER.
start_other_master() {
  "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/$1" \
    >>"$TEST_DIR/$1.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "master $1's address file" 10 test -s "$TEST_DIR/$1/master.address"
  OTHER_MASTER=$(cat "$TEST_DIR/$1/master.address")
}

agent_state_on() {
  "$CLUSTERCTL_BIN" agents --json --master "$1" | json_get "d['agents'][0]['state']"
}
agent_on() { [ "$(agent_state_on "$1")" = "$2" ]; }

@test "masters lists the contenders of a zk:// address, the leader first" {
  contend first 127.0.0.1:7001
  local first_pid=$CONTENDER_PID
  contend second 127.0.0.1:7002
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$ZK_MASTER" --json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "d['zookeeper']")" = "$ZK_MASTER" ]
  [ "$(echo "$output" | json_get "[(m['address'], m['state']) for m in d['masters']]")" = \
    "[('127.0.0.1:7001', 'leading'), ('127.0.0.1:7002', 'standing_by')]" ]
  [ "$(echo "$output" | json_get "d['masters'][0]['member']")" = "$(cat "$TEST_DIR/first.node")" ]
  [ "$(echo "$output" | json_get "d['masters'][0]['pid']")" = "$first_pid" ]
  [ "$(echo "$output" | json_get "(d['masters'][0]['version'], d['masters'][0]['hostname'])")" = \
    "('9.9.9', 'contender-host')" ]
  # The session that holds the znode, and when it began contending.
  [[ "$(echo "$output" | json_get "d['masters'][0]['session']")" =~ ^0x[0-9a-f]+$ ]]
  [ "$(echo "$output" | json_get "d['masters'][0]['session'] != d['masters'][1]['session']")" = True ]
  [ "$(echo "$output" | json_get "abs(d['masters'][0]['since'] - __import__('time').time()) < 60")" = True ]

  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$ZK_MASTER"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == ADDRESS*STATE*SINCE*SESSION*VERSION*HOSTNAME*PID ]]
  [[ "${lines[1]}" == 127.0.0.1:7001*LEADING*0x*9.9.9*contender-host*"$first_pid" ]]
  [[ "${lines[2]}" == "127.0.0.1:7002   standing by"* ]]

  withdraw "$first_pid"
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "$ZK_MASTER" --json
  [ "$(echo "$output" | json_get "[(m['address'], m['state']) for m in d['masters']]")" = \
    "[('127.0.0.1:7002', 'leading')]" ]
}

@test "masters and a listing under a path where nobody contends" {
  run --separate-stderr "$CLUSTERCTL_BIN" masters --master "zk://$ZK_CONNECT/nobody"
  [ "$status" -eq 0 ]
  [ "$output" = "No master contends under zk://$ZK_CONNECT/nobody." ]
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" tasks --master "zk://$ZK_CONNECT/nobody" \
    --timeout 1s
  [ "$status" -eq 1 ]
  [ "$stderr" = "clusterctl tasks: cannot reach master at zk://$ZK_CONNECT/nobody: no master leads under zk://$ZK_CONNECT/nobody (waited 1s) (is it running? set --master or CLUSTERCTL_MASTER)" ]
}

@test "an agent registered with a master that no longer leads goes to the new leader" {
  start_master
  start_other_master other
  contend first "$MASTER"
  local first_pid=$CONTENDER_PID
  contend second "$OTHER_MASTER"
  local leader=$MASTER
  MASTER=$ZK_MASTER start_agent agent --resources 'cpus:2;mem:1024'
  MASTER=$leader
  wait_for "the agent on the leader" 15 agent_on "$MASTER" active
  run --separate-stderr "$CLUSTERCTL_BIN" agents --master "$ZK_MASTER" --json
  [ "$(echo "$output" | json_get "d['agents'][0]['state']")" = active ]

  # The first master still runs; ZooKeeper names the other one.
  withdraw "$first_pid"
  wait_for "the agent on the new leader" 15 agent_on "$OTHER_MASTER" active
  wait_for "the agent gone from the old one" 15 agent_on "$MASTER" disconnected
  grep -q "ZooKeeper names $OTHER_MASTER as the leading master" "$TEST_DIR/agent.log"
}

# The leader dies; a master on another address takes over with the same
# registry, and its contender leads. The agent and execute follow it.
@test "after a failover through ZooKeeper the agent and execute follow the new leader" {
  local second_port
  second_port=$(free_port)
  start_master
  contend first "$MASTER"
  local first_pid=$CONTENDER_PID first=$MASTER
  contend second "127.0.0.1:$second_port"
  MASTER=$ZK_MASTER start_agent agent --resources 'cpus:2;mem:1024'
  MASTER=$first
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --master "$ZK_MASTER" --name kept --checkpoint \
    --failover-timeout 60s --command 'while [ ! -e go ]; do sleep 0.1; done' \
    2>"$TEST_DIR/execute.log" &
  local execute_pid=$!
  STARTED_PIDS+=("$execute_pid")
  wait_for "task kept RUNNING" 15 task_in_state kept RUNNING
  run --separate-stderr "$CLUSTERCTL_BIN" tasks --master "$ZK_MASTER" --json
  [ "$(echo "$output" | json_get "d['tasks'][0]['state']")" = RUNNING ]

  kill -KILL "$MASTER_PID"
  wait "$MASTER_PID" 2>/dev/null || true
  withdraw "$first_pid"
  MASTER_LISTEN=127.0.0.1:$second_port start_master
  [ "$MASTER" = "127.0.0.1:$second_port" ]
  export CLUSTERCTL_MASTER=$ZK_MASTER
  wait_for "the agent on the new leader" 20 has_active_agents 1
  wait_for "execute on the new leader" 20 grep -q "reconnected to the master at $MASTER" \
    "$TEST_DIR/execute.log"
  touch "$(sandbox_of kept)/go"
  local code=0
  wait "$execute_pid" || code=$?
  [ "$code" -eq 0 ]
  [ "$(task_state kept)" = FINISHED ]
}
