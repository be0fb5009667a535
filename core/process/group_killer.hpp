// GroupKiller: stops a process group politely, then for good: SIGTERM now,
// SIGKILL once the grace period is over (at once for a zero grace).
//
//   GroupKiller killer(io);
//   killer.kill(pgid, Duration(3000));
//   ...  // when the group's leader has been reaped:
//   killer.cancel();
//
// Cancel it when the leader is gone: its group id may be reused after that.
// Threading: belongs to one io_context thread, like the Timer it holds.
#pragma once

#include <sys/types.h>

#include "core/duration.hpp"
#include "core/timer.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class GroupKiller {
 public:
  explicit GroupKiller(boost::asio::io_context& io);

  // SIGTERM to group `pgid`, SIGKILL after `grace`. A second kill while one
  // is pending only shortens the grace (it never extends it).
  void kill(pid_t pgid, Duration grace);
  // SIGKILL to group `pgid` now.
  void kill_now(pid_t pgid);
  // Forgets a pending SIGKILL.
  void cancel();
  bool pending() const { return timer_.pending(); }

 private:
  Timer timer_;
  int64_t deadline_millis_ = 0;  // monotonic time of the pending SIGKILL
};

}  // namespace clusterctl
