# HA masters for the end-to-end tests: a real ZooKeeper (zk_helpers.bash), masters
# started with --zk on ports the OS picks, and what the election looks like from
# ZooKeeper itself (zk_tool.py) and from each master's /health.

load zk_helpers

ZK_SESSION_TIMEOUT=${ZK_SESSION_TIMEOUT:-3s}
declare -gA HA_PID HA_ADDR

zk_url() { echo "zk://$ZK_CONNECT/clusterctl"; }

# start_ha_master NAME [FLAGS...]: an HA master with its work dir TEST_DIR/NAME.
start_ha_master() {
  local name=$1
  shift
  rm -f "$TEST_DIR/$name/master.address"
  "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/$name" --zk "$(zk_url)" \
    --zk-session-timeout "$ZK_SESSION_TIMEOUT" --agent-ping-timeout 1s \
    --allocation-interval 200ms "$@" >>"$TEST_DIR/$name.log" 2>&1 &
  HA_PID[$name]=$!
  STARTED_PIDS+=("$!")
  wait_for "master $name's address file" 20 test -s "$TEST_DIR/$name/master.address"
  HA_ADDR[$name]=$(cat "$TEST_DIR/$name/master.address")
}

# The leading master's address according to ZooKeeper (fails when none).
zk_leader() { "$PYTHON" "$BATS_TEST_DIRNAME/zk_tool.py" "$(zk_url)" leader; }

# The name of the master at the leader's address.
leader_name() {
  local leader name
  leader=$(zk_leader) || return 1
  for name in "${!HA_ADDR[@]}"; do
    if [ "${HA_ADDR[$name]}" = "$leader" ]; then
      echo "$name"
      return 0
    fi
  done
  return 1
}

health() { curl -s --max-time 2 "http://$1/health"; }

# Whether the master at ADDRESS serves as leader (elected and recovered).
serving_as_leader() { health "$1" | grep -q '"role":"leading"'; }

# Whether no master of this test serves as leader.
nobody_leads() {
  local name
  for name in "${!HA_ADDR[@]}"; do
    if serving_as_leader "${HA_ADDR[$name]}"; then return 1; fi
  done
  return 0
}

# wait_for_leader [OLD_ADDRESS]: a leader (other than OLD_ADDRESS) serves.
has_new_leader() {
  local leader
  leader=$(zk_leader) || return 1
  [ "$leader" != "${1:-}" ] && serving_as_leader "$leader"
}
wait_for_leader() { wait_for "a new leading master" "${2:-30}" has_new_leader "${1:-}"; }

# kill_master NAME: kill -9, as a crash.
kill_master() {
  kill -KILL "${HA_PID[$1]}"
  wait "${HA_PID[$1]}" 2>/dev/null || true
}
