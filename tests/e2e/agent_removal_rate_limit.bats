#!/usr/bin/env bats
# --agent-removal-rate-limit: agents lost together are marked unreachable one
# at a time, spaced by the limit.

load helpers

setup() {
  setup_work_dir
  start_master --agent-ping-timeout 200ms --max-agent-ping-timeouts 2 \
    --agent-removal-rate-limit 1/2s
  AGENTS=()
  local i
  for i in 1 2 3; do
    start_agent "agent$i" --resources 'cpus:1;mem:128'
    AGENTS+=("$AGENT_PID")
  done
  wait_for_agents 3
}

teardown() {
  local pid
  for pid in "${AGENTS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  teardown_work_dir
}

unreachable_agents() {
  "$CLUSTERCTL_BIN" agents --json |
    json_get "sum(1 for a in d['agents'] if a['state'] == 'unreachable')"
}

@test "agents lost together are marked unreachable no faster than the limit" {
  kill -STOP "${AGENTS[@]}"
  local start now count seen=0 times=()
  start=$(date +%s.%N)
  while [ "$seen" -lt 3 ]; do
    now=$(date +%s.%N)
    if "$PYTHON" -c "import sys; sys.exit(0 if $now - $start > 20 else 1)"; then
      echo "only $seen of 3 agents unreachable after 20s"
      return 1
    fi
    count=$(unreachable_agents)
    while [ "$seen" -lt "$count" ]; do
      times+=("$now")
      seen=$((seen + 1))
    done
    sleep 0.1
  done
  # One every 2 s: the first at once, the next two about 2 s apart.
  "$PYTHON" -c "
import sys
t = [float(x) for x in sys.argv[1:]]
gaps = [b - a for a, b in zip(t, t[1:])]
assert all(g >= 1.6 for g in gaps), gaps
print(gaps)" "${times[@]}"
  grep -q "waits for --agent-removal-rate-limit 1/2s" "$TEST_DIR/master.log"
}
