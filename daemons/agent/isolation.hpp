// Isolation: the isolators of --isolation ("cgroups/cpu,cgroups/mem,...") as
// one ContainerHook, plus what only isolators do: measuring usage, noticing
// when a container hits a limit (through the plugins' watch descriptors, and
// on request), and recovering after an agent restart.
//
// An entry that fails to load does not stop the agent: every prepare then
// fails with that error, so the tasks sent here fail with a clear message.
// A task that sets resource limits fails unless posix/rlimits is loaded.
//
// Threading: the public methods and every callback run on the agent's
// io_context thread. Plugin calls (they block) run on the Isolation's own
// worker threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/task_usage.hpp"
#include "core/worker_pool.hpp"
#include "daemons/agent/container_launcher.hpp"

namespace clusterctl {

class Isolator;

struct IsolationOptions {
  std::vector<std::string> entries;  // "cgroups/mem", or paths to .so files
  std::string plugin_dir;
  IsolatorConfig config;  // given to every plugin (name set per entry)
  size_t threads = 2;
};

// "cgroups/cpu, cgroups/mem" -> {"cgroups/cpu", "cgroups/mem"}.
std::vector<std::string> split_isolation(const std::string& list);

class Isolation : public ContainerHook {
 public:
  using LimitationHandler =
      std::function<void(const std::string& container_id, const ContainerLimitation&)>;
  using CheckDone =
      std::function<void(std::optional<TaskUsage>, std::optional<ContainerLimitation>)>;

  Isolation(boost::asio::io_context& io, IsolationOptions options);
  ~Isolation() override;

  std::string name() const override { return "isolators"; }
  std::string failure_reason() const override { return "container isolation failed"; }
  void prepare(const ContainerConfig& config, PrepareDone done) override;
  // Also starts watching the container's limits.
  void isolate(const ContainerConfig& config, pid_t pid, Done done) override;
  void cleanup(const ContainerConfig& config, Done done) override;

  // OK when every entry loaded.
  const Status& load_status() const { return load_status_; }
  std::vector<std::string> loaded() const;

  // Called when a watched container went over a limit (at most once each).
  void set_limitation_handler(LimitationHandler handler) { on_limitation_ = std::move(handler); }

  // The container's usage (every isolator's, merged) and any limitation;
  // nothing for a container that is not isolated.
  void check(const std::string& container_id, CheckDone done);

  // The containers still running after an agent restart (config and the
  // executor's pid): the isolators re-attach to them and destroy whatever
  // else they find of theirs. Prepares wait until this is done.
  void recover(const std::vector<std::pair<ContainerConfig, pid_t>>& containers,
               std::function<void(Status)> done);

 private:
  struct Container;
  ContainerInfo info_of(const ContainerConfig& config, pid_t pid) const;
  void start_prepare(const ContainerConfig& config, PrepareDone done);
  void watch(const std::string& container_id, const std::vector<int>& descriptors);
  void arm(const std::string& container_id, size_t index);
  // Asks every isolator for a limitation; reports one, or re-arms watch `rearm`.
  void report_if_limited(const std::string& container_id, std::optional<size_t> rearm);

  boost::asio::io_context& io_;
  // Read-only after construction: worker threads use them (each Isolator
  // serializes its own calls).
  std::vector<std::unique_ptr<Isolator>> isolators_;
  Status load_status_;
  std::map<std::string, std::unique_ptr<Container>> containers_;  // by container id
  LimitationHandler on_limitation_;
  bool recovering_ = false;
  std::vector<std::function<void()>> after_recovery_;
  WorkerPool pool_;  // last: it goes first, waiting for running plugin calls
};

}  // namespace clusterctl
