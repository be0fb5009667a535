#!/usr/bin/env bats
# clusterctl quota set/get/remove against a real master: what is stored, and
# bad input refused with one clear line and nothing changed.

bats_require_minimum_version 1.5.0

load helpers
load allocation_helpers

setup() {
  setup_work_dir
  start_master
  start_agent agent --resources 'cpus:8;mem:8192'
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

quotas_json() { "$CLUSTERCTL_BIN" quota get --json; }

# expect_refused CODE TEXT ARGS...: `clusterctl quota ARGS` exits CODE with one
# line on stderr naming TEXT (plus the usage hint for usage errors).
expect_refused() {
  local code=$1 text=$2
  shift 2
  run --separate-stderr "$CLUSTERCTL_BIN" quota "$@"
  [ "$status" -eq "$code" ]
  [ -z "$output" ]
  [[ "${stderr_lines[0]}" == "clusterctl quota: "*"$text"* ]]
  if [ "$code" -eq 2 ]; then
    [ "${#stderr_lines[@]}" -eq 2 ]
  else
    [ "${#stderr_lines[@]}" -eq 1 ]
  fi
}

@test "quota set, get and remove" {
  run "$CLUSTERCTL_BIN" quota set analytics --guarantee 'cpus:4;mem:4096' --limit 'cpus:8;mem:8192'
  [ "$status" -eq 0 ]
  [[ "$output" == *"quota of analytics set"* ]]
  run "$CLUSTERCTL_BIN" quota get
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *ROLE*GUARANTEE*LIMIT*CONSUMED* ]]
  [[ "${lines[1]}" == *analytics*cpus:4\;mem:4096*cpus:8\;mem:8192* ]]
  run bash -c "'$CLUSTERCTL_BIN' quota get analytics --json | $PYTHON -c '
import json, sys
q = json.load(sys.stdin)[\"quotas\"]
assert q == [{\"role\": \"analytics\", \"guarantee\": {\"cpus\": 4, \"mem\": 4096},
              \"limit\": {\"cpus\": 8, \"mem\": 8192}, \"consumed\": {}}], q
print(\"ok\")'"
  [ "$output" = ok ]
  run "$CLUSTERCTL_BIN" quota remove analytics
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" quota get
  [ "$output" = "No quotas." ]
}

@test "bad quota input is refused with a clear line and nothing changes" {
  "$CLUSTERCTL_BIN" quota set analytics --guarantee 'cpus:2' --limit 'cpus:4'
  local before
  before=$(quotas_json)
  expect_refused 2 "invalid role 'bad role!'" set 'bad role!' --guarantee cpus:1
  expect_refused 2 "'-1' is negative" set analytics --guarantee 'cpus:-1'
  expect_refused 2 "is negative" set analytics --limit 'mem:-5'
  expect_refused 2 "without a role" set analytics --guarantee 'cpus(ops):1'
  expect_refused 2 "invalid role" get 'no//role'
  expect_refused 2 "A subcommand is required"
  expect_refused 1 "give --guarantee, --limit or both" set analytics
  expect_refused 1 "exceeds its limit" set analytics --guarantee 'cpus:5' --limit 'cpus:4'
  expect_refused 1 "default role '*' cannot have a quota" set '*' --guarantee 'cpus:1'
  expect_refused 1 "only scalar resources" set analytics --guarantee 'ports:[1-2]'
  expect_refused 1 "role batch has no quota" get batch
  expect_refused 1 "role batch has no quota" remove batch
  [ "$(quotas_json)" = "$before" ]
}

@test "a quota the cluster cannot meet is refused unless forced" {
  expect_refused 1 "cannot be met" set big --guarantee 'cpus:9'
  run --separate-stderr "$CLUSTERCTL_BIN" quota set small --guarantee 'cpus:4'
  [ "$status" -eq 0 ]
  # 4 + 6 > 8 cpus: together they are more than the cluster has.
  expect_refused 1 "the guarantees add up to cpus:10 but the cluster has cpus:8" \
    set big --guarantee 'cpus:6'
  [[ "${stderr_lines[0]}" == *"--force"* ]]
  run "$CLUSTERCTL_BIN" quota set big --guarantee 'cpus:6' --force
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" quota get --json
  [[ "$output" == *'"role": "big"'* ]]
}

@test "nested quotas must agree: a guarantee under a parent's limit" {
  "$CLUSTERCTL_BIN" quota set eng --limit 'cpus:2'
  expect_refused 1 "exceeds the limit of eng" set eng/ml --guarantee 'cpus:3'
  run "$CLUSTERCTL_BIN" quota set eng/ml --guarantee 'cpus:1'
  [ "$status" -eq 0 ]
  expect_refused 1 "is below the guarantee of eng/ml" set eng --limit 'cpus:0.5'
}

@test "nested quotas must agree: subroles' guarantees add up within their parent's" {
  "$CLUSTERCTL_BIN" quota set eng --guarantee 'cpus:2'
  "$CLUSTERCTL_BIN" quota set eng/a --guarantee 'cpus:1.5'
  expect_refused 1 "the guarantees of eng/a, eng/b add up to cpus:2.5, more than the guarantee of eng (cpus:2)" \
    set eng/b --guarantee 'cpus:1' --force
  [ "$(quotas_json | json_get "sorted(q['role'] for q in d['quotas'])")" = "['eng', 'eng/a']" ]
  run "$CLUSTERCTL_BIN" quota set eng/b --guarantee 'cpus:0.5'
  [ "$status" -eq 0 ]
}

@test "quotas survive a master restart" {
  "$CLUSTERCTL_BIN" quota set analytics --guarantee 'cpus:2' --limit 'cpus:4'
  local before
  before=$(quotas_json)
  restart_master
  wait_for "the master to answer" 10 "$CLUSTERCTL_BIN" quota get
  [ "$(quotas_json)" = "$before" ]
}
