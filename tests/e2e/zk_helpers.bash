# Real ZooKeeper servers for the end-to-end tests (Debian's `zookeeper`
# package), on loopback ports picked free, data under $TEST_DIR/zk-<name>.
# Load after helpers.bash (it needs TEST_DIR, free_port, wait_for and
# STARTED_PIDS): every server's pid goes into STARTED_PIDS, so teardown_work_dir
# stops it even when the test fails.
#
#   skip_without_zookeeper
#   zk_start                  # ZK_PORT, ZK_PID, ZK_CONNECT=127.0.0.1:PORT
#   ... --master "zk://$ZK_CONNECT/clusterctl" ...
#   zk_restart                # the same port and data
#   zk_ensemble_start         # three nodes: ZK_CONNECT=h:p1,h:p2,h:p3, ZK_PIDS[1..3]
#   zk_ensemble_stop_node 2; zk_ensemble_start_node 2
#
# The JVM is started directly (not through zkServer.sh), so the pid held is
# the server's.

ZK_JAVA=/usr/bin/java
ZK_JAR=/usr/share/java/zookeeper.jar
ZK_START_SECONDS=${ZK_START_SECONDS:-60}
ZK_PIDS=()

zk_available() { [ -r "$ZK_JAR" ] && [ -x "$ZK_JAVA" ]; }

skip_without_zookeeper() {
  zk_available || skip "the zookeeper package is not installed (no $ZK_JAR)"
}

# _zk_write_config DIR CLIENT_PORT [EXTRA_LINES]: short ticks (500 ms), so that
# session timeouts of 1-4 s are allowed.
_zk_write_config() {
  local dir=$1 port=$2 extra=${3:-}
  mkdir -p "$dir/data"
  cat >"$dir/zoo.cfg" <<EOF
tickTime=500
initLimit=20
syncLimit=10
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
minSessionTimeout=1000
maxSessionTimeout=60000
4lw.commands.whitelist=srvr,ruok
$extra
EOF
}

# _zk_port DIR: the client port of the server configured in DIR.
_zk_port() { sed -n 's/^clientPort=//p' "$1/zoo.cfg"; }

# Whether the server on PORT answers `srvr` as a serving member.
zk_serving() {
  "$PYTHON" - "$1" <<'EOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
    s.settimeout(1)
    s.sendall(b"srvr")
    answer = b""
    while True:
        chunk = s.recv(1024)
        if not chunk:
            break
        answer += chunk
    sys.exit(0 if b"Mode: " in answer else 1)
except OSError:
    sys.exit(1)
EOF
}

# _zk_launch DIR: starts the JVM of the server configured in DIR (pid in
# DIR/pid and STARTED_PIDS; output appended to DIR/server.log).
_zk_launch() {
  local dir=$1
  "$ZK_JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
    -Dzookeeper.jmx.log4j.disable=true "-Dzookeeper.log.dir=$dir" \
    -cp "/etc/zookeeper/conf:$ZK_JAR" org.apache.zookeeper.server.quorum.QuorumPeerMain \
    "$dir/zoo.cfg" >>"$dir/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/pid"
  STARTED_PIDS+=("$pid")
}

# _zk_wait DIR: until the server serves (bounded), or fails with its log.
_zk_wait() {
  local dir=$1 port
  port=$(_zk_port "$dir")
  if ! wait_for "ZooKeeper in $dir" "$ZK_START_SECONDS" zk_serving "$port"; then
    tail -n 20 "$dir/server.log" >&2
    return 1
  fi
}

# _zk_kill DIR: SIGTERM, SIGKILL after 5 s, reaped.
_zk_kill() {
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}

# zk_start [NAME]: a standalone server (default name "zk"). Starting a NAME
# again reuses its port and data. Sets ZK_PORT, ZK_PID, ZK_CONNECT.
zk_start() {
  local dir=$TEST_DIR/zk-${1:-zk}
  [ -f "$dir/zoo.cfg" ] || _zk_write_config "$dir" "$(free_port)"
  _zk_launch "$dir"
  ZK_PID=$(cat "$dir/pid")
  ZK_PORT=$(_zk_port "$dir")
  ZK_CONNECT=127.0.0.1:$ZK_PORT
  _zk_wait "$dir"
}

# zk_stop [NAME]
zk_stop() { _zk_kill "$TEST_DIR/zk-${1:-zk}"; }

# zk_restart [NAME]: stops and starts it again on the same port and data.
zk_restart() {
  zk_stop "${1:-zk}"
  zk_start "${1:-zk}"
}

# zk_ensemble_start: three nodes (dirs zk-ens1..3). Sets ZK_CONNECT (the
# comma list) and ZK_PIDS (indexed by node number, 1-3).
zk_ensemble_start() {
  local n servers="" client_ports=()
  for n in 1 2 3; do
    client_ports[n]=$(free_port)
    servers+="server.$n=127.0.0.1:$(free_port):$(free_port)"$'\n'
  done
  ZK_CONNECT=""
  for n in 1 2 3; do
    _zk_write_config "$TEST_DIR/zk-ens$n" "${client_ports[n]}" "$servers"
    echo "$n" >"$TEST_DIR/zk-ens$n/data/myid"
    ZK_CONNECT+="${ZK_CONNECT:+,}127.0.0.1:${client_ports[n]}"
  done
  for n in 1 2 3; do
    _zk_launch "$TEST_DIR/zk-ens$n"
    ZK_PIDS[n]=$(cat "$TEST_DIR/zk-ens$n/pid")
  done
  for n in 1 2 3; do _zk_wait "$TEST_DIR/zk-ens$n" || return 1; done
}

# zk_ensemble_stop_node N
zk_ensemble_stop_node() {
  _zk_kill "$TEST_DIR/zk-ens$1"
  ZK_PIDS[$1]=""
}

# zk_ensemble_start_node N: starts node N again and waits until it serves
# (it needs a quorum: at least two nodes up).
zk_ensemble_start_node() {
  _zk_launch "$TEST_DIR/zk-ens$1"
  ZK_PIDS[$1]=$(cat "$TEST_DIR/zk-ens$1/pid")
  _zk_wait "$TEST_DIR/zk-ens$1"
}
