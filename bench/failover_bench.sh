#!/usr/bin/env bash
# Registration and failover figures with emulated agents (build/bin/agent_emulator).
#
# For each agent count: fresh masters, the emulator with that many agents
# (registration time, the leader's resident set), a scheduler
# (bench/failover_framework.py) that gets offers and launches a few tasks
# that stay RUNNING, then kill -9 of the leader, and the times from the kill
# to: a new leader serving (/health answers 200), every agent registered
# again (the emulator's "registered" event of wave 1) and the scheduler's
# first offer after it subscribed again.
#
# HA mode (the default when `clusterctl master` takes --zk): a ZooKeeper
# server (Debian's zookeeper package) and three masters
#   clusterctl master --listen 127.0.0.1:0 --work-dir DIR --zk zk://127.0.0.1:PORT/PATH --quorum 1
# Standalone mode (--standalone, or a binary without --zk): one master,
# killed and restarted on the same address and work directory.
#
# Usage: bench/failover_bench.sh [--standalone] [--sizes "1 100 5000"] [--tasks N]
#                                [--emulator-flags FLAGS] [--keep]
#   --tasks N  tasks launched before the kill (at most one per agent; default 100)
#   --emulator-flags FLAGS  more flags for agent_emulator (default: --register-timeout 10m,
#              so that all agents registering at once measure the master's throughput
#              rather than a storm of retries; "--register-timeout 10s" is a real agent's)
#   --keep     keep the work directory (logs, JSON events) and say where it is
# Environment: BUILD_DIR (default build/ beside bench/), WAIT_SECONDS (bound of
# each wait, default 300), ZK_SESSION_TIMEOUT (the masters' --zk-session-timeout,
# default 2s: a killed leader's session, and so its leadership, lasts that long).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD_DIR:-$HERE/../build}
BIN=$BUILD/bin/clusterctl
EMULATOR=$BUILD/bin/agent_emulator
PYTHON=/usr/bin/python3
ZK_SERVER=/usr/share/zookeeper/bin/zkServer.sh
WAIT_SECONDS=${WAIT_SECONDS:-300}
# How long ZooKeeper waits before it expires a killed leader's session: the
# floor of every failover time below.
ZK_SESSION_TIMEOUT=${ZK_SESSION_TIMEOUT:-2s}

SIZES="1 100 5000"
MODE=
TASKS=100
EMULATOR_FLAGS="--register-timeout 10m"
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --standalone) MODE=standalone ;;
    --sizes) SIZES=$2; shift ;;
    --tasks) TASKS=$2; shift ;;
    --emulator-flags) EMULATOR_FLAGS=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "failover_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in "$BIN" "$EMULATOR"; do
  [ -x "$tool" ] || { echo "failover_bench.sh: $tool is missing: build it (-DCLUSTERCTL_BENCHMARKS=ON)" >&2; exit 1; }
done
if [ -z "$MODE" ]; then
  if "$BIN" master --help 2>/dev/null | grep -q -- '--zk'; then MODE=ha; else MODE=standalone; fi
fi
if [ "$MODE" = ha ] && [ ! -x "$ZK_SERVER" ]; then
  echo "failover_bench.sh: $ZK_SERVER is missing (apt-get install zookeeper)" >&2
  exit 1
fi

# 5,000 agents are 5,000 connections on each side.
ulimit -n "$(ulimit -Hn)"

DIR=$(mktemp -d /tmp/clusterctl-failover.XXXXXX)
PIDS=()  # this round's processes
ZK_PID=
# stop_pids PID...: TERM, up to 5 s, then KILL; each by its pid.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
finish() {
  stop_pids "${PIDS[@]}" $ZK_PID
  if [ "$KEEP" = 1 ]; then echo "work directory: $DIR" >&2; else rm -rf "$DIR"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
# alive PID: running (a child that exited stays a zombie until waited for).
alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${state:0:1}" != Z ]; }
die() { echo "failover_bench.sh: $*" >&2; exit 1; }
free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# A free port below the ephemeral range: agents hammering a dead master's
# ephemeral port may be given that very port for one of their own sockets,
# which stops the master from listening on it again.
low_port() {
  "$PYTHON" -c '
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(100):
    port = random.randrange(max(1024, low - 12000), low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
'
}
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# wait_line FILE REGEX: the first line of FILE matching REGEX, within WAIT_SECONDS.
wait_line() {
  local deadline=$(($(date +%s) + WAIT_SECONDS)) line
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.02
  done
  die "no line matching '$2' in $1 within ${WAIT_SECONDS}s"
}
# wait_event_after FILE EVENT MS: the first JSON line of FILE with that event
# and unix_ms >= MS, within WAIT_SECONDS.
wait_event_after() {
  local deadline=$(($(date +%s) + WAIT_SECONDS)) line
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$("$PYTHON" -c '
import json, sys
for text in open(sys.argv[1]):
    try:
        event = json.loads(text)
    except ValueError:
        continue  # a line being written
    if event.get("event") == sys.argv[2] and event["unix_ms"] >= int(sys.argv[3]):
        print(text.strip())
        break
' "$1" "$2" "$3")
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.1
  done
  die "no $2 event in $1 within ${WAIT_SECONDS}s"
}
# field JSON NAME: a top-level field of a JSON line.
field() { "$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

start_zookeeper() {
  local port
  port=$(free_port)
  mkdir -p "$DIR/zk/data"
  cat >"$DIR/zk/zoo.cfg" <<CFG
tickTime=500
initLimit=10
syncLimit=5
dataDir=$DIR/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
maxClientCnxns=0
CFG
  SERVER_JVMFLAGS=-Xmx256m \
    "$ZK_SERVER" start-foreground "$DIR/zk/zoo.cfg" >"$DIR/zk/server.log" 2>&1 &
  ZK_PID=$!
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { ZK_ADDRESS=127.0.0.1:$port; return; }
    alive "$ZK_PID" || die "ZooKeeper exited; see $DIR/zk/server.log"
    sleep 0.05
  done
  die "ZooKeeper did not open port $port within 30s"
}

# start_master NAME [FLAGS...]: sets MASTER_PID; the address lands in DIR/NAME/master.address.
start_master() {
  local name=$1
  shift
  "$BIN" master --work-dir "$DIR/$name" --max-connections-per-peer 1000000 "$@" \
    2>>"$DIR/$name.log" &
  MASTER_PID=$!
  PIDS+=($MASTER_PID)
}
master_address() {
  for _ in $(seq 600); do
    [ -s "$DIR/$1/master.address" ] && { cat "$DIR/$1/master.address"; return; }
    sleep 0.05
  done
  die "master $1 wrote no address within 30s; see $DIR/$1.log"
}
# restart_master NAME ADDRESS: starts it again on ADDRESS, until it holds the
# port, within WAIT_SECONDS; waits until it serves.
restart_master() {
  local deadline=$(($(date +%s) + WAIT_SECONDS))
  while :; do
    start_master "$1" --listen "$2"
    for _ in $(seq 20); do
      alive "$MASTER_PID" || break
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$2/health")" = 200 ] && return
      sleep 0.02
    done
    if alive "$MASTER_PID"; then serving_master "$2" >/dev/null; return; fi
    grep -q 'Address already in use' "$DIR/$1.log" || die "master $1 did not restart; see $DIR/$1.log"
    [ "$(date +%s)" -lt "$deadline" ] || die "port of $2 still in use after ${WAIT_SECONDS}s"
    sleep 0.05
  done
}
# serving_master ADDRESS...: waits until one of them answers /health with 200; prints it.
serving_master() {
  local deadline=$(($(date +%s) + WAIT_SECONDS)) address
  while [ "$(date +%s)" -lt "$deadline" ]; do
    for address in "$@"; do
      # A standby answers /health too ("standby"); only a leader, or a
      # standalone master, says "ok".
      if curl -s --max-time 1 "http://$address/health" | grep -q '"status":"ok"'; then
        echo "$address"
        return
      fi
    done
    sleep 0.02
  done
  die "no master of $* served /health within ${WAIT_SECONDS}s"
}

ROWS=()
# run_size N: one round; appends a row to ROWS.
run_size() {
  local n=$1 tag=n$1 list leader leader_pid leader_name address names=() pids=() addresses=() i
  local tasks=$((TASKS < n ? TASKS : n))
  if [ "$MODE" = ha ]; then
    for i in 1 2 3; do
      start_master "$tag-m$i" --listen 127.0.0.1:0 --zk "zk://$ZK_ADDRESS/clusterctl-bench-$tag" --quorum 1 \
        --zk-session-timeout "$ZK_SESSION_TIMEOUT"
      names+=("$tag-m$i")
      pids+=("$MASTER_PID")
    done
  else
    start_master "$tag-m1" --listen "127.0.0.1:$(low_port)"
    names+=("$tag-m1")
    pids+=("$MASTER_PID")
  fi
  for i in "${!names[@]}"; do addresses+=("$(master_address "${names[$i]}")"); done
  list=$(IFS=,; echo "${addresses[*]}")
  leader=$(serving_master "${addresses[@]}")
  for i in "${!addresses[@]}"; do
    [ "${addresses[$i]}" = "$leader" ] && { leader_pid=${pids[$i]}; leader_name=${names[$i]}; }
  done

  local events=$DIR/$tag-emulator.jsonl scheduler=$DIR/$tag-scheduler.jsonl
  # shellcheck disable=SC2086 # the flags are words
  "$EMULATOR" --master "$list" --agents "$n" --running-only --id-prefix "bench-$tag" \
    $EMULATOR_FLAGS >"$events" 2>"$DIR/$tag-emulator.log" &
  PIDS+=($!)
  local registered register_ms
  registered=$(wait_line "$events" '"event":"registered","wave":0,')
  register_ms=$(field "$registered" elapsed_ms)
  local rss
  rss=$(rss_mb "$leader_pid")

  "$PYTHON" "$HERE/failover_framework.py" --master "$list" --launch "$tasks" --call-timeout 120 \
    >"$scheduler" 2>"$DIR/$tag-scheduler.log" &
  PIDS+=($!)
  wait_line "$scheduler" '"event": "offers"' >/dev/null
  if [ "$tasks" -gt 0 ]; then
    local deadline=$(($(date +%s) + WAIT_SECONDS))
    until [ "$(grep -c '"state": "RUNNING"' "$scheduler")" -ge "$tasks" ]; do
      [ "$(date +%s)" -lt "$deadline" ] || die "$tasks tasks were not RUNNING within ${WAIT_SECONDS}s"
      sleep 0.05
    done
  fi

  local killed serving_at reregistered offer_at
  kill -KILL "$leader_pid"
  killed=$(now_ms)
  wait "$leader_pid" 2>/dev/null || true  # reaped quietly
  if [ "$MODE" = ha ]; then
    local others=()
    for address in "${addresses[@]}"; do [ "$address" != "$leader" ] && others+=("$address"); done
    leader=$(serving_master "${others[@]}")
  else
    # The same address and work directory: the master recovers its registry.
    # Sockets of the killed master may hold the port for a moment.
    restart_master "$leader_name" "$leader"
  fi
  serving_at=$(now_ms)
  reregistered=$(wait_line "$events" '"event":"registered","wave":1,')
  # The first offers after the scheduler subscribed again.
  offer_at=$(field "$(wait_event_after "$scheduler" offers "$killed")" unix_ms)
  ROWS+=("$(printf '%-10s %7s %6s %12s %8s %11s %13s %15s %15s' "$MODE" "$n" "$tasks" \
    "$register_ms" "$rss" "$((serving_at - killed))" \
    "$(($(field "$reregistered" unix_ms) - killed))" "$(field "$reregistered" elapsed_ms)" \
    "$((offer_at - killed))")")
  stop_pids "${PIDS[@]}"
  PIDS=()
}

[ "$MODE" = ha ] && start_zookeeper
# ZooKeeper outlives the rounds (each uses its own path).
for n in $SIZES; do run_size "$n"; done

echo "$(nproc) cores; times in ms; RSS of the leader once all agents registered"
printf '%-10s %7s %6s %12s %8s %11s %13s %15s %15s\n' mode agents tasks register_ms rss_mb \
  serving_ms reregister_ms reregister_wave first_offer_ms
for row in "${ROWS[@]}"; do echo "$row"; done
echo "serving_ms, reregister_ms, first_offer_ms: from the kill -9 of the leader;"
echo "reregister_wave: from the first agent that lost its master to the last registered again"
