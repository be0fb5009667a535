#!/usr/bin/env bats
# Hostile artifacts against a real agent: archives whose links lead out of the
# sandbox, an archive bomb, an endless body, a body at one byte a second,
# FIFOs and devices as file:// sources, and file:///etc/shadow. Each ends
# with a clear task failure; nothing outside the sandbox is written (a canary
# directory next to the agent's work dir); the agent's memory and the
# sandbox's disk stay bounded; other tasks still start meanwhile. The attacks
# are served by hostile_fetcher.py.

bats_require_minimum_version 1.5.0

load helpers
load hostile_helpers

setup() {
  setup_work_dir
  mkdir -p "$TEST_DIR/www" "$TEST_DIR/canary" "$TEST_DIR/allowed"
  echo untouched >"$TEST_DIR/canary/file"
  # The sandbox is TEST_DIR/agent/agents/A/frameworks/F/executors/E/runs/C:
  # nine directories below TEST_DIR, where the canary is.
  "$PYTHON" "$BATS_TEST_DIRNAME/hostile_fetcher.py" "$TEST_DIR/www" "$TEST_DIR/http.port" \
    "$TEST_DIR/canary" 9 2>"$TEST_DIR/http.log" &
  STARTED_PIDS+=($!)
  wait_for "the hostile HTTP server" 120 test -s "$TEST_DIR/http.port"
  HTTP=http://127.0.0.1:$(cat "$TEST_DIR/http.port")
  start_master
}

teardown() { teardown_work_dir; }

canary_untouched() {
  [ "$(ls -A "$TEST_DIR/canary")" = file ]
  [ "$(cat "$TEST_DIR/canary/file")" = untouched ]
}

# requests_for PATH N: the server has seen at least N requests for PATH.
requests_for() { [ "$(grep -c "GET $1 " "$TEST_DIR/http.log")" -ge "$2" ]; }

# run_task NAME URI [RESOURCES]: runs a task that only needs its URI.
run_task() {
  run --separate-stderr timeout 120 "$CLUSTERCTL_BIN" execute --name "$1" --uri "$2" \
    --resources "${3:-cpus:0.1;mem:32}" --command 'ls -la'
  echo "$stderr"
}

millis() { echo $(($(date +%s%N) / 1000000)); }

@test "archives whose links lead out of the sandbox fail the task and write nothing outside" {
  start_agent agent --resources 'cpus:2;mem:1024;disk:1024'
  wait_for_agents 1
  run_task chain "$HTTP/chain.tar"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (refusing to extract 'chain.tar': entry 'out/escaped': 'out' leads out of the sandbox)"* ]]
  run_task chain-hardlink "$HTTP/chain-hardlink.tar"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (refusing to extract 'chain-hardlink.tar': entry 'h' is a hard link to 'out/file', which is not a file extracted before it from this archive)"* ]]
  # On main this one wrote the task's stdout and the executor's log into the canary.
  run_task stdout-links "$HTTP/stdout.tar"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (refusing to extract 'stdout.tar': entry 'stdout' takes the name of the task's own 'stdout' in the sandbox)"* ]]
  run_task absolute "$HTTP/absolute.tar"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (refusing to extract 'absolute.tar': entry 'abs/escaped': 'abs' leads out of the sandbox)"* ]]
  canary_untouched
  # Nothing is left of either archive in its sandbox.
  [ -z "$(ls -A "$(sandbox_of chain)" | grep -v executor.log)" ]
  [ -z "$(ls -A "$(sandbox_of chain-hardlink)" | grep -v executor.log)" ]
  [ ! -L "$(sandbox_of stdout-links)/stdout" ]
  [ -z "$(ls -A "$(sandbox_of absolute)" | grep -v executor.log)" ]
}

@test "an archive bomb stops at the task's disk, and its sandbox stays small" {
  start_agent agent --resources 'cpus:2;mem:1024;disk:1024'
  wait_for_agents 1
  baseline_of "$AGENT_PID"
  local start
  start=$(millis)
  run_task bomb "$HTTP/bomb.tar.gz" 'cpus:0.1;mem:32;disk:64'
  echo "# the task failed $(($(millis) - start)) ms after execute started" >&3
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot extract 'bomb.tar.gz': more than 64MB (the task's disk))"* ]]
  local used
  used=$(du -sk "$TEST_DIR/agent/agents" | cut -f1)
  echo "# disk used by the sandboxes afterwards: ${used} KiB" >&3
  [ "$used" -lt 1024 ]
  wait_near_baseline "$AGENT_PID"
}

@test "an endless body stops at --fetcher-max-size and leaves no partial file" {
  start_agent agent --resources 'cpus:2;mem:1024' --fetcher-max-size 32MB \
    --fetcher-cache-dir "$TEST_DIR/cache"
  wait_for_agents 1
  baseline_of "$AGENT_PID"
  local start
  start=$(millis)
  run_task endless "$HTTP/endless"
  echo "# the task failed $(($(millis) - start)) ms after execute started" >&3
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot fetch '$HTTP/endless': more than 32MB (--fetcher-max-size))"* ]]
  [ -z "$(ls -A "$(sandbox_of endless)" | grep -v executor.log)" ]
  # Through the cache: no partial entry is kept either.
  run_task endless-cached "$HTTP/endless,cache,output=data"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"more than 32MB (--fetcher-max-size)"* ]]
  [ -z "$(ls -A "$TEST_DIR/cache")" ]
  wait_near_baseline "$AGENT_PID"
  execute_works
}

@test "bodies at one byte a second end at --fetcher-timeout while other tasks still start" {
  start_agent agent --resources 'cpus:4;mem:1024' --fetcher-timeout 8s
  wait_for_agents 1
  local i pids=()
  # As many slow fetches as the agent has fetcher threads.
  for i in 1 2 3 4; do
    timeout 120 "$CLUSTERCTL_BIN" execute --name "slow-$i" --uri "$HTTP/trickle" \
      --resources 'cpus:0.1;mem:32' --command true >"$TEST_DIR/slow-$i.out" 2>&1 &
    pids+=($!)
  done
  STARTED_PIDS+=("${pids[@]}")
  wait_for "four fetches in progress" 30 requests_for /trickle 4
  execute_works during-slow-fetches
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" || true
    grep -q "FAILED: fetch failed (cannot fetch '$HTTP/trickle': fetch timed out after 8s (--fetcher-timeout))" \
      "$TEST_DIR/slow-$i.out"
  done
  execute_works after-slow-fetches
}

@test "file:///etc/shadow is refused by default" {
  start_agent agent --resources 'cpus:4;mem:1024'
  wait_for_agents 1
  run_task shadow file:///etc/shadow
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot fetch 'file:///etc/shadow': this agent fetches no local files; start it with --fetcher-allowed-dirs DIR[,DIR...] to allow files below DIR)"* ]]
  [ ! -e "$(sandbox_of shadow)/shadow" ]
}

@test "below --fetcher-allowed-dirs, FIFOs, devices and links out are refused without blocking" {
  mkfifo "$TEST_DIR/allowed/fifo"
  ln -s /etc/shadow "$TEST_DIR/allowed/shadow"
  start_agent agent --resources 'cpus:4;mem:1024' --fetcher-allowed-dirs "$TEST_DIR/allowed,/dev"
  wait_for_agents 1
  local i pids=()
  for i in 1 2 3 4; do  # one for each fetcher thread: none may block
    timeout 60 "$CLUSTERCTL_BIN" execute --name "fifo-$i" --uri "file://$TEST_DIR/allowed/fifo" \
      --resources 'cpus:0.1;mem:32' --command true >"$TEST_DIR/fifo-$i.out" 2>&1 &
    pids+=($!)
  done
  STARTED_PIDS+=("${pids[@]}")
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" || true
    grep -q "it is a FIFO; only regular files are fetched" "$TEST_DIR/fifo-$i.out"
  done
  run_task zero file:///dev/zero
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"cannot fetch 'file:///dev/zero': it is a device; only regular files are fetched"* ]]
  run_task link-out "file://$TEST_DIR/allowed/shadow"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"leads out of '$TEST_DIR/allowed'"* ]]
  run_task outside file:///etc/shadow
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"'/etc/shadow' is not below a directory of --fetcher-allowed-dirs ($TEST_DIR/allowed, /dev)"* ]]
  execute_works
}
