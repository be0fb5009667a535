# Shared checks of the hostile-client suite (tests/e2e/hostile_*.bats): after
# (and during) an attack the daemon must still serve a normal client, its RSS
# and open fds must come back near where they were, and nothing outside the
# test's own directories may have been touched. Load after helpers.bash. Each
# hostile_*.bats file keeps its attacks in its own python3 script.

# rss_kb PID: the resident set of PID in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# fd_count PID: the open file descriptors of PID.
fd_count() { ls "/proc/$1/fd" | wc -l; }

# baseline_of PID: remembers PID's RSS and fd count (BASE_RSS_KB, BASE_FDS).
baseline_of() {
  BASE_RSS_KB=$(rss_kb "$1")
  BASE_FDS=$(fd_count "$1")
}

# rss_near_baseline PID [SLACK_KB]: RSS within SLACK_KB (default 64 MiB) of
# the baseline. Not checked in a sanitizer tree (CLUSTERCTL_SANITIZE set by
# ctest there): ASan keeps freed memory in its quarantine and never gives it
# back, so RSS says nothing about the daemon; the normal tree checks it.
rss_near_baseline() {
  local now slack=${2:-65536}
  now=$(rss_kb "$1")
  echo "# RSS of $1: baseline ${BASE_RSS_KB} KiB, now ${now} KiB" >&3
  [ -n "${CLUSTERCTL_SANITIZE:-}" ] && return 0
  [ "$now" -le $((BASE_RSS_KB + slack)) ]
}

# fds_near_baseline PID [SLACK]: open fds within SLACK (default 8) of the baseline.
fds_near_baseline() {
  local now slack=${2:-8}
  now=$(fd_count "$1")
  [ "$now" -le $((BASE_FDS + slack)) ]
}

# wait_near_baseline PID [SECONDS]: RSS and fds come back within SECONDS
# (default 10) of the end of an attack.
wait_near_baseline() {
  wait_for "RSS of $1 near its baseline" "${2:-10}" rss_near_baseline "$1"
  wait_for "fds of $1 near their baseline" "${2:-10}" fds_near_baseline "$1"
}

# execute_works [NAME]: a normal task runs through the cluster within 30 s and
# its output comes back: the daemons still serve legitimate clients.
execute_works() {
  local name=${1:-probe-$RANDOM}
  run timeout 60 "$CLUSTERCTL_BIN" execute --name "$name" --command 'echo probe-ok' \
    --resources 'cpus:0.1;mem:32' --timeout 30s
  echo "$output"
  [ "$status" -eq 0 ]
}

# health_ok ADDRESS: GET /health answers 200 within 5 s.
health_ok() { curl -sf -m 5 "http://$1/health" >/dev/null; }
