#include "core/process/group_killer.hpp"

#include <signal.h>

#include "core/log.hpp"
#include "core/process/process.hpp"

namespace clusterctl {

namespace {
void send(pid_t pgid, int signal) {
  Status sent = signal_group(pgid, signal);
  if (!sent) {
    LOG(kWarning) << sent.message();
  }
}
}  // namespace

GroupKiller::GroupKiller(boost::asio::io_context& io) : timer_(io) {}

void GroupKiller::kill(pid_t pgid, Duration grace) {
  if (grace.count() <= 0) {
    kill_now(pgid);
    return;
  }
  int64_t deadline = monotonic_millis() + grace.count();
  if (timer_.pending() && deadline >= deadline_millis_) return;
  send(pgid, SIGTERM);
  deadline_millis_ = deadline;
  timer_.start(grace, [pgid] {
    LOG(kInfo) << "process group " << pgid << " still running after its grace period: SIGKILL";
    send(pgid, SIGKILL);
  });
}

void GroupKiller::kill_now(pid_t pgid) {
  timer_.cancel();
  send(pgid, SIGKILL);
}

void GroupKiller::cancel() {
  timer_.cancel();
}

}  // namespace clusterctl
