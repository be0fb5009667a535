#!/usr/bin/env bash
# The main job: installs dependencies, builds, starts a local master and agent
# in the background, and runs a task through them with `clusterctl execute`.
# The daemons keep running afterwards; their pids and logs are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BIN=$PWD/build/bin/clusterctl
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/clusterctl-demo.XXXXXX)}
mkdir -p "$RUN_DIR"
MASTER_PORT=${MASTER_PORT:-5050}
AGENT_PORT=${AGENT_PORT:-5051}

"$BIN" master --listen "127.0.0.1:$MASTER_PORT" --work-dir "$RUN_DIR/master" \
  >"$RUN_DIR/master.log" 2>&1 &
echo $! >"$RUN_DIR/master.pid"
"$BIN" agent --master "127.0.0.1:$MASTER_PORT" --listen "127.0.0.1:$AGENT_PORT" \
  --work-dir "$RUN_DIR/agent" --resources 'cpus:2;mem:1024;disk:2048;ports:[31000-32000]' \
  --attributes 'rack:r1' >"$RUN_DIR/agent.log" 2>&1 &
echo $! >"$RUN_DIR/agent.pid"

export CLUSTERCTL_MASTER=127.0.0.1:$MASTER_PORT
for _ in $(seq 50); do
  "$BIN" agents --json 2>/dev/null | grep -q '"state": "active"' && break
  sleep 0.1
done
set +e
"$BIN" execute --name hello --command 'echo "hello from $CLUSTERCTL_TASK_ID"; exit 3' \
  --resources 'cpus:0.1;mem:32'
code=$?
set -e
echo "execute exited with $code (the task's own exit code)"
"$BIN" tasks
"$BIN" agents
echo
echo "master pid $(cat "$RUN_DIR/master.pid"), agent pid $(cat "$RUN_DIR/agent.pid"); logs in $RUN_DIR"
echo "stop them with: kill $(cat "$RUN_DIR/master.pid") $(cat "$RUN_DIR/agent.pid")"
