#!/usr/bin/env bats
# TLS on the shared port: a master and an agent that require it, the CLI with
# --tls-ca (RPC and https:// reads of the agent's files), executors and the
# agent talking TLS, plain clients and wrong CAs refused with clear errors.

load helpers
load tls_helpers

setup() {
  setup_work_dir
  unset CLUSTERCTL_TLS_CA CLUSTERCTL_TLS_CERT CLUSTERCTL_TLS_KEY
  make_tls_files
}

teardown() { teardown_work_dir; }

# A master and an agent that take TLS only; the CLI finds the CA in the environment.
start_tls_cluster() {
  # shellcheck disable=SC2046
  start_master $(tls_flags) --tls-required
  # shellcheck disable=SC2046
  start_agent agent --resources 'cpus:2;mem:1024;disk:2048' $(tls_flags) --tls-required
  export CLUSTERCTL_TLS_CA=$TLS_DIR/ca.pem
  wait_for_agents 1
}

@test "with --tls-ca the CLI runs execute, agents and tasks over TLS; agent and executors use TLS" {
  start_tls_cluster
  unset CLUSTERCTL_TLS_CA
  run "$CLUSTERCTL_BIN" execute --tls-ca "$TLS_DIR/ca.pem" --name secure --command 'echo over-tls'
  [ "$status" -eq 0 ]
  [[ "$output" == *FINISHED* ]]
  run "$CLUSTERCTL_BIN" agents --tls-ca "$TLS_DIR/ca.pem" --json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "d['agents'][0]['state']")" = active ]
  run "$CLUSTERCTL_BIN" tasks --tls-ca "$TLS_DIR/ca.pem" --json
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json_get "d['tasks'][0]['state']")" = FINISHED ]
  # logs reads the agent's /files over https://.
  run "$CLUSTERCTL_BIN" logs --tls-ca "$TLS_DIR/ca.pem" secure
  [ "$status" -eq 0 ]
  [[ "$output" == *over-tls* ]]
}

@test "curl --cacert reads a task's stdout from the agent's /files over https" {
  start_tls_cluster
  "$CLUSTERCTL_BIN" execute --name fetched --command 'echo from-the-sandbox'
  local agent stdout
  agent=$(cat "$TEST_DIR/agent/agent.address")
  stdout=$(echo "$(sandbox_of fetched)/stdout")
  run curl -sS --noproxy '*' --cacert "$TLS_DIR/ca.pem" --get \
    --data-urlencode "path=$stdout" --data-urlencode offset=0 "https://$agent/files/read"
  [ "$status" -eq 0 ]
  [[ "$output" == *from-the-sandbox* ]]
  run curl -sS --noproxy '*' --cacert "$TLS_DIR/ca.pem" "https://$MASTER/health"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"ok"'* ]]
}

@test "a plain client of a --tls-required port is told to use TLS at once, RPC and HTTP" {
  start_tls_cluster
  unset CLUSTERCTL_TLS_CA
  local started=$SECONDS
  run timeout 10 "$CLUSTERCTL_BIN" agents
  [ "$status" -eq 1 ]
  [[ "$output" == *"this server requires TLS: give --tls-ca (or use https://)"* ]]
  [ $((SECONDS - started)) -lt 5 ]
  run timeout 10 "$CLUSTERCTL_BIN" execute --name plain --command true
  [ "$status" -eq 1 ]
  [[ "$output" == *"this server requires TLS"* ]]
  run timeout 10 curl -sS --noproxy '*' -w '%{http_code}' "http://$MASTER/health"
  [ "$status" -eq 0 ]
  [[ "$output" == *"this server requires TLS: give --tls-ca (or use https://)"*426 ]]
  [ $((SECONDS - started)) -lt 10 ]
}

@test "a wrong CA is refused with the certificate problem named" {
  start_tls_cluster
  run timeout 10 "$CLUSTERCTL_BIN" agents --tls-ca "$TLS_DIR/other-ca.pem"
  [ "$status" -eq 1 ]
  # OpenSSL's reason: the chain the server sends ends in a CA this client does not trust.
  [[ "$output" == *"TLS handshake failed: certificate verify failed: self-signed certificate in certificate chain"* ]]
  run timeout 10 "$CLUSTERCTL_BIN" agents --tls-ca "$TEST_DIR/no-such-ca.pem"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--tls-ca $TEST_DIR/no-such-ca.pem cannot be read"* ]]
  # The master logged the failed handshake with the peer's address.
  grep -q "closing connection from 127.0.0.1.*TLS handshake failed" "$TEST_DIR/master.log"
}

@test "a TLS client of a plain port is told the port has no TLS" {
  start_master
  run timeout 10 "$CLUSTERCTL_BIN" agents --tls-ca "$TLS_DIR/ca.pem"
  [ "$status" -eq 1 ]
  [[ "$output" == *"TLS handshake failed"*"--tls-cert"* ]]
  # Plain clients still work there.
  run "$CLUSTERCTL_BIN" agents
  [ "$status" -eq 0 ]
}

@test "a port with TLS but not --tls-required takes plain and TLS clients alike" {
  # shellcheck disable=SC2046
  start_master $(tls_flags)
  run "$CLUSTERCTL_BIN" agents
  [ "$status" -eq 0 ]
  run "$CLUSTERCTL_BIN" agents --tls-ca "$TLS_DIR/ca.pem"
  [ "$status" -eq 0 ]
  run curl -sSf --noproxy '*' "http://$MASTER/health"
  [ "$status" -eq 0 ]
  run curl -sSf --noproxy '*' --cacert "$TLS_DIR/ca.pem" "https://$MASTER/health"
  [ "$status" -eq 0 ]
}

@test "with --tls-verify-peer only clients with a certificate of the CA get in" {
  # shellcheck disable=SC2046
  start_master $(tls_flags) --tls-required --tls-verify-peer
  # shellcheck disable=SC2046
  start_agent agent --resources 'cpus:2;mem:1024;disk:2048' $(tls_flags) --tls-required \
    --tls-verify-peer
  export CLUSTERCTL_TLS_CA=$TLS_DIR/ca.pem
  run timeout 10 "$CLUSTERCTL_BIN" agents
  [ "$status" -eq 1 ]
  export CLUSTERCTL_TLS_CERT=$TLS_DIR/server.pem CLUSTERCTL_TLS_KEY=$TLS_DIR/server.key
  wait_for_agents 1
  run "$CLUSTERCTL_BIN" execute --name verified --command 'echo both-ways'
  [ "$status" -eq 0 ]
  [[ "$output" == *FINISHED* ]]
  run "$CLUSTERCTL_BIN" logs verified
  [ "$status" -eq 0 ]
  [[ "$output" == *both-ways* ]]
  grep -q "TLS handshake failed\|peer did not return a certificate" "$TEST_DIR/master.log"
}

@test "a readable key, a bad certificate or a key of another certificate stop the master at start" {
  chmod 644 "$TLS_DIR/server.key"
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/m1" $(tls_flags)
  [ "$status" -ne 0 ]
  [[ "$output" == *"--tls-key $TLS_DIR/server.key has mode 0644"* ]]
  chmod 600 "$TLS_DIR/server.key"
  echo "not a certificate" >"$TEST_DIR/bad.pem"
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/m2" \
    --tls-cert "$TEST_DIR/bad.pem" --tls-key "$TLS_DIR/server.key"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--tls-cert $TEST_DIR/bad.pem is not a usable PEM certificate"* ]]
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/m3" \
    --tls-cert "$TLS_DIR/ca.pem" --tls-key "$TLS_DIR/server.key"
  [ "$status" -ne 0 ]
  [[ "$output" == *"--tls-key $TLS_DIR/server.key is not the key of the certificate"* ]]
  run timeout 10 "$CLUSTERCTL_BIN" master --listen 127.0.0.1:0 --work-dir "$TEST_DIR/m4" \
    --tls-required
  [ "$status" -ne 0 ]
  [[ "$output" == *"--tls-required needs --tls-cert and --tls-key"* ]]
}
