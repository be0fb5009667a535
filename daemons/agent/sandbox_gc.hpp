// SandboxGc: removes the sandboxes of finished tasks, --gc-delay after they
// finished, or sooner (oldest first) while the work directory's file system
// has less than --gc-disk-headroom of its space free. It also tidies the
// layout: a removed run's `latest` link, and executor and framework
// directories left empty. Removal runs on a worker thread.
//
// Threading: the public methods run on the agent's io_context thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/timer.hpp"
#include "core/worker_pool.hpp"

namespace clusterctl {

struct SandboxGcOptions {
  Duration delay{7LL * 24 * 3600 * 1000};
  double disk_headroom = 0.1;  // fraction of the file system kept free
  Duration disk_watch_interval{60000};
  std::string work_dir;  // whose file system is watched
  // The free fraction of the work dir's file system; tests may replace it.
  std::function<double()> free_fraction;
};

class SandboxGc {
 public:
  SandboxGc(boost::asio::io_context& io, SandboxGcOptions options);

  // Starts watching the disk.
  void start();
  // The task of `sandbox` finished now.
  void schedule(const std::string& sandbox);
  size_t pending() const { return due_.size(); }
  // Called after each removal (tests).
  void on_removed(std::function<void(const std::string& sandbox)> callback) {
    removed_ = std::move(callback);
  }

 private:
  void arm_delay_timer();
  void collect_due();
  void check_disk();
  void remove(const std::string& sandbox);

  SandboxGcOptions options_;
  std::multimap<int64_t, std::string> due_;  // monotonic millis -> sandbox
  Timer delay_timer_;
  Timer disk_timer_;
  bool removing_for_disk_ = false;
  std::function<void(const std::string&)> removed_;
  WorkerPool pool_;  // last: it goes first
};

// Removes one sandbox and what the layout keeps only for it (blocking).
void remove_sandbox(const std::string& sandbox);

// statvfs: available / total of the file system holding `path` (1 on error).
double free_disk_fraction(const std::string& path);

}  // namespace clusterctl
