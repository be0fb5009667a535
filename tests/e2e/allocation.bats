#!/usr/bin/env bats
# The DRF allocator through the real daemons: offers by weight, quota limits,
# offer timeouts, execute in roles, and the allocation metrics in /state.

bats_require_minimum_version 1.5.0

load helpers
load allocation_helpers

setup() { setup_work_dir; }
teardown() { teardown_work_dir; }

# offered ROLE NAME: the amount of NAME offered to ROLE now, summed ("3", "1.5").
offered() {
  "$CLUSTERCTL_BIN" offers --json |
    json_get "'%g' % sum(o['resources'].get('$2', 0) for o in d['offers'] if o['role'] == '$1')"
}

offer_count_is() {
  [ "$("$CLUSTERCTL_BIN" offers --json | json_get "len(d['offers'])")" -eq "$1" ]
}

@test "offers go by weight: with weights 3:1 the heavier role gets three agents of four" {
  start_master --weights 'analytics=3,batch=1'
  start_holder analytics analytics
  start_holder batch batch
  local i
  for i in 1 2 3 4; do start_agent "agent$i" --resources 'cpus:1;mem:256'; done
  wait_for_agents 4
  wait_for "four offers" 10 offer_count_is 4
  [ "$(offered analytics cpus)" = 3 ]
  [ "$(offered batch cpus)" = 1 ]
  run bash -c "'$CLUSTERCTL_BIN' roles --json | $PYTHON -c '
import json, sys
roles = {r[\"role\"]: r for r in json.load(sys.stdin)[\"roles\"]}
a, b = roles[\"analytics\"], roles[\"batch\"]
assert a[\"weight\"] == 3 and b[\"weight\"] == 1, roles
assert a[\"allocated\"][\"cpus\"] == 3 and b[\"allocated\"][\"cpus\"] == 1, roles
assert abs(a[\"share\"] - b[\"share\"]) < 1e-9, roles  # equal weighted shares
assert len(a[\"frameworks\"]) == 1, a
print(\"ok\")'"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "weights set and get, and bad weights are refused" {
  start_master --weights 'batch=2'
  run "$CLUSTERCTL_BIN" weights set analytics=5,eng/ml=0.5
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" weights get
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *ROLE*WEIGHT* ]]
  [[ "$output" == *analytics*5* ]]
  [[ "$output" == *batch*2* ]]
  run bash -c "'$CLUSTERCTL_BIN' weights get --json | $PYTHON -c '
import json, sys
w = {x[\"role\"]: x[\"weight\"] for x in json.load(sys.stdin)[\"weights\"]}
assert w == {\"analytics\": 5, \"batch\": 2, \"eng/ml\": 0.5}, w
print(\"ok\")'"
  [ "$output" = ok ]
  run --separate-stderr "$CLUSTERCTL_BIN" weights set analytics=-1
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"must be a number above 0"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" weights set 'bad role=1'
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"invalid role"* ]]
  run "$CLUSTERCTL_BIN" weights get --json
  [[ "$output" == *'"weight": 5'* ]]
}

@test "two executes in different roles both run, and execute suppresses once placed" {
  start_master --weights 'analytics=3'
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name long --role analytics --resources 'cpus:1;mem:256' \
    --command 'sleep 30' 2>"$TEST_DIR/long.log" &
  STARTED_PIDS+=($!)
  wait_for "task long RUNNING" 10 task_in_state long RUNNING
  run "$CLUSTERCTL_BIN" execute --name short --role batch --resources 'cpus:1;mem:256' \
    --command 'exit 0'
  [ "$status" -eq 0 ]
  # The running execute suppressed its offers: free resources are not offered to it.
  wait_for "no offers" 5 offer_count_is 0
  run bash -c "'$CLUSTERCTL_BIN' tasks --json | $PYTHON -c '
import json, sys
t = {x[\"name\"]: x for x in json.load(sys.stdin)[\"tasks\"]}
assert t[\"long\"][\"role\"] == \"analytics\" and t[\"short\"][\"role\"] == \"batch\", t
print(\"ok\")'"
  [ "$output" = ok ]
}

@test "a quota limit caps what a role is offered, outstanding offers included" {
  start_master
  start_agent agent1 --resources 'cpus:4;mem:4096'
  start_agent agent2 --resources 'cpus:4;mem:4096'
  wait_for_agents 2
  run "$CLUSTERCTL_BIN" quota set analytics --limit 'cpus:1.5;mem:1024'
  [ "$status" -eq 0 ]
  start_holder analytics analytics
  wait_for "an offer" 10 offer_count_is 1
  sleep 1  # further cycles must not add to it
  [ "$(offered analytics cpus)" = 1.5 ]
  [ "$(offered analytics mem)" = 1024 ]
  run bash -c "'$CLUSTERCTL_BIN' quota get analytics --json | $PYTHON -c '
import json, sys
q = json.load(sys.stdin)[\"quotas\"][0]
assert q[\"consumed\"] == {\"cpus\": 1.5, \"mem\": 1024}, q
print(\"ok\")'"
  [ "$output" = ok ]
}

@test "unanswered offers are rescinded after --offer-timeout and offered again" {
  start_master --offer-timeout 1s
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run timeout 20 "$PYTHON" "$FRAMEWORK_CLIENT" "$MASTER" timeout
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run bash -c "curl -sf http://$MASTER/state | $PYTHON -c '
import json, sys
a = json.load(sys.stdin)[\"allocation\"]
assert a[\"offers_rescinded\"] >= 1 and a[\"offers_made\"] >= 2, a
print(\"ok\")'"
  [ "$output" = ok ]
}

@test "/state shows allocation metrics and per-role shares" {
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name one --role analytics --command true
  [ "$status" -eq 0 ]
  run bash -c "curl -sf http://$MASTER/state | $PYTHON -c '
import json, sys
s = json.load(sys.stdin)
a = s[\"allocation\"]
assert s[\"allocator\"].startswith(\"drf \"), s[\"allocator\"]
assert a[\"allocation_runs\"] >= 1 and a[\"p99_cycle_millis\"] > 0, a
assert a[\"offers_made\"] >= 1 and \"offers_declined\" in a, a
roles = {r[\"role\"]: r for r in s[\"allocator_state\"][\"roles\"]}
assert \"analytics\" in roles and \"share\" in roles[\"analytics\"], roles
print(\"ok\")'"
  [ "$output" = ok ]
}

@test "the first-fit allocator still works as a second plugin" {
  start_master --allocator first_fit
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name ff --command true
  [ "$status" -eq 0 ]
  run bash -c "curl -sf http://$MASTER/state | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)[\"allocator\"])'"
  [[ "$output" == "first_fit "* ]]
}
