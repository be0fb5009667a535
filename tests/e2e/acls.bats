#!/usr/bin/env bats
# Authorization (--acls) and HTTP Basic (--authenticate-http) against the real
# daemons. Until clients can authenticate over RPC, the RPC checks are shown
# with rules for ANY principal, which an unauthenticated client matches (see
# acls_principals.bats for named principals).

bats_require_minimum_version 1.5.0

load helpers

ACL_CLIENT=$BATS_TEST_DIRNAME/acl_client.py

setup() { setup_work_dir; }
teardown() { teardown_work_dir; }

# acls_file JSON: writes the ACLs to TEST_DIR/acls.json.
acls_file() { printf '%s\n' "$1" >"$TEST_DIR/acls.json"; }

# credentials_file PATH: two principals, alice and bob, mode 600.
credentials_file() {
  printf '%s\n' '{"credentials":[{"principal":"alice","secret":"alice-secret"},
    {"principal":"bob","secret":"bob-secret"}]}' >"$1"
  chmod 600 "$1"
}

agent_id() { "$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['id']"; }

# denials ACTION: the master's count of denials of ACTION (/state "authorization").
denials() {
  curl -sf "http://$MASTER/state" | json_get "d['authorization']['denials_by_action'].get('$1', 0)"
}

# http_status URL [CURL OPTIONS...]: the HTTP status code of a GET.
http_status() {
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' "$@" "$url"
}

@test "a bad --acls file stops the master at start, naming the file and the place in it" {
  acls_file '{"run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "SOMEE"}}]}'
  run --separate-stderr "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --acls "$TEST_DIR/acls.json"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--acls: $TEST_DIR/acls.json: run_tasks[0].users.type: \"SOMEE\" is not one of ANY, NONE, SOME"* ]]
  acls_file '{"run_task": []}'
  run --separate-stderr "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --acls "$TEST_DIR/acls.json"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--acls: $TEST_DIR/acls.json: unknown key \"run_task\""* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --acls "$TEST_DIR/missing.json"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--acls: $TEST_DIR/missing.json: cannot read: No such file or directory"* ]]
}

@test "run_tasks: a task as a user the ACLs do not allow ends ERROR with the reason; an allowed one runs" {
  acls_file "{\"permissive\": false,
    \"register_frameworks\": [{\"principals\": {\"type\": \"ANY\"}, \"roles\": {\"type\": \"ANY\"}}],
    \"run_tasks\": [{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"values\": [\"$(id -un)\"]}}],
    \"view_tasks\": [{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"ANY\"}}]}"
  start_master --acls "$TEST_DIR/acls.json"
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run "$PYTHON" "$ACL_CLIENT" "$MASTER" launch not-a-listed-user
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "ERROR: an unauthenticated client may not run tasks as user 'not-a-listed-user' (ACL run_tasks: no rule matches and \"permissive\" is false)" ]
  [ "$(denials run_tasks)" = 1 ]
  grep -q "denied: an unauthenticated client may not run tasks as user 'not-a-listed-user'" "$TEST_DIR/master.log"
  # The same through execute --user (its default is the caller's user).
  run "$CLUSTERCTL_BIN" execute --user not-a-listed-user --name denied --command true
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"ERROR"*"may not run tasks as user 'not-a-listed-user' (ACL run_tasks"* ]]
  run "$CLUSTERCTL_BIN" execute --name allowed --command true
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(task_state allowed)" = FINISHED ]
}

@test "register_frameworks: a framework in a role the ACLs do not allow is refused" {
  acls_file '{"register_frameworks": [
      {"principals": {"type": "ANY"}, "roles": {"values": ["dev"]}},
      {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}]}'
  start_master --acls "$TEST_DIR/acls.json"
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name in-prod --role prod --command true
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"an unauthenticated client may not register frameworks in role 'prod' (ACL register_frameworks[1])"* ]]
  run "$CLUSTERCTL_BIN" execute --name in-dev --role dev --command true
  [ "$status" -eq 0 ]
  [ "$(denials register_frameworks)" = 1 ]
}

@test "set_quotas, set_weights, reserve_resources: operators are refused for roles the ACLs do not allow" {
  acls_file '{"permissive": false,
    "register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}],
    "set_quotas": [{"principals": {"type": "ANY"}, "roles": {"values": ["dev"]}}],
    "set_weights": [{"principals": {"type": "ANY"}, "roles": {"values": ["dev"]}}],
    "reserve_resources": [{"principals": {"type": "ANY"}, "roles": {"values": ["dev"]}}]}'
  start_master --acls "$TEST_DIR/acls.json"
  start_agent agent --resources 'cpus:2;mem:512'
  wait_for_agents 1
  local id
  id=$(agent_id)
  run --separate-stderr "$CLUSTERCTL_BIN" quota set prod --guarantee cpus:1
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"an unauthenticated client may not set quotas of role 'prod' (ACL set_quotas: no rule matches and \"permissive\" is false)"* ]]
  run "$CLUSTERCTL_BIN" quota set dev --guarantee cpus:1
  [ "$status" -eq 0 ]
  run --separate-stderr "$CLUSTERCTL_BIN" quota remove prod
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"may not set quotas of role 'prod'"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" weights set prod=3
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"an unauthenticated client may not set weights of role 'prod' (ACL set_weights"* ]]
  run "$CLUSTERCTL_BIN" weights set dev=2
  [ "$status" -eq 0 ]
  run --separate-stderr "$CLUSTERCTL_BIN" reserve "$id" 'cpus(prod):1'
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"an unauthenticated client may not reserve resources for role 'prod' (ACL reserve_resources"* ]]
  run "$CLUSTERCTL_BIN" reserve "$id" 'cpus(dev):1'
  [ "$status" -eq 0 ]
  # Nothing denied took effect.
  run "$CLUSTERCTL_BIN" quota get --json
  [[ "$output" != *prod* ]]
  run "$CLUSTERCTL_BIN" weights get --json
  [[ "$output" != *prod* ]]
  # A framework's reserve operation is checked against the same ACL.
  run "$PYTHON" "$ACL_CLIENT" "$MASTER" reserve prod
  echo "$output"
  [ "$output" = "reserve: permission_denied: an unauthenticated client may not reserve resources for role 'prod' (ACL reserve_resources: no rule matches and \"permissive\" is false)" ]
  [ "$(denials set_quotas)" = 2 ]
  [ "$(denials set_weights)" = 1 ]
  [ "$(denials reserve_resources)" = 2 ]
}

@test "kill_tasks and teardown_frameworks: denied kills and teardowns leave the task running" {
  acls_file '{"kill_tasks": [{"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}],
    "teardown_frameworks": [{"principals": {"type": "NONE"}, "framework_principals": {"type": "ANY"}}]}'
  start_master --acls "$TEST_DIR/acls.json"
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$PYTHON" "$ACL_CLIENT" "$MASTER" kill >"$TEST_DIR/kill.out" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "the kill's answer" 20 grep -q kill: "$TEST_DIR/kill.out"
  run cat "$TEST_DIR/kill.out"
  echo "$output"
  [ "$output" = "kill: permission_denied: an unauthenticated client may not kill tasks of frameworks registered by principal '' (ACL kill_tasks[0])" ]
  local framework
  framework=$("$CLUSTERCTL_BIN" frameworks --json | json_get "d['frameworks'][0]['id']")
  run --separate-stderr "$CLUSTERCTL_BIN" frameworks teardown "$framework"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"an unauthenticated client may not tear down frameworks registered by principal '' (ACL teardown_frameworks[0])"* ]]
  [ "$(task_state t1)" = RUNNING ]
  [ "$(denials kill_tasks)" = 1 ]
  [ "$(denials teardown_frameworks)" = 1 ]
}

# sees WHO: the frameworks and running tasks WHO sees in /state (HTTP Basic).
sees() {
  curl -sf -u "$1:$1-secret" "http://$MASTER/state" |
    json_get "len(d['frameworks']), len([t for t in d['tasks'] if t['state'] == 'RUNNING'])"
}

alice_sees_it() { [ "$(sees alice)" = "1 1" ]; }

# rpc_sees WHO: the same through the CLI (state.frameworks and state.tasks), as WHO.
rpc_sees() {
  local frameworks tasks
  frameworks=$(CLUSTERCTL_PRINCIPAL=$1 CLUSTERCTL_SECRET_FILE=$TEST_DIR/$1.secret \
    "$CLUSTERCTL_BIN" frameworks --json | json_get "len(d['frameworks'])")
  tasks=$(CLUSTERCTL_PRINCIPAL=$1 CLUSTERCTL_SECRET_FILE=$TEST_DIR/$1.secret \
    "$CLUSTERCTL_BIN" tasks --json | json_get "len(d['tasks'])")
  echo "$frameworks $tasks"
}

@test "view_tasks and view_frameworks hide what the viewer may not see" {
  acls_file '{"view_tasks": [{"principals": {"values": ["alice"]}, "users": {"type": "ANY"}},
                             {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
    "view_frameworks": [{"principals": {"values": ["alice"]}, "users": {"type": "ANY"}},
                        {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]}'
  credentials_file "$TEST_DIR/credentials.json"
  for who in alice bob; do
    printf '%s-secret\n' "$who" >"$TEST_DIR/$who.secret"
    chmod 600 "$TEST_DIR/$who.secret"
  done
  # Operator calls need an authenticated connection with --authenticate-http.
  export CLUSTERCTL_PRINCIPAL=alice CLUSTERCTL_SECRET_FILE=$TEST_DIR/alice.secret
  start_master --acls "$TEST_DIR/acls.json" --credentials "$TEST_DIR/credentials.json" --authenticate-http
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name hidden --command "sleep 600" >"$TEST_DIR/execute.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "alice to see the task running" 20 alice_sees_it
  [ "$(sees bob)" = "0 0" ]
  [ "$(rpc_sees alice)" = "1 1" ]
  [ "$(rpc_sees bob)" = "0 0" ]
  # Hidden is not denied: nothing is counted.
  [ "$(curl -sf -u alice:alice-secret "http://$MASTER/state" | json_get "d['authorization']['denials']")" = 0 ]
}

@test "--authenticate-http: the master's /state needs HTTP Basic, /health stays open" {
  credentials_file "$TEST_DIR/credentials.json"
  start_master --credentials "$TEST_DIR/credentials.json" --authenticate-http
  [ "$(http_status "http://$MASTER/health")" = 200 ]
  [ "$(http_status "http://$MASTER/state")" = 401 ]
  curl -s -D "$TEST_DIR/headers" -o "$TEST_DIR/body" "http://$MASTER/state" || true
  grep -qi '^WWW-Authenticate: Basic realm="clusterctl"' "$TEST_DIR/headers"
  [[ "$(cat "$TEST_DIR/body")" == *"this endpoint needs HTTP Basic authentication (--authenticate-http)"* ]]
  [ "$(http_status "http://$MASTER/state" -u alice:wrong)" = 401 ]
  [ "$(http_status "http://$MASTER/state" -u nobody:alice-secret)" = 401 ]
  [ "$(http_status "http://$MASTER/state" -u alice:alice-secret)" = 200 ]
  [ "$(http_status "http://$MASTER/state" -H 'Authorization: Bearer x')" = 401 ]
  # Without the flag, /state is open as before.
  stop_started
  start_master
  [ "$(http_status "http://$MASTER/state")" = 200 ]
}

@test "--authenticate-http needs a credentials store, which must not be readable by others" {
  run --separate-stderr "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --authenticate-http
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"--authenticate-http need --credentials FILE"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" agent --master 127.0.0.1:1 --listen 127.0.0.1:0 \
    --work-dir "$TEST_DIR/agent" --authenticate-http
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--authenticate-http requires --http-credentials"* ]]
  credentials_file "$TEST_DIR/credentials.json"
  chmod 644 "$TEST_DIR/credentials.json"
  run --separate-stderr "$CLUSTERCTL_BIN" agent --master 127.0.0.1:1 --listen 127.0.0.1:0 \
    --work-dir "$TEST_DIR/agent" --authenticate-http --http-credentials "$TEST_DIR/credentials.json"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"has mode 0644: it must not be readable by group or others (chmod 600 $TEST_DIR/credentials.json)"* ]]
}

@test "--authenticate-http on the agent: /files and /state need HTTP Basic, /health stays open" {
  credentials_file "$TEST_DIR/credentials.json"
  start_master
  start_agent agent --resources 'cpus:1;mem:256' --authenticate-http \
    --http-credentials "$TEST_DIR/credentials.json"
  wait_for_agents 1
  local agent root
  agent=$(cat "$TEST_DIR/agent/agent.address")
  [ "$(http_status "http://$agent/health")" = 200 ]
  [ "$(http_status "http://$agent/state")" = 401 ]
  [ "$(http_status "http://$agent/state" -u bob:alice-secret)" = 401 ]
  root=$(curl -sf -u bob:bob-secret "http://$agent/state" | json_get "d['sandbox_root']")
  [ -n "$root" ]
  [ "$(http_status "http://$agent/files/browse?path=$root")" = 401 ]
  # Past authentication: the agent answers (no sandboxes yet).
  [ "$(http_status "http://$agent/files/browse?path=$root" -u alice:alice-secret)" = 404 ]
  curl -s -D "$TEST_DIR/headers" -o /dev/null "http://$agent/files/read?path=$root/x" || true
  grep -qi '^WWW-Authenticate: Basic realm="clusterctl"' "$TEST_DIR/headers"
}

@test "access_sandboxes on the agent: /files of a sandbox only for principals allowed for its user" {
  credentials_file "$TEST_DIR/credentials.json"
  acls_file "{\"access_sandboxes\": [
      {\"principals\": {\"values\": [\"alice\"]}, \"users\": {\"type\": \"ANY\"}},
      {\"principals\": {\"values\": [\"bob\"]}, \"users\": {\"values\": [\"*\"]}},
      {\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"NONE\"}}]}"
  start_master
  start_agent agent --resources 'cpus:1;mem:256' --authenticate-http \
    --http-credentials "$TEST_DIR/credentials.json" --acls "$TEST_DIR/acls.json"
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name talker --command "echo secret-output"
  [ "$status" -eq 0 ]
  local agent sandbox
  agent=$(cat "$TEST_DIR/agent/agent.address")
  sandbox=$(cd "$(sandbox_of talker)" && pwd -P)
  curl -sf -u alice:alice-secret "http://$agent/files/read?path=$sandbox/stdout" >"$TEST_DIR/read.json"
  [[ "$(cat "$TEST_DIR/read.json")" == *secret-output* ]]
  run curl -s -w '\n%{http_code}' -u bob:bob-secret "http://$agent/files/read?path=$sandbox/stdout"
  echo "$output"
  [ "${lines[-1]}" = 403 ]
  [[ "$output" == *"principal 'bob' may not access sandboxes of tasks running as user '$(id -un)' (ACL access_sandboxes[2])"* ]]
  # bob may list what is above the sandboxes (user "*"), not read in them.
  [ "$(http_status "http://$agent/files/browse?path=$(dirname "$sandbox")" -u bob:bob-secret)" = 200 ]
  [ "$(http_status "http://$agent/files/browse?path=$sandbox/../$(basename "$sandbox")" -u alice:alice-secret)" = 403 ]
  # The CLI reads sandboxes as CLUSTERCTL_PRINCIPAL with CLUSTERCTL_SECRET_FILE.
  local task
  task=$(task_id talker)
  for who in alice bob; do
    printf '%s-secret\n' "$who" >"$TEST_DIR/$who.secret"
    chmod 600 "$TEST_DIR/$who.secret"
  done
  run --separate-stderr "$CLUSTERCTL_BIN" logs "$task"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"needs HTTP Basic authentication: set CLUSTERCTL_PRINCIPAL and CLUSTERCTL_SECRET_FILE"* ]]
  run --separate-stderr env CLUSTERCTL_PRINCIPAL=bob CLUSTERCTL_SECRET_FILE="$TEST_DIR/bob.secret" \
    "$CLUSTERCTL_BIN" logs "$task"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"principal 'bob' may not access sandboxes of tasks running as user '$(id -un)' (ACL access_sandboxes[2])"* ]]
  run --separate-stderr env CLUSTERCTL_PRINCIPAL=alice CLUSTERCTL_SECRET_FILE="$TEST_DIR/alice.secret" \
    "$CLUSTERCTL_BIN" logs "$task"
  [ "$status" -eq 0 ]
  [ "$output" = secret-output ]
}
