#!/usr/bin/env bats
# ACLs with named principals over RPC: clients authenticate (--principal,
# --secret-file; the exchange is in docs/PROTOCOL.md "Authentication") and the
# master's ACLs allow or deny by who they proved to be. Skipped, saying why,
# while the clients cannot authenticate yet.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  if ! "$CLUSTERCTL_BIN" execute --help 2>&1 | grep -q -- --principal; then
    skip "clients cannot authenticate yet: 'clusterctl execute --help' has no --principal"
  fi
  printf '%s\n' '{"credentials":[{"principal":"alice","secret":"alice-secret"},
    {"principal":"bob","secret":"bob-secret"}]}' >"$TEST_DIR/credentials.json"
  chmod 600 "$TEST_DIR/credentials.json"
  for who in alice bob; do
    printf '%s-secret\n' "$who" >"$TEST_DIR/$who.secret"
    chmod 600 "$TEST_DIR/$who.secret"
  done
}
teardown() { teardown_work_dir; }

acls_file() { printf '%s\n' "$1" >"$TEST_DIR/acls.json"; }

# as WHO COMMAND...: a clusterctl command authenticated as WHO.
as() {
  local who=$1
  shift
  CLUSTERCTL_PRINCIPAL=$who CLUSTERCTL_SECRET_FILE=$TEST_DIR/$who.secret "$CLUSTERCTL_BIN" "$@"
}

start_secure_master() {
  start_master --credentials "$TEST_DIR/credentials.json" --authenticate-frameworks \
    --acls "$TEST_DIR/acls.json" "$@"
}

agent_id() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['id']"; }

@test "register_frameworks by principal: bob may not register in prod, alice may" {
  acls_file '{"permissive": false, "register_frameworks": [
      {"principals": {"values": ["alice"]}, "roles": {"type": "ANY"}},
      {"principals": {"values": ["bob"]}, "roles": {"values": ["dev"]}}],
    "run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "ANY"}}]}'
  start_secure_master
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run --separate-stderr as bob execute --name b --role prod --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"principal 'bob' may not register frameworks in role 'prod' (ACL register_frameworks: no rule matches and \"permissive\" is false)"* ]]
  run as bob execute --name b --role dev --command true
  [ "$status" -eq 0 ]
  run as alice execute --name a --role prod --command true
  [ "$status" -eq 0 ]
}

@test "run_tasks by principal: bob may not run tasks as this user, alice may" {
  acls_file "{\"run_tasks\": [
      {\"principals\": {\"values\": [\"alice\"]}, \"users\": {\"values\": [\"$(id -un)\"]}},
      {\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"NONE\"}}]}"
  start_secure_master
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run as bob execute --name b --command true
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"ERROR"*"principal 'bob' may not run tasks as user '$(id -un)' (ACL run_tasks[1])"* ]]
  run as alice execute --name a --command true
  [ "$status" -eq 0 ]
  [ "$(task_state a)" = FINISHED ]
}

@test "teardown_frameworks, set_quotas, reserve_resources by principal" {
  acls_file '{"teardown_frameworks": [
      {"principals": {"values": ["alice"]}, "framework_principals": {"type": "ANY"}},
      {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}],
    "set_quotas": [{"principals": {"values": ["alice"]}, "roles": {"type": "ANY"}},
                   {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}],
    "reserve_resources": [{"principals": {"values": ["alice"]}, "roles": {"type": "ANY"}},
                          {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}]}'
  start_secure_master
  start_agent agent --resources 'cpus:2;mem:512'
  wait_for_agents 1
  as alice execute --name long --failover-timeout 1h --command "sleep 600" >"$TEST_DIR/execute.out" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "the task to run" 20 task_in_state long RUNNING
  local framework
  framework=$("$CLUSTERCTL_BIN" frameworks --json | json_get "d['frameworks'][0]['id']")
  run --separate-stderr as bob frameworks teardown "$framework"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"principal 'bob' may not tear down frameworks registered by principal 'alice' (ACL teardown_frameworks[1])"* ]]
  [ "$(task_state long)" = RUNNING ]
  run --separate-stderr as bob quota set prod --guarantee cpus:1
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"principal 'bob' may not set quotas of role 'prod' (ACL set_quotas[1])"* ]]
  run as alice quota set prod --guarantee cpus:1
  [ "$status" -eq 0 ]
  run --separate-stderr as bob reserve "$(agent_id)" 'cpus(prod):0.5'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"principal 'bob' may not reserve resources for role 'prod' (ACL reserve_resources[1])"* ]]
  run as alice reserve "$(agent_id)" 'cpus(prod):0.5'
  [ "$status" -eq 0 ]
  run as alice frameworks teardown "$framework"
  [ "$status" -eq 0 ]
  wait_for "the task to be killed" 20 task_in_state long KILLED
}
