#!/usr/bin/env bash
# Prints how long `clusterctl execute --command true` takes end to end on an
# idle local cluster (master + one agent on loopback): subscribe, offer,
# accept, executor spawn, task run, status updates, exit.
# Usage: bench/execute_latency.sh [RUNS]   (default 20)
set -euo pipefail
RUNS=${1:-20}
BIN=${CLUSTERCTL_BIN:-$(dirname "$0")/../build/bin/clusterctl}
DIR=$(mktemp -d /tmp/clusterctl-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

"$BIN" master --listen 127.0.0.1:0 --work-dir "$DIR/master" --log-level warning 2>"$DIR/master.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$DIR/master/master.address" ] && break; sleep 0.05; done
export CLUSTERCTL_MASTER=$(cat "$DIR/master/master.address")
"$BIN" agent --listen 127.0.0.1:0 --work-dir "$DIR/agent" --resources 'cpus:2;mem:1024' \
  --log-level warning 2>"$DIR/agent.log" &
PIDS+=($!)
for _ in $(seq 100); do
  "$BIN" agents --json 2>/dev/null | grep -q '"state": "active"' && break
  sleep 0.05
done

times=()
for i in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "$BIN" execute --name "bench-$i" --command true 2>/dev/null
  end=$(date +%s%N)
  times+=($(((end - start) / 1000000)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
count=${#sorted[@]}
echo "execute --command true, $count runs on $(nproc) cores:"
echo "  min ${sorted[0]} ms, median ${sorted[$((count / 2))]} ms, p90 ${sorted[$((count * 9 / 10))]} ms, max ${sorted[$((count - 1))]} ms"
