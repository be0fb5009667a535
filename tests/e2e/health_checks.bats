#!/usr/bin/env bats
# Task health checks (command, HTTP, TCP) run by the command executor, through
# `clusterctl execute --health-check-*`.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

# A task serving HTTP on PORT for a few seconds, then exiting 0.
http_task() {
  echo "/usr/bin/python3 -m http.server $1 --bind 127.0.0.1 & server=\$!; sleep 3; kill \$server"
}

@test "a passing command check marks the task healthy" {
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name checked \
    --command 'touch ready; sleep 2' --health-check-cmd 'test -e ready' \
    --health-check-interval 200ms
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"is RUNNING (healthy)"* ]]
  [[ "$stderr" == *"is FINISHED"* ]]
  [ "$(task_field checked healthy)" = True ]
}

@test "a task failing its check is killed: KILLED, unhealthy, with the reason" {
  run --separate-stderr timeout 30 "$CLUSTERCTL_BIN" execute --name sick --command 'sleep 60' \
    --health-check-cmd 'exit 1' --health-check-interval 100ms --health-check-grace-period 0s \
    --health-check-max-failures 2 --kill-after 500ms
  [ "$status" -ne 0 ]
  [[ "$stderr" == *"is RUNNING (unhealthy: health check command exited with status 1)"* ]]
  [[ "$stderr" == *"is KILLED: health check failed"* ]]
  [ "$(task_state sick)" = KILLED ]
  [ "$(task_field sick healthy)" = False ]
}

@test "an HTTP check follows the task's own server" {
  local port
  port=$(free_port)
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name web --command "$(http_task "$port")" \
    --health-check-http "$port/" --health-check-interval 200ms --health-check-grace-period 10s
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"is RUNNING (healthy)"* ]]
}

@test "a TCP check passes once the task listens" {
  local port
  port=$(free_port)
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name tcp --command "$(http_task "$port")" \
    --health-check-tcp "$port" --health-check-delay 100ms --health-check-interval 200ms
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"is RUNNING (healthy)"* ]]
}

@test "health check flags are checked before anything runs" {
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name x --command true \
    --health-check-interval 2s
  [ "$status" -eq 2 ]
  [[ "${stderr_lines[0]}" == "clusterctl execute: "*"--health-check-cmd"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name x --command true \
    --health-check-http 99999
  [ "$status" -eq 2 ]
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name x --command true \
    --health-check-cmd true --health-check-tcp 80
  [ "$status" -eq 2 ]
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name x --command true \
    --health-check-cmd true --health-check-max-failures 0
  [ "$status" -eq 2 ]
}
