#!/usr/bin/env bats
# `execute --uri`: the agent fetches artifacts into the sandbox before the
# task starts, from a real HTTP server and an HTTPS one (self-signed CA) on
# loopback and from local files: archives, the run bit, checksums, the
# cache, and failures that say what went wrong.

bats_require_minimum_version 1.5.0

load helpers

setup() {
  setup_work_dir
  mkdir -p "$TEST_DIR/www/app"
  printf '#!/bin/sh\necho "app ran in $PWD"\n' >"$TEST_DIR/www/app/run"
  chmod +x "$TEST_DIR/www/app/run"
  tar -czf "$TEST_DIR/www/app.tar.gz" -C "$TEST_DIR/www" app
  cp "$TEST_DIR/www/app.tar.gz" "$TEST_DIR/www/download"  # an archive without a telling name
  "$PYTHON" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("inside.txt", "zipped")' \
    "$TEST_DIR/www/big.zip"
  printf '#!/bin/sh\necho tool ran\n' >"$TEST_DIR/tool"
  start_http_server
  start_master
  start_agent agent --resources 'cpus:2;mem:1024' --fetcher-retries 0 \
    --fetcher-allowed-dirs "$TEST_DIR" "$@"
  wait_for_agents 1
}

teardown() { teardown_work_dir; }

start_http_server() {
  "$PYTHON" -u -m http.server 0 --bind 127.0.0.1 --directory "$TEST_DIR/www" \
    >"$TEST_DIR/http.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for "the HTTP server" 10 grep -q 'Serving HTTP' "$TEST_DIR/http.log"
  HTTP=http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$TEST_DIR/http.log" | head -1)
}

# An HTTPS server with a certificate for 127.0.0.1 signed by itself.
start_https_server() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" \
    >/dev/null 2>&1
  "$PYTHON" -u -c 'import functools, http.server, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
open(sys.argv[4], "w").write(str(server.server_address[1]))
server.serve_forever()' "$TEST_DIR/www" "$TEST_DIR/cert.pem" "$TEST_DIR/key.pem" \
    "$TEST_DIR/https.port" >"$TEST_DIR/https.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for "the HTTPS server" 10 test -s "$TEST_DIR/https.port"
  HTTPS=https://127.0.0.1:$(cat "$TEST_DIR/https.port")
}

@test "execute fetches and extracts an archive and a file:// tool with the run bit, then runs" {
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name app --uri "$HTTP/app.tar.gz" \
    --uri "file://$TEST_DIR/tool,executable" --command './app/run && ./tool'
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"is STAGING: fetching $HTTP/app.tar.gz (1 of 2)"* ]]
  local sandbox
  sandbox=$(sandbox_of app)
  grep -q "app ran in $(readlink -f "$sandbox")" "$sandbox/stdout"
  grep -qx 'tool ran' "$sandbox/stdout"
  [ ! -e "$sandbox/app.tar.gz" ]
  [ -x "$sandbox/tool" ]
}

@test "a release tarball with hard links (two names for one file) extracts both names" {
  mkdir -p "$TEST_DIR/release/tool-1.0/bin"
  printf '#!/bin/sh\necho "ran as $(basename "$0")"\n' >"$TEST_DIR/release/tool-1.0/bin/tool"
  chmod +x "$TEST_DIR/release/tool-1.0/bin/tool"
  ln "$TEST_DIR/release/tool-1.0/bin/tool" "$TEST_DIR/release/tool-1.0/bin/tool-alias"
  tar -czf "$TEST_DIR/www/tool-1.0.tar.gz" -C "$TEST_DIR/release" tool-1.0
  tar -tvzf "$TEST_DIR/www/tool-1.0.tar.gz" | grep -q ' link to tool-1.0/bin/tool'  # a hard link entry
  run "$CLUSTERCTL_BIN" execute --name release --uri "$HTTP/tool-1.0.tar.gz" \
    --command './tool-1.0/bin/tool-alias && test tool-1.0/bin/tool -ef tool-1.0/bin/tool-alias'
  [ "$status" -eq 0 ]
  grep -qx 'ran as tool-alias' "$(sandbox_of release)/stdout"
}

@test "a URL with a query string is recognised as an archive by its content" {
  run "$CLUSTERCTL_BIN" execute --name query --uri "$HTTP/download?version=3&os=linux" \
    --command './app/run'
  [ "$status" -eq 0 ]
  grep -q 'app ran' "$(sandbox_of query)/stdout"
}

@test "https with a CA file, the cache, sha256, output= and no-extract" {
  stop_started
  start_https_server
  start_master
  start_agent agent --resources 'cpus:2;mem:1024' --fetcher-ca-file "$TEST_DIR/cert.pem" \
    --fetcher-cache-dir "$TEST_DIR/cache" --fetcher-cache-size 10MB
  wait_for_agents 1
  local sum
  sum=$(sha256sum "$TEST_DIR/www/big.zip" | cut -d' ' -f1)
  local i
  for i in 1 2; do
    run "$CLUSTERCTL_BIN" execute --name "cached-$i" \
      --uri "$HTTPS/big.zip,cache,sha256=$sum,output=data.zip,no-extract" \
      --command "echo '$sum  data.zip' | sha256sum -c && test ! -e inside.txt"
    [ "$status" -eq 0 ]
  done
  # The second task was served from the cache: the server saw one download.
  [ "$(grep -c 'GET /big.zip' "$TEST_DIR/https.log")" -eq 1 ]
  ls "$TEST_DIR/cache"/*.data
}

@test "https without the CA fails the task, naming the URI and the certificate problem" {
  stop_started
  start_https_server
  start_master
  start_agent agent --resources 'cpus:2;mem:1024'
  wait_for_agents 1
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name untrusted --uri "$HTTPS/big.zip" --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot fetch '$HTTPS/big.zip': "*"certificate"* ]]
}

@test "a checksum mismatch fails the task with the URI and both checksums" {
  local wrong
  wrong=$(printf 'something else' | sha256sum | cut -d' ' -f1)
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name mismatch \
    --uri "$HTTP/app.tar.gz,sha256=$wrong" --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (checksum mismatch for '$HTTP/app.tar.gz': expected sha256 $wrong, got "* ]]
  [ ! -e "$(sandbox_of mismatch)/app" ]
}

@test "404 and a refused connection fail the task with the URI and the reason" {
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name missing --uri "$HTTP/nope.tar.gz" --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot fetch '$HTTP/nope.tar.gz': the server answered HTTP 404 (Not Found))"* ]]
  local port
  port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name refused --uri "http://127.0.0.1:$port/x" --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"FAILED: fetch failed (cannot fetch 'http://127.0.0.1:$port/x': "*"Couldn't connect to server"* ]]
}

@test "a bad --uri is a usage error" {
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name bad --uri 'ftp://host/x' --command true
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"use an http://, https:// or file:/// URI or an absolute path"* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" execute --name bad --uri "$HTTP/x,executabel" --command true
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unknown option 'executabel'"* ]]
}
