# What the allocation tests share (loaded after helpers.bash): schedulers that
# hold offers, and restarting the master on its address with its work dir.

FRAMEWORK_CLIENT=$BATS_TEST_DIRNAME/framework_client.py

# start_holder NAME ROLE: a scheduler in ROLE that keeps every offer unanswered.
start_holder() {
  "$PYTHON" "$FRAMEWORK_CLIENT" "$MASTER" hold "$2" 300 >"$TEST_DIR/$1.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for "framework $1 to subscribe" 10 grep -q subscribed "$TEST_DIR/$1.log"
}

# Stops the master and starts a new one on the same address and work dir.
restart_master() {
  kill -TERM "$MASTER_PID"
  wait "$MASTER_PID" || true
  "$CLUSTERCTL_BIN" master --listen "$MASTER" --work-dir "$TEST_DIR/master" \
    >>"$TEST_DIR/master.log" 2>&1 &
  MASTER_PID=$!
  STARTED_PIDS+=("$MASTER_PID")
}
