#!/usr/bin/env bats
# The ZooKeeper helpers the e2e tests use (zk_helpers.bash): a standalone
# server that stops and restarts on its port with its data, and an ensemble
# that keeps serving with one node down.

load helpers
load zk_helpers

setup() {
  setup_work_dir
  skip_without_zookeeper
}

teardown() { teardown_work_dir; }

# zk_mode PORT: standalone, leader or follower (what `srvr` says).
zk_mode() {
  "$PYTHON" - "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"srvr")
answer = b""
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    answer += chunk
for line in answer.decode().splitlines():
    if line.startswith("Mode: "):
        print(line[len("Mode: "):])
EOF
}

@test "a standalone server starts, stops and restarts on the same port" {
  zk_start
  [ "$ZK_CONNECT" = "127.0.0.1:$ZK_PORT" ]
  process_running "$ZK_PID"
  [ "$(zk_mode "$ZK_PORT")" = standalone ]
  local port=$ZK_PORT first_pid=$ZK_PID

  zk_stop
  process_gone "$first_pid"
  ! zk_serving "$port"

  zk_restart
  [ "$ZK_PORT" = "$port" ]
  [ "$ZK_PID" != "$first_pid" ]
  zk_serving "$port"
}

@test "two named servers run side by side" {
  zk_start one
  local one=$ZK_PORT
  zk_start two
  [ "$ZK_PORT" != "$one" ]
  zk_serving "$one"
  zk_serving "$ZK_PORT"
  zk_stop one
  ! zk_serving "$one"
  zk_serving "$ZK_PORT"
}

@test "an ensemble of three serves with one node down and takes it back" {
  zk_ensemble_start
  [ "$(echo "$ZK_CONNECT" | tr ',' '\n' | wc -l)" -eq 3 ]
  local n port ports leader=""
  IFS=, read -ra ports <<<"$ZK_CONNECT"
  for n in 1 2 3; do
    process_running "${ZK_PIDS[n]}"
    port=${ports[n - 1]#127.0.0.1:}
    [ "$(zk_mode "$port")" = leader ] && leader=$n
  done
  [ -n "$leader" ]

  zk_ensemble_stop_node "$leader"
  [ -z "${ZK_PIDS[leader]}" ]
  local other=$((leader % 3 + 1))
  wait_for "a new quorum" 30 zk_serving "${ports[other - 1]#127.0.0.1:}"

  zk_ensemble_start_node "$leader"
  process_running "${ZK_PIDS[leader]}"
  [ "$(zk_mode "${ports[leader - 1]#127.0.0.1:}")" = follower ]
}
