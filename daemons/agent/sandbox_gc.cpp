#include "daemons/agent/sandbox_gc.hpp"

#include <sys/statvfs.h>

#include <filesystem>

#include "core/log.hpp"

namespace clusterctl {

namespace fs = std::filesystem;

double free_disk_fraction(const std::string& path) {
  struct statvfs info;
  if (::statvfs(path.c_str(), &info) != 0 || info.f_blocks == 0) return 1.0;
  return static_cast<double>(info.f_bavail) / static_cast<double>(info.f_blocks);
}

void remove_sandbox(const std::string& sandbox) {
  std::error_code error;
  fs::path run(sandbox);
  fs::remove_all(run, error);
  if (error) LOG(kWarning) << "cannot remove sandbox " << sandbox << ": " << error.message();
  // runs/latest pointing at this run goes with it; then empty parents.
  fs::path runs = run.parent_path();
  fs::path latest = runs / "latest";
  if (fs::is_symlink(latest, error) && fs::read_symlink(latest, error) == run.filename()) {
    fs::remove(latest, error);
  }
  // .../frameworks/FW/executors/EXECUTOR/runs: up to the framework directory.
  fs::path dir = runs;
  for (int level = 0; level < 4 && fs::is_empty(dir, error) && !error; ++level) {
    fs::remove(dir, error);
    dir = dir.parent_path();
  }
}

SandboxGc::SandboxGc(boost::asio::io_context& io, SandboxGcOptions options)
    : options_(std::move(options)), delay_timer_(io), disk_timer_(io), pool_(io, 1) {
  if (!options_.free_fraction) {
    std::string dir = options_.work_dir;
    options_.free_fraction = [dir] { return free_disk_fraction(dir); };
  }
}

void SandboxGc::start() {
  disk_timer_.start(options_.disk_watch_interval, [this] {
    check_disk();
    start();
  });
}

void SandboxGc::schedule(const std::string& sandbox) {
  due_.emplace(monotonic_millis() + options_.delay.count(), sandbox);
  arm_delay_timer();
  check_disk();
}

void SandboxGc::arm_delay_timer() {
  if (due_.empty()) {
    delay_timer_.cancel();
    return;
  }
  int64_t wait = std::max<int64_t>(0, due_.begin()->first - monotonic_millis());
  delay_timer_.start(Duration(wait), [this] { collect_due(); });
}

void SandboxGc::collect_due() {
  int64_t now = monotonic_millis();
  while (!due_.empty() && due_.begin()->first <= now) {
    std::string sandbox = due_.begin()->second;
    due_.erase(due_.begin());
    remove(sandbox);
  }
  arm_delay_timer();
}

// Below the headroom: remove the oldest finished sandbox, look again when it is gone.
void SandboxGc::check_disk() {
  if (removing_for_disk_ || due_.empty()) return;
  if (options_.free_fraction() >= options_.disk_headroom) return;
  std::string sandbox = due_.begin()->second;
  due_.erase(due_.begin());
  LOG(kInfo) << "less than " << options_.disk_headroom * 100
             << "% of the disk is free: removing sandbox " << sandbox << " early";
  removing_for_disk_ = true;
  remove(sandbox);
  arm_delay_timer();
}

void SandboxGc::remove(const std::string& sandbox) {
  pool_.run<bool>(
      [sandbox] {
        remove_sandbox(sandbox);
        return true;
      },
      [this, sandbox](bool) {
        LOG(kDebug) << "removed sandbox " << sandbox;
        if (removed_) removed_(sandbox);
        if (removing_for_disk_) {
          removing_for_disk_ = false;
          check_disk();
        }
      });
}

}  // namespace clusterctl
