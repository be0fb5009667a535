#include "daemons/agent/executor_lifecycle.hpp"

#include <ostream>
#include <utility>

#include "core/log.hpp"

namespace clusterctl {

namespace {

using P = ExecutorPhase;

// Every move an executor can make, with what makes it (executor_launch.cpp,
// executors.cpp, container_monitor.cpp).
constexpr std::pair<P, P> kMoves[] = {
    {P::kPreparing, P::kSpawned},   // prepared(): the executor was spawned
    {P::kPreparing, P::kRemoving},  // prepared(): prepare or spawn failed, or killed first
    {P::kSpawned, P::kRunning},     // isolated(): isolated (and checkpointed)
    {P::kSpawned, P::kAborting},    // fail_spawned_launch(): isolation or checkpoint failed
    {P::kSpawned, P::kRemoving},    // executor_exited() before it was isolated
    {P::kRunning, P::kEnding},      // end_task(): the limits are checked first
    {P::kRunning, P::kRemoving},    // executor_exited(), the task's end recorded at once
    {P::kEnding, P::kRunning},      // conclude(): recorded; the executor still runs
    {P::kEnding, P::kExited},       // executor_exited() while the limits are checked
    {P::kExited, P::kRemoving},     // conclude(): recorded; now the cleanup
    {P::kAborting, P::kRemoving},   // executor_exited() of an aborted launch
};

}  // namespace

bool can_move(ExecutorPhase from, ExecutorPhase to) {
  for (const auto& [allowed_from, allowed_to] : kMoves) {
    if (allowed_from == from && allowed_to == to) return true;
  }
  return false;
}

const char* phase_name(ExecutorPhase phase) {
  switch (phase) {
    case P::kPreparing:
      return "preparing";
    case P::kSpawned:
      return "spawned";
    case P::kRunning:
      return "running";
    case P::kEnding:
      return "ending";
    case P::kAborting:
      return "aborting";
    case P::kExited:
      return "exited";
    case P::kRemoving:
      return "removing";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, ExecutorPhase phase) {
  return out << phase_name(phase);
}

bool has_process(ExecutorPhase phase) {
  return phase == P::kSpawned || phase == P::kRunning || phase == P::kEnding ||
         phase == P::kAborting;
}

bool is_isolated(ExecutorPhase phase) {
  return phase == P::kRunning || phase == P::kEnding;
}

bool accepts_registration(ExecutorPhase phase) {
  return phase == P::kSpawned || phase == P::kRunning || phase == P::kEnding;
}

bool is_gone(ExecutorPhase phase) {
  return phase == P::kExited || phase == P::kRemoving;
}

bool ExecutorLifecycle::move_to(ExecutorPhase to, const std::string& who) {
  if (!can_move(phase_, to)) {
    LOG(kError) << who << ": refusing to move from " << phase_ << " to " << to << "; it stays "
                << phase_;
    return false;
  }
  LOG(kDebug) << who << ": " << phase_ << " -> " << to;
  phase_ = to;
  return true;
}

}  // namespace clusterctl
