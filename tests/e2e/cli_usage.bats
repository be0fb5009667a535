#!/usr/bin/env bats
# What a user sees from the command line itself, with no cluster running:
# usage errors (exit 2 and one line naming the problem), --help and --version
# (exit 0), the multi-call links, and a clear exit 1 when the master is down.

bats_require_minimum_version 1.5.0

CLUSTERCTL_BIN=${CLUSTERCTL_BIN:-$BATS_TEST_DIRNAME/../../build/bin/clusterctl}
PYTHON=/usr/bin/python3

setup() {
  TEST_DIR=$(mktemp -d /tmp/clusterctl-cli.XXXXXX)
  unset CLUSTERCTL_MASTER
}

teardown() { rm -rf "$TEST_DIR"; }

# A loopback port with nothing listening on it.
closed_port() {
  "$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# expect_usage_error SUBCOMMAND ARGS...: exit 2, one line naming the problem on
# stderr, then the line that says where the usage is; nothing on stdout.
expect_usage_error() {
  local sub=$1
  shift
  run --separate-stderr "$CLUSTERCTL_BIN" "$sub" "$@"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [ "${#stderr_lines[@]}" -eq 2 ]
  [[ "${stderr_lines[0]}" == "clusterctl $sub: "* ]]
  [ "${stderr_lines[1]}" = "Run 'clusterctl $sub --help' for usage." ]
}

# expect_flags_in_help SUBCOMMAND FLAG...: --help exits 0 and names every flag.
# SUBCOMMAND may be nested ("quota set").
expect_flags_in_help() {
  local sub=$1 flag
  shift
  # shellcheck disable=SC2086 # a nested subcommand is several words
  run --separate-stderr "$CLUSTERCTL_BIN" $sub --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: clusterctl $sub"* ]]
  for flag in "$@"; do
    if [[ "$output" != *"$flag "* ]]; then
      echo "flag $flag is missing from 'clusterctl $sub --help'"
      return 1
    fi
  done
}

@test "no arguments prints the usage and exits 2" {
  run --separate-stderr "$CLUSTERCTL_BIN"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *Usage:* ]]
  [[ "$stderr" == *execute* ]]
}

@test "an unknown subcommand exits 2 and names it" {
  run --separate-stderr "$CLUSTERCTL_BIN" frobnicate
  [ "$status" -eq 2 ]
  [[ "${stderr_lines[0]}" == *"unknown subcommand 'frobnicate'"* ]]
  [[ "$stderr" == *"clusterctl --help"* ]]
}

@test "an unknown flag exits 2 with a hint to --help" {
  expect_usage_error tasks --frobnicate
  [[ "${stderr_lines[0]}" == *--frobnicate* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" --frobnicate
  [ "$status" -eq 2 ]
  [[ "$stderr" == *--frobnicate* ]]
}

@test "a missing required flag exits 2 and names the flag" {
  expect_usage_error master
  [[ "${stderr_lines[0]}" == *--work-dir* ]]
  expect_usage_error execute --name x
  [[ "${stderr_lines[0]}" == *--command* ]]
}

@test "a malformed --env exits 2" {
  expect_usage_error execute --name x --command true --env NOEQUALS
  [[ "${stderr_lines[0]}" == *NOEQUALS* ]]
  expect_usage_error execute --name x --command true --env =value
  # One KEY=VALUE per --env: a second word is not swallowed.
  expect_usage_error execute --name x --command true --env A=1 B=2
}

@test "a malformed duration exits 2 and says how to write one" {
  expect_usage_error execute --name x --command true --timeout 10parsecs
  [[ "${stderr_lines[0]}" == *--timeout*10parsecs* ]]
  expect_usage_error tasks --timeout soon
  expect_usage_error master --work-dir "$TEST_DIR" --agent-ping-timeout -1s
}

@test "malformed quotas, weights, reservations and allocator flags exit 2" {
  expect_usage_error quota set 'bad role!' --guarantee cpus:1
  expect_usage_error quota set analytics --limit 'cpus:-1'
  expect_usage_error quota get 'a//b'
  expect_usage_error quota
  expect_usage_error weights set analytics=zero
  expect_usage_error weights
  expect_usage_error reserve agent-1 'cpus:1'
  expect_usage_error unreserve agent-1
  expect_usage_error master --work-dir "$TEST_DIR" --weights 'a=0'
  expect_usage_error master --work-dir "$TEST_DIR" --min-allocatable 'cpus:0.01|'
  expect_usage_error master --work-dir "$TEST_DIR" --offer-timeout soon
}

@test "malformed resources, attributes and log levels exit 2" {
  expect_usage_error execute --name x --command true --resources 'cpus:lots'
  [[ "${stderr_lines[0]}" == *cpus:lots* ]]
  expect_usage_error agent --work-dir "$TEST_DIR" --attributes 'no-colon'
  expect_usage_error agent --work-dir "$TEST_DIR" --log-level chatty
}

@test "--help of every subcommand exits 0 and names each flag" {
  expect_flags_in_help master --listen --work-dir --allocator --plugin-dir \
    --allocation-interval --weights --min-allocatable --offer-timeout --agent-ping-timeout \
    --max-agent-ping-timeouts --max-completed-tasks --agent-reregister-timeout \
    --agent-removal-rate-limit --log-level
  expect_flags_in_help agent --master --listen --work-dir --resources --attributes \
    --hostname --registration-backoff-max --executor-shutdown-grace --recover \
    --reconfiguration-policy --recovery-timeout --executor-reregister-timeout --log-level \
    --isolation --plugin-dir --cgroups-root --cgroups-enable-cfs --pids-limit --usage-interval \
    --fetcher-cache-dir --fetcher-cache-size --fetcher-stall-timeout --fetcher-retries \
    --fetcher-retry-backoff --fetcher-ca-file --fetcher-max-size --fetcher-max-entries \
    --fetcher-timeout --fetcher-allowed-dirs --sandbox-log-max-size --sandbox-log-keep --gc-delay \
    --gc-disk-headroom --disk-watch-interval
  expect_flags_in_help execute --master --name --command --resources --env --uri --rlimit --shell \
    --no-shell --role --framework-name --kill-after --timeout --checkpoint --failover-timeout \
    --health-check-cmd --health-check-http --health-check-tcp --health-check-delay \
    --health-check-interval --health-check-timeout --health-check-grace-period \
    --health-check-max-failures --log-level
  expect_flags_in_help logs --master --stderr --follow --tail --timeout
  local sub
  for sub in tasks agents offers frameworks roles masters "quota get" "weights get"; do
    expect_flags_in_help "$sub" --master --json --timeout
  done
  expect_flags_in_help "quota set" --master --timeout --guarantee --limit --force
  for sub in "quota remove" "weights set" reserve unreserve "frameworks teardown"; do
    expect_flags_in_help "$sub" --master --timeout
  done
  expect_flags_in_help executor --agent --framework-id --executor-id --container-id --sandbox \
    --checkpoint --agent-address-file --recovery-timeout
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox ls --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: clusterctl sandbox ls"*TASK_ID*PATH* ]]
  [[ "$output" == *"--json "* ]] && [[ "$output" == *"--master "* ]]
  run --separate-stderr "$CLUSTERCTL_BIN" sandbox cat --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: clusterctl sandbox cat"*TASK_ID*PATH* ]]
}

@test "fault tolerance flags refuse bad values with exit 2" {
  expect_usage_error agent --work-dir "$TEST_DIR" --recover sometimes
  [[ "${stderr_lines[0]}" == *--recover* ]]
  expect_usage_error agent --work-dir "$TEST_DIR" --reconfiguration-policy loose
  expect_usage_error master --work-dir "$TEST_DIR" --agent-removal-rate-limit 10s
  [[ "${stderr_lines[0]}" == *"N/DURATION"* ]]
  expect_usage_error master --work-dir "$TEST_DIR" --agent-reregister-timeout forever
  expect_usage_error execute --name x --command true --failover-timeout soon
  expect_usage_error frameworks teardown
  [[ "${stderr_lines[0]}" == *ID* ]]
  expect_usage_error frameworks sideways
}

@test "frameworks teardown with the master down exits 1 with one line" {
  local port
  port=$(closed_port)
  run --separate-stderr timeout 3 "$CLUSTERCTL_BIN" frameworks teardown framework-x \
    --master "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl frameworks: cannot reach master at 127.0.0.1:$port: "* ]]
}

@test "logs, sandbox and the new execute and agent flags reject bad input with exit 2" {
  expect_usage_error logs
  [[ "${stderr_lines[0]}" == *TASK_ID* ]]
  expect_usage_error logs t1 --tail -3
  expect_usage_error sandbox
  [[ "${stderr_lines[0]}" == *"subcommand is required"* ]]
  expect_usage_error sandbox cat t1
  [[ "${stderr_lines[0]}" == *PATH* ]]
  expect_usage_error sandbox cat t1 ../../etc/passwd
  [[ "${stderr_lines[0]}" == *"leaves the sandbox"* ]]
  expect_usage_error sandbox ls t1 /etc
  expect_usage_error execute --name x --command true --rlimit nofile
  expect_usage_error execute --name x --command true --rlimit nofiles=3
  [[ "${stderr_lines[0]}" == *"unknown resource limit 'nofiles'"* ]]
  expect_usage_error execute --name x --command true --uri 'http://h/x,sha256=123'
  expect_usage_error agent --work-dir "$TEST_DIR" --gc-disk-headroom 2
  expect_usage_error agent --work-dir "$TEST_DIR" --fetcher-cache-size lots
  expect_usage_error agent --work-dir "$TEST_DIR" --fetcher-max-size lots
  expect_usage_error agent --work-dir "$TEST_DIR" --fetcher-timeout forever
  expect_usage_error agent --work-dir "$TEST_DIR" --gc-delay forever
}

@test "--help lists the subcommands with a description, without the hidden executor" {
  run --separate-stderr "$CLUSTERCTL_BIN" --help
  [ "$status" -eq 0 ]
  local sub
  for sub in master agent execute tasks agents offers frameworks logs sandbox quota weights roles \
    reserve unreserve masters; do
    [[ "$output" =~ $'\n'"  $sub "+[A-Z] ]]
  done
  [[ "$output" != *executor* ]]
}

@test "--version prints the version and exits 0" {
  run --separate-stderr "$CLUSTERCTL_BIN" --version
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^clusterctl\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "a link named clusterctl-tasks acts as 'clusterctl tasks'" {
  ln -s "$(readlink -f "$CLUSTERCTL_BIN")" "$TEST_DIR/clusterctl-tasks"
  run --separate-stderr "$TEST_DIR/clusterctl-tasks" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: clusterctl tasks"* ]]
  local port
  port=$(closed_port)
  run --separate-stderr "$TEST_DIR/clusterctl-tasks" --master "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "clusterctl tasks: cannot reach master at 127.0.0.1:$port"* ]]
}

@test "tasks with the master down exits 1 within 3s with one line saying what to do" {
  local port
  port=$(closed_port)
  run --separate-stderr timeout 3 "$CLUSTERCTL_BIN" tasks --master "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl tasks: cannot reach master at 127.0.0.1:$port: "* ]]
  [[ "$stderr" == *"set --master or CLUSTERCTL_MASTER"* ]]
}

@test "listings and execute take the master from CLUSTERCTL_MASTER" {
  local port sub
  port=$(closed_port)
  for sub in tasks agents offers frameworks roles; do
    CLUSTERCTL_MASTER=127.0.0.1:$port run --separate-stderr timeout 3 "$CLUSTERCTL_BIN" "$sub"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "clusterctl $sub: cannot reach master at 127.0.0.1:$port: "* ]]
  done
  CLUSTERCTL_MASTER=127.0.0.1:$port run --separate-stderr timeout 3 "$CLUSTERCTL_BIN" execute \
    --name x --command true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"cannot reach master at 127.0.0.1:$port"* ]]
}

@test "a malformed --master or CLUSTERCTL_MASTER is a usage error saying what is wrong" {
  expect_usage_error tasks --master 'zk://127.0.0.1/clusterctl'
  [[ "${stderr_lines[0]}" == *"missing port"* ]]
  expect_usage_error agents --master 'zk://127.0.0.1:2181'
  [[ "${stderr_lines[0]}" == *"missing path"* ]]
  expect_usage_error masters --master 'zk://127.0.0.1:2181/'
  expect_usage_error execute --name x --command true --master 'http://127.0.0.1:5050'
  [[ "${stderr_lines[0]}" == *"unsupported scheme"* ]]
  expect_usage_error agent --work-dir "$TEST_DIR/agent" --master '127.0.0.1:5050,,127.0.0.1:5051'
  [[ "${stderr_lines[0]}" == *"empty list item"* ]]
  [ ! -e "$TEST_DIR/agent" ]
  expect_usage_error quota get --master 'localhost'
  CLUSTERCTL_MASTER='zk://127.0.0.1:2181/' expect_usage_error tasks
  [[ "${stderr_lines[0]}" == *"(from CLUSTERCTL_MASTER)"* ]]
  CLUSTERCTL_MASTER='127.0.0.1:99999' expect_usage_error execute --name x --command true
  [[ "${stderr_lines[0]}" == *"(from CLUSTERCTL_MASTER)"* ]]
  CLUSTERCTL_MASTER='zk://nope' expect_usage_error frameworks teardown framework-x
  [[ "${stderr_lines[0]}" == *"(from CLUSTERCTL_MASTER)"* ]]
  # The flag wins over a malformed environment, on a nested subcommand too.
  local port
  port=$(closed_port)
  CLUSTERCTL_MASTER='zk://nope' run --separate-stderr timeout 5 "$CLUSTERCTL_BIN" tasks \
    --master "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  CLUSTERCTL_MASTER='zk://nope' run --separate-stderr timeout 5 "$CLUSTERCTL_BIN" frameworks \
    teardown framework-x --master "127.0.0.1:$port"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "clusterctl frameworks: cannot reach master at 127.0.0.1:$port: "* ]]
  # A subcommand without --master does not care.
  CLUSTERCTL_MASTER='zk://nope' expect_usage_error master --work-dir "$TEST_DIR" \
    --offer-timeout soon
  [[ "${stderr_lines[0]}" == *--offer-timeout* ]]
  # The help names the three forms.
  run --separate-stderr "$CLUSTERCTL_BIN" tasks --help
  [[ "$output" == *"zk://"* ]] && [[ "$output" == *"CLUSTERCTL_MASTER"* ]]
}

@test "a zk:// master with no ZooKeeper there fails within the timeout, one line" {
  local port
  port=$(closed_port)
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" tasks --master "zk://127.0.0.1:$port/clusterctl" \
    --timeout 2s
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl tasks: cannot reach master at zk://127.0.0.1:$port/clusterctl: "* ]]
  run --separate-stderr timeout 10 "$CLUSTERCTL_BIN" masters \
    --master "zk://user:secret@127.0.0.1:$port/clusterctl" --timeout 2s
  [ "$status" -eq 1 ]
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ "$stderr" == "clusterctl masters: "* ]]
  [[ "$stderr" != *secret* ]]
}
