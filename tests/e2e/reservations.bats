#!/usr/bin/env bats
# Reservations through the real daemons: static ones from an agent's
# --resources, dynamic ones by an operator (clusterctl reserve/unreserve) and
# by a framework in an accept; dynamic ones survive a master restart.

bats_require_minimum_version 1.5.0

load helpers
load allocation_helpers

setup() { setup_work_dir; }
teardown() { teardown_work_dir; }

# offer_of ROLE: the resources offered to ROLE, as text ("cpus:2;mem:1024").
offer_of() {
  "$CLUSTERCTL_BIN" offers | awk -v role="$1" '$4 == role { print $5 }'
}

has_offer_for() { [ -n "$(offer_of "$1")" ]; }

agent_id() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['id']"; }

# agent_total NAME: the agent's total of NAME ("cpus(analytics)"), or 0.
agent_total() {
  "$CLUSTERCTL_BIN" agents --json | json_get "'%g' % d['agents'][0]['resources']['total'].get('$1', 0)"
}

@test "static reservations are offered only to their role and its sub-roles" {
  start_master
  start_agent agent --resources 'cpus(analytics):2;mem(analytics):1024;cpus:2;mem:1024'
  wait_for_agents 1
  start_holder batch batch
  wait_for "an offer to batch" 10 has_offer_for batch
  [ "$(offer_of batch)" = "cpus:2;mem:1024" ]
  start_holder reports analytics/reports
  wait_for "an offer to analytics/reports" 10 has_offer_for analytics/reports
  [ "$(offer_of analytics/reports)" = "cpus(analytics):2;mem(analytics):1024" ]
  run bash -c "'$CLUSTERCTL_BIN' roles --json | $PYTHON -c '
import json, sys
roles = {r[\"role\"]: r for r in json.load(sys.stdin)[\"roles\"]}
assert roles[\"analytics\"][\"reserved\"] == {\"cpus\": 2, \"mem\": 1024}, roles
assert roles[\"analytics/reports\"][\"parent\"] == \"analytics\", roles
assert roles[\"analytics\"][\"allocated\"] == {\"cpus\": 2, \"mem\": 1024}, roles
print(\"ok\")'"
  [ "$output" = ok ]
}

@test "operator reservations are checked, survive a master restart and can be undone" {
  start_master
  start_agent agent --resources 'cpus:4;mem:4096'
  wait_for_agents 1
  local id
  id=$(agent_id)
  run "$CLUSTERCTL_BIN" reserve "$id" 'cpus(analytics):1;mem(analytics):512'
  [ "$status" -eq 0 ]
  [[ "$output" == "reserved cpus(analytics):1;mem(analytics):512 on agent $id" ]]
  [ "$(agent_total 'cpus(analytics)')" = 1 ]
  [ "$(agent_total cpus)" = 3 ]
  # Bad input: a clear line, nothing changed.
  run --separate-stderr "$CLUSTERCTL_BIN" reserve "$id" 'cpus:1'
  [ "$status" -eq 2 ]
  [[ "${stderr_lines[0]}" == *"names no role"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" reserve agent-nobody 'cpus(analytics):1'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"agent agent-nobody is not registered"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" reserve "$id" 'cpus(analytics):100'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"does not have cpus:100 unreserved and unused"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" unreserve "$id" 'cpus(analytics):2'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"is not dynamically reserved"* ]]
  [ "$(agent_total 'cpus(analytics)')" = 1 ]
  # The registry keeps it: a new master applies it when the agent comes back.
  restart_master
  wait_for "the agent back" 20 has_active_agents 1
  [ "$(agent_id)" = "$id" ]
  [ "$(agent_total 'cpus(analytics)')" = 1 ]
  [ "$(agent_total 'mem(analytics)')" = 512 ]
  run "$CLUSTERCTL_BIN" unreserve "$id" 'cpus(analytics):1;mem(analytics):512'
  [ "$status" -eq 0 ]
  [ "$(agent_total 'cpus(analytics)')" = 0 ]
  [ "$(agent_total cpus)" = 4 ]
}

@test "a framework reserves through accept; the reservation is stored and offered to its role" {
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  run timeout 20 "$PYTHON" "$FRAMEWORK_CLIENT" "$MASTER" reserve analytics \
    '{"cpus(analytics)": 1, "mem(analytics)": 256}'
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  [ "$(agent_total 'cpus(analytics)')" = 1 ]
  start_holder batch batch
  wait_for "an offer to batch" 10 has_offer_for batch
  [ "$(offer_of batch)" = "cpus:1;mem:768" ]
  restart_master
  wait_for "the agent back" 20 has_active_agents 1
  [ "$(agent_total 'cpus(analytics)')" = 1 ]
}

# task_resources NAME: the resources of the task named NAME, "cpus(analytics)=0.5 mem=64".
task_resources() {
  "$CLUSTERCTL_BIN" tasks --json | json_get "' '.join('%s=%g' % kv for t in d['tasks'] if t['name'] == '$1' for kv in sorted(t['resources'].items()))"
}

@test "execute in a role runs on resources reserved for it (and its parent) without naming their roles" {
  start_master
  start_agent agent --resources 'cpus(analytics):1;mem(analytics):256;cpus:1;mem:64'
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --role analytics --name own --timeout 10s \
    --resources 'cpus:0.5;mem:128' --command true
  [ "$status" -eq 0 ]
  # Taken from the role's reservation first, not from the unreserved pool.
  [ "$(task_resources own)" = "cpus(analytics)=0.5 mem(analytics)=128" ]
  # A sub-role uses its parent's reservation, topped up with unreserved memory.
  run --separate-stderr "$CLUSTERCTL_BIN" execute --role analytics/reports --name child --timeout 10s \
    --resources 'cpus:0.5;mem:300' --command true
  [ "$status" -eq 0 ]
  [ "$(task_resources child)" = "cpus(analytics)=0.5 mem=44 mem(analytics)=256" ]
  # Another role cannot touch the reservation.
  run --separate-stderr "$CLUSTERCTL_BIN" execute --role batch --name other --timeout 2s \
    --resources 'cpus:1.5' --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"no agent offered cpus:1.5 within 2s"* ]]
}
