#!/usr/bin/env bats
# Authentication (docs/PROTOCOL.md, "Authentication"): authenticator plugins
# (CRAM-MD5, SCRAM-SHA-256 through Cyrus SASL), the master's --authenticate-*
# flags, credentials files, id takeover by principal, and a master without
# authentication saying so.

load helpers

setup() {
  setup_work_dir
  mkdir -p "$TEST_DIR/secrets"
  # The master's store, the agents' credentials and the clients' secrets.
  write_secret store.json \
    '{"credentials":[{"principal":"fw","secret":"fw-secret"},{"principal":"other","secret":"other-secret"},{"principal":"agent-a","secret":"agent-a-secret"},{"principal":"agent-b","secret":"agent-b-secret"},{"principal":"ops","secret":"ops-secret"}]}'
  write_secret agent-a.json '{"principal":"agent-a","secret":"agent-a-secret"}'
  write_secret agent-b.json '{"principal":"agent-b","secret":"agent-b-secret"}'
  write_secret fw 'fw-secret'
  write_secret other 'other-secret'
  write_secret ops 'ops-secret'
  write_secret wrong 'not-the-secret'
  write_secret agent-b 'agent-b-secret'
}

teardown() { teardown_work_dir; }

# write_secret NAME TEXT: TEST_DIR/secrets/NAME, readable by its owner only.
write_secret() {
  printf '%s\n' "$2" >"$TEST_DIR/secrets/$1"
  chmod 600 "$TEST_DIR/secrets/$1"
}

secret() { echo "$TEST_DIR/secrets/$1"; }

# start_secure_master [FLAGS...]: frameworks and agents must authenticate.
start_secure_master() {
  start_master --authenticate-frameworks --authenticate-agents --credentials "$(secret store.json)" "$@"
}

health() { "$PYTHON" -c '
import sys, urllib.request
print(urllib.request.urlopen("http://" + sys.argv[1] + "/health", timeout=5).read().decode())' "$MASTER"; }

@test "a master without authentication warns at start and says so in /health" {
  start_master
  run health
  [ "$status" -eq 0 ]
  [[ "$output" == *'"status":"ok"'* ]]
  [[ "$output" == *'"authentication":"off"'* ]]
  grep -q "authentication is off: anyone who can reach" "$TEST_DIR/master.log"
}

@test "an authenticating master says authentication is on in /health" {
  start_secure_master
  run health
  [[ "$output" == *'"authentication":"on"'* ]]
  ! grep -q "authentication is off" "$TEST_DIR/master.log"
}

@test "an unauthenticated framework and agent are refused" {
  start_secure_master
  start_agent agent --resources 'cpus:1;mem:256'
  wait_for "the agent's refusal" 10 grep -q "authenticate first: this master requires agents to authenticate (--authenticate-agents); give the agent --credential FILE" "$TEST_DIR/agent.log"
  [ "$(active_agents)" -eq 0 ]
  run "$CLUSTERCTL_BIN" execute --name plain --command true --timeout 5s
  [ "$status" -eq 1 ]
  [[ "$output" == *"refused the subscription: authenticate first: this master requires frameworks to authenticate (--authenticate-frameworks); give --principal and --secret-file"* ]]
}

@test "right secrets run a task with CRAM-MD5 and SCRAM-SHA-256; a wrong one is refused" {
  for mechanism in crammd5 scram-sha256; do
    stop_started
    rm -rf "$TEST_DIR/master" "$TEST_DIR/agent"
    start_secure_master --authenticators "$mechanism"
    start_agent agent --resources 'cpus:1;mem:256' --credential "$(secret agent-a.json)"
    wait_for_agents 1
    run "$CLUSTERCTL_BIN" execute --name "ok-$mechanism" --command true \
      --principal fw --secret-file "$(secret fw)"
    echo "$mechanism: $output"
    [ "$status" -eq 0 ]
    [[ "$output" == *FINISHED* ]]
    # Defaults from the environment.
    CLUSTERCTL_PRINCIPAL=fw CLUSTERCTL_SECRET_FILE="$(secret fw)" \
      run "$CLUSTERCTL_BIN" execute --name "env-$mechanism" --command true
    [ "$status" -eq 0 ]
    local started=$SECONDS
    run "$CLUSTERCTL_BIN" execute --name "bad-$mechanism" --command true \
      --principal fw --secret-file "$(secret wrong)"
    [ "$status" -eq 1 ]
    local name
    name=$([ "$mechanism" = crammd5 ] && echo CRAM-MD5 || echo SCRAM-SHA-256)
    [[ "$output" == *"refused the connection: authentication of principal 'fw' failed ($name): wrong principal or secret"* ]]
    # The refusal comes after the delay against guessing.
    [ $((SECONDS - started)) -ge 1 ]
    grep -q "authentication of principal 'fw' from 127.0.0.1:[0-9]* failed ($name)" "$TEST_DIR/master.log"
    [ "$(task_state "bad-$mechanism")" = NONE ]
  done
}

@test "credentials files readable by group or others are refused at start" {
  chmod 644 "$(secret store.json)" "$(secret agent-a.json)" "$(secret fw)"
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --authenticate-frameworks --credentials "$(secret store.json)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--credentials $(secret store.json) has mode 0644: it must not be readable by group or others (chmod 600 $(secret store.json))"* ]]
  run timeout 10 "$CLUSTERCTL_BIN" agent --master 127.0.0.1:1 --listen 127.0.0.1:0 --work-dir "$TEST_DIR/agent" \
    --resources 'cpus:1;mem:64' --credential "$(secret agent-a.json)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--credential $(secret agent-a.json) has mode 0644: it must not be readable by group or others (chmod 600 $(secret agent-a.json))"* ]]
  run "$CLUSTERCTL_BIN" execute --master 127.0.0.1:1 --name x --command true \
    --principal fw --secret-file "$(secret fw)"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--secret-file $(secret fw) has mode 0644: it must not be readable by group or others (chmod 600 $(secret fw))"* ]]
}

@test "a wrong or missing authenticator plugin stops the master at start" {
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --authenticate-frameworks --credentials "$(secret store.json)" --authenticators kerberos
  [ "$status" -ne 0 ]
  [[ "$output" == *"--authenticators: authenticator 'kerberos': plugin '"*"/authn_kerberos.so' not found or not readable"* ]]
  local drf
  drf=$(dirname "$CLUSTERCTL_BIN")/../lib/clusterctl/allocator_drf.so
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --authenticate-frameworks --credentials "$(secret store.json)" --authenticators "$drf"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is an allocator plugin, but an authenticator plugin is needed"* ]]
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/master" \
    --authenticate-frameworks
  [ "$status" -ne 0 ]
  [[ "$output" == *"need --credentials FILE"* ]]
}

@test "a python3-msgpack client authenticates with SCRAM-SHA-256 and CRAM-MD5 from PROTOCOL.md" {
  start_secure_master --authenticate-http --authenticators scram-sha256,crammd5
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" ops "$(secret ops)" SCRAM-SHA-256
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" ops "$(secret ops)" CRAM-MD5
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" ops "$(secret wrong)" SCRAM-SHA-256
  [ "$status" -eq 1 ]
  [ "$output" = "unauthenticated: authentication of principal 'ops' failed (SCRAM-SHA-256): wrong principal or secret" ]
  # Operator calls need an authenticated connection (--authenticate-http).
  run "$CLUSTERCTL_BIN" tasks
  [ "$status" -eq 1 ]
  [[ "$output" == *"authenticate first: this master requires operator calls to authenticate (--authenticate-http); give --principal and --secret-file"* ]]
  run "$CLUSTERCTL_BIN" tasks --principal ops --secret-file "$(secret ops)"
  [ "$status" -eq 0 ]
  [[ "$output" == *"No tasks."* ]]
}

@test "a framework id cannot be taken over by another principal" {
  start_secure_master --authenticators crammd5,scram-sha256
  start_framework owned --principal fw --secret-file "$(secret fw)" --failover-timeout 300 --tasks 0
  local id
  id=$(cat "$TEST_DIR/owned/framework_id")
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" other "$(secret other)" SCRAM-SHA-256 \
    framework.subscribe "{\"name\": \"thief\", \"id\": \"$id\", \"failover_timeout\": 300}"
  [ "$status" -eq 1 ]
  echo "got: $output"
  [ "$output" = "permission_denied: framework $id was registered by principal 'fw'; principal 'other' cannot subscribe as it" ]
  # Its own principal may fail over.
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" fw "$(secret fw)" CRAM-MD5 \
    framework.subscribe "{\"name\": \"owned\", \"id\": \"$id\", \"failover_timeout\": 300}"
  [ "$status" -eq 0 ]
}

@test "an agent impostor with another principal is refused while the real agent keeps its task" {
  start_secure_master --authenticators crammd5,scram-sha256
  start_agent agent --resources 'cpus:1;mem:256' --credential "$(secret agent-a.json)"
  wait_for_agents 1
  "$CLUSTERCTL_BIN" execute --name kept --command 'sleep 60' \
    --principal fw --secret-file "$(secret fw)" >"$TEST_DIR/execute.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for "the task to run" 20 task_in_state kept RUNNING
  local agent_id
  agent_id=$("$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['id']")
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" agent-b "$(secret agent-b)" SCRAM-SHA-256 \
    agent.register "{\"agent\": {\"id\": \"$agent_id\", \"hostname\": \"rogue\", \"address\": \"127.0.0.1:9\", \"resources\": {\"cpus\": 1.0, \"mem\": 256.0}}}"
  [ "$status" -eq 1 ]
  echo "got: $output"
  [ "$output" = "permission_denied: agent $agent_id was registered by principal 'agent-a'; principal 'agent-b' cannot register as it" ]
  sleep 1
  [ "$(active_agents)" -eq 1 ]
  [ "$(task_state kept)" = RUNNING ]
  [ "$("$CLUSTERCTL_BIN" agents --json | json_get "d['agents'][0]['hostname']")" != rogue ]
}

@test "the example authenticator builds against the installed headers alone and a master loads it" {
  local build_dir source_dir
  build_dir=$(cd "$(dirname "$CLUSTERCTL_BIN")/.." && pwd)
  source_dir=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  cmake --install "$build_dir" --prefix "$TEST_DIR/prefix" >/dev/null
  [ -f "$TEST_DIR/prefix/include/clusterctl/authenticator.h" ]
  cmake -S "$source_dir/examples/authenticator_example" -B "$TEST_DIR/example" \
    -DCMAKE_PREFIX_PATH="$TEST_DIR/prefix" >"$TEST_DIR/cmake.log" 2>&1
  cmake --build "$TEST_DIR/example" >>"$TEST_DIR/cmake.log" 2>&1
  local plugin="$TEST_DIR/example/authn_example_token.so"
  [ -f "$plugin" ]
  ! grep -q "$source_dir/include" "$TEST_DIR/example/CMakeCache.txt"
  start_master --authenticate-http --credentials "$(secret store.json)" --authenticators "$plugin"
  grep -q "example_token 1.0.0 ($plugin)" "$TEST_DIR/master.log"
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" ops "$(secret ops)" X-EXAMPLE-TOKEN
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  run "$PYTHON" "$BATS_TEST_DIRNAME/authenticate.py" "$MASTER" ops "$(secret wrong)" X-EXAMPLE-TOKEN
  [ "$status" -eq 1 ]
  [ "$output" = "unauthenticated: authentication of principal 'ops' failed (X-EXAMPLE-TOKEN): wrong principal or secret" ]
}

@test "clients pointed at a standby authenticate with the leader they follow" {
  start_secure_master --authenticate-http --authenticators scram-sha256
  echo "$MASTER" >"$TEST_DIR/standby.leader"
  "$PYTHON" "$BATS_TEST_DIRNAME/fake_standby.py" "$TEST_DIR/standby.leader" \
    "$TEST_DIR/standby.address" "$TEST_DIR/standby.calls" >>"$TEST_DIR/standby.log" 2>&1 &
  STARTED_PIDS+=("$!")
  wait_for "the standby's address file" 10 test -s "$TEST_DIR/standby.address"
  local standby
  standby=$(cat "$TEST_DIR/standby.address")
  MASTER=$standby start_agent agent --resources 'cpus:1;mem:256' --credential "$(secret agent-a.json)"
  export CLUSTERCTL_PRINCIPAL=ops CLUSTERCTL_SECRET_FILE="$(secret ops)"
  wait_for "the agent at the leader" 20 has_active_agents 1
  run timeout 30 "$CLUSTERCTL_BIN" execute --master "$standby" --name followed --command true \
    --principal fw --secret-file "$(secret fw)"
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" tasks --master "$standby"
  [ "$status" -eq 0 ]
  [[ "$output" == *followed*FINISHED* ]]
  grep -q "authenticated as 'agent-a' (SCRAM-SHA-256)" "$TEST_DIR/master.log"
  grep -q "authenticated as 'fw' (SCRAM-SHA-256)" "$TEST_DIR/master.log"
  grep -q "authenticated as 'ops' (SCRAM-SHA-256)" "$TEST_DIR/master.log"
}
