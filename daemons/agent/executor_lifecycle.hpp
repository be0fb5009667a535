// ExecutorPhase: where the agent is in the life of one executor and its
// container, as one value, with every allowed move in one table (can_move in
// executor_lifecycle.cpp). ExecutorLifecycle holds a phase and changes it only
// through move_to, which refuses (and logs) a move the table does not have.
//
//   launch:   Preparing --spawned--> Spawned --isolated (and checkpointed)--> Running
//   no spawn: Preparing --the prepare failed, the spawn failed, or a kill came first--> Removing
//   abort:    Spawned --isolation or checkpoint failed--> Aborting --exit--> Removing
//   exit:     Spawned, Running --the exit, the task's end recorded at once--> Removing
//   limits:   Running --the task's end (its terminal status, or the exit), checked
//                       against the limits--> Ending
//             Ending --checked, the executor still runs--> Running
//             Ending --the executor exited (meanwhile, or that exit is the end
//                      being checked)--> Exited --checked--> Removing
//   adopted:  an executor left by an earlier agent process starts in Running.
//
// What is a phase and what is not. A phase is a step that excludes every
// other and decides what the agent does next (wait for the prepare, answer
// executor.register, check limits, signal the process, clean up). The rest of
// ExecutorRecord is not:
//   - the task's state (TaskState) is what the executor and the agent report;
//     whether the task ended is is_terminal(state), so no flag can disagree
//     with it. An executor in Running may hold a task that ended: it is on its
//     way out, and its exit only cleans up.
//   - facts, true or false in any phase and never undone, stay booleans:
//     `checkpoint` (its framework checkpoints; fixed at launch), `recovered`
//     (adopted from an earlier agent process; fixed at creation) and
//     `kill_requested` (a kill was asked for, by the master, the shutdown or
//     the agent itself; it arrives in any phase, and the task's end then says
//     KILLED and skips the limit check).
//
// Threading: a plain value, owned by the agent's io_context thread; the free
// functions are pure and thread-safe.
#pragma once

#include <iosfwd>
#include <string>

namespace clusterctl {

enum class ExecutorPhase {
  kPreparing,  // the container is prepared off the loop (isolators, fetcher); no process yet
  kSpawned,    // the executor runs; isolating (and checkpointing) it; executor.register waits
  kRunning,    // in its container: executor.register is answered with the task
  kEnding,     // a terminal status is checked against the limits; the executor still runs
  kAborting,   // the launch failed after the spawn: killed without its task; its exit cleans up
  kExited,     // reaped while its task's end is checked; cleanup follows the check
  kRemoving,   // cleanup runs (hooks in reverse); the record goes when it is done
};

// Whether the table has the move `from` -> `to` (a phase never moves to itself).
bool can_move(ExecutorPhase from, ExecutorPhase to);
// "preparing", "running", ...
const char* phase_name(ExecutorPhase phase);
std::ostream& operator<<(std::ostream& out, ExecutorPhase phase);

// An executor process exists that the agent started or adopted (and may signal):
// Spawned, Running, Ending, Aborting.
bool has_process(ExecutorPhase phase);
// The executor runs in its finished container: it gets its task when it
// registers, its usage is measured and its end checked against the limits.
bool is_isolated(ExecutorPhase phase);
// executor.register is taken: the process exists and will get its task.
bool accepts_registration(ExecutorPhase phase);
// The executor has exited (or never existed): only its cleanup is left.
bool is_gone(ExecutorPhase phase);

class ExecutorLifecycle {
 public:
  // A new launch: Preparing.
  static ExecutorLifecycle launching() { return ExecutorLifecycle(ExecutorPhase::kPreparing); }
  // An executor adopted after an agent restart, its container recovered: Running.
  static ExecutorLifecycle adopted() { return ExecutorLifecycle(ExecutorPhase::kRunning); }

  ExecutorPhase phase() const { return phase_; }
  // Moves to `to` if the table has the move; otherwise logs an error naming
  // `who` and stays. Returns whether it moved.
  bool move_to(ExecutorPhase to, const std::string& who);

 private:
  explicit ExecutorLifecycle(ExecutorPhase initial) : phase_(initial) {}
  ExecutorPhase phase_;
};

}  // namespace clusterctl
