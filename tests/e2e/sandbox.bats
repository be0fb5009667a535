#!/usr/bin/env bats
# Sandboxes users can read: `clusterctl logs` (all, --stderr, --tail,
# --follow), `clusterctl sandbox ls|cat`, the agent's /files endpoints (and
# nothing outside the sandboxes), rotated stdout, and garbage collection.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  start_master
}

teardown() { teardown_work_dir; }

agent_address() { cat "$TEST_DIR/agent/agent.address"; }

@test "logs prints stdout, stderr and the last lines; sandbox ls and cat show the files" {
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name talk --command \
    'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2; mkdir sub; echo deep > sub/file' \
    2>/dev/null
  local id
  id=$(task_id talk)
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$id"
  [ "$status" -eq 0 ]
  [ "$output" = $'line 1\nline 2\nline 3\nline 4\nline 5' ]
  run --separate-stderr "$CLUSTERCTL_BIN" logs --stderr "${id:0:8}"  # a unique prefix will do
  [ "$status" -eq 0 ]
  [ "$output" = oops ]
  run --separate-stderr "$CLUSTERCTL_BIN" logs --tail 2 "$id"
  [ "$output" = $'line 4\nline 5' ]
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox ls "$id"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *MODE*SIZE*MODIFIED*NAME* ]]
  [[ "$output" == *" stdout"* ]]
  [[ "$output" == *" sub/"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox ls "$id" sub --json
  [[ "$output" == *'"name": "file"'* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox cat "$id" sub/file
  [ "$output" = deep ]
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox cat "$id" nothing-here
  [ "$status" -eq 1 ]
  [[ "$stderr" == "clusterctl sandbox cat: no such file: "*"/nothing-here" ]]
  run --separate-stderr "$CLUSTERCTL_BIN" logs no-such-task
  [ "$status" -eq 1 ]
  [[ "$stderr" == "clusterctl logs: no task 'no-such-task'"* ]]
}

@test "logs --follow prints output as it comes and returns when the task ends" {
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name ticker --command \
    'for i in 1 2 3 4; do echo "tick $i"; sleep 0.4; done' 2>/dev/null &
  STARTED_PIDS+=($!)
  wait_for "task ticker RUNNING" 10 task_in_state ticker RUNNING
  run --separate-stderr timeout 20 "$CLUSTERCTL_BIN" logs --follow "$(task_id ticker)"
  [ "$status" -eq 0 ]
  [ "$output" = $'tick 1\ntick 2\ntick 3\ntick 4' ]
}

@test "/files serves the sandboxes and nothing outside them" {
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name files --command 'echo hello; ln -s /etc/passwd leak' 2>/dev/null
  local sandbox address
  sandbox=$(readlink -f "$(sandbox_of files)")
  address=$(agent_address)
  run curl -s --noproxy '*' "http://$address/files/read?path=$sandbox/stdout&offset=1&length=3"
  [[ "$output" == *'"data": "ell"'* ]]
  run curl -s --noproxy '*' "http://$address/files/browse?path=$sandbox"
  [[ "$output" == *'"name": "stdout"'* ]]
  local code
  for path in /etc/passwd "$sandbox/../../../../../../../../../etc/passwd" "$sandbox/leak"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' -G \
      --data-urlencode "path=$path" "http://$address/files/read")
    [ "$code" -eq 403 ]
  done
}

@test "/files/read answers valid JSON for bytes that are not UTF-8, and logs prints them as they are" {
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name binary --command "printf 'caf\\303\\251 \\377\\376 end'" 2>/dev/null
  local sandbox
  sandbox=$(readlink -f "$(sandbox_of binary)")
  run bash -c "curl -s --noproxy '*' -G --data-urlencode 'path=$sandbox/stdout' \
    'http://$(agent_address)/files/read' | $PYTHON -c 'import json, sys; print(json.load(sys.stdin)[\"data\"])'"
  [ "$status" -eq 0 ]
  [ "$output" = $'caf\u00e9 \ufffd\ufffd end' ]
  # logs reads the bytes themselves (msgpack), not the JSON text.
  "$CLUSTERCTL_BIN" logs "$(task_id binary)" | cmp - "$sandbox/stdout"
}

@test "stdout is rotated past --sandbox-log-max-size, keeping --sandbox-log-keep files" {
  start_agent agent --resources 'cpus:1;mem:256' --sandbox-log-max-size 1KB --sandbox-log-keep 2
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name chatty --command \
    'i=0; while [ $i -lt 200 ]; do echo "line $i of the chatty task"; i=$((i+1)); done'
  [ "$status" -eq 0 ]
  local sandbox
  sandbox=$(sandbox_of chatty)
  [ -f "$sandbox/stdout.1" ] && [ -f "$sandbox/stdout.2" ] && [ ! -e "$sandbox/stdout.3" ]
  [ "$(stat -c %s "$sandbox/stdout")" -le 1024 ]
  [ "$(stat -c %s "$sandbox/stdout.1")" -le 1024 ]
  tail -n 1 "$sandbox/stdout" | grep -qx 'line 199 of the chatty task'
  # Nothing is lost between the files that are kept.
  cat "$sandbox/stdout.2" "$sandbox/stdout.1" "$sandbox/stdout" | awk '{print $2}' |
    "$PYTHON" -c 'import sys; n = [int(l) for l in sys.stdin]; assert n == list(range(n[0], 200)), n'
  run "$CLUSTERCTL_BIN" logs --tail 1 "$(task_id chatty)"
  [ "$output" = 'line 199 of the chatty task' ]
}

@test "sandboxes of finished tasks are removed after --gc-delay" {
  start_agent agent --resources 'cpus:1;mem:256' --gc-delay 1s
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name short --command 'echo bye' 2>/dev/null
  local sandbox id
  sandbox=$(readlink -f "$(sandbox_of short)")
  id=$(task_id short)
  [ -d "$sandbox" ]
  wait_for "the sandbox to be collected" 10 bash -c "[ ! -e '$sandbox' ]"
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$id"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"task $id has no stdout (its sandbox may have been garbage-collected)"* ]]
}

@test "sandboxes go sooner while the disk has less than --gc-disk-headroom free" {
  # A headroom of 1 means never enough free space: finished sandboxes go at once.
  start_agent agent --resources 'cpus:1;mem:256' --gc-delay 1h --gc-disk-headroom 1
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name early --command 'echo bye' 2>/dev/null
  wait_for "the sandbox to be collected" 10 bash -c \
    "[ -z \"\$(ls -d $TEST_DIR/agent/agents/*/frameworks/*/executors/early-* 2>/dev/null)\" ]"
  grep -q 'of the disk is free: removing sandbox' "$TEST_DIR/agent.log"
}
