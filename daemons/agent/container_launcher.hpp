// ContainerLauncher: how the agent starts an executor in its container.
//
//   prepare(config)      before the spawn: every hook in order, off the
//                        agent's thread (fetching artifacts, creating
//                        cgroups); each may add launch requirements
//   spawn(config)        the executor process, in its own session (and a new
//                        pid namespace when a hook asked for one), as the
//                        config's user
//   isolate(config, pid) right after the spawn (moving it into its cgroups);
//                        the agent answers executor.register only after this
//                        finished, so the executor cannot get its task before
//   cleanup(config)      after the executor exited and was reaped, hooks in
//                        reverse order (killing what is left, removing cgroups)
//
// Hooks do their blocking work on their own threads and report back on the
// agent's io_context thread. The first failing prepare stops the launch; its
// hook names the reason the task fails with ("fetch failed"). A cancel
// reaches the hook preparing now and stops the hooks after it from starting
// (a kill that comes while the isolators prepare never lets the fetch begin).
//
// Threading: one io_context thread, like the Agent that owns it; every
// callback runs there.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/isolator_messages.hpp"
#include "core/messages.hpp"
#include "core/process/process.hpp"
#include "core/status.hpp"

namespace clusterctl {

struct ContainerConfig {
  std::string container_id;
  std::string framework_id;
  std::string executor_id;
  std::string sandbox;
  TaskInfo task;
  std::vector<std::string> argv;  // the executor's command line
  std::vector<std::string> env;
  std::string log_path;  // the executor's own stdout and stderr
  // The user the executor and its task run as; unset: the agent's.
  std::optional<SpawnCredentials> credentials;
  std::string user;    // its name (the agent's user when not switched)
  std::string secret;  // the executor proves itself with it (task_user.hpp)
};

// One step around a container's life (the fetcher, the isolators). Every
// method calls its `done` exactly once, on the agent's io_context thread
// (possibly before returning).
class ContainerHook {
 public:
  using PrepareDone = std::function<void(StatusOr<LaunchRequirements>)>;
  using Done = std::function<void(Status)>;

  virtual ~ContainerHook() = default;
  virtual std::string name() const = 0;
  // The reason a task fails with when this hook's prepare fails.
  virtual std::string failure_reason() const { return "container launch failed"; }
  virtual void prepare(const ContainerConfig& config, PrepareDone done) {
    done(LaunchRequirements{});
  }
  virtual void isolate(const ContainerConfig& config, pid_t pid, Done done) { done(Status::ok()); }
  // Errors are logged; cleanup goes on with the next hook.
  virtual void cleanup(const ContainerConfig& config, Done done) { done(Status::ok()); }
  // Cuts a prepare in progress short (the task is being killed); its done
  // then reports an error.
  virtual void cancel(const std::string& container_id) {}
};

// How a prepare ended: launch requirements, or the failure and its reason.
struct PrepareResult {
  StatusOr<LaunchRequirements> launch = LaunchRequirements{};
  std::string failure_reason;  // set on failure: the failing hook's
};

class ContainerLauncher {
 public:
  explicit ContainerLauncher(std::vector<std::shared_ptr<ContainerHook>> hooks = {});

  void prepare(const ContainerConfig& config, std::function<void(PrepareResult)> done);
  StatusOr<pid_t> spawn(const ContainerConfig& config, const LaunchRequirements& launch) const;
  void isolate(const ContainerConfig& config, pid_t pid, std::function<void(Status)> done);
  void cleanup(const ContainerConfig& config, std::function<void()> done);
  // Stops the prepare of `container_id`, if one is in progress: its done
  // then reports an error.
  void cancel(const std::string& container_id);

 private:
  void prepare_from(size_t index, std::shared_ptr<const ContainerConfig> config,
                    LaunchRequirements launch, std::function<void(PrepareResult)> done);
  void isolate_from(size_t index, std::shared_ptr<const ContainerConfig> config, pid_t pid,
                    std::function<void(Status)> done);
  void cleanup_from(size_t index, std::shared_ptr<const ContainerConfig> config,
                    std::function<void()> done);

  std::vector<std::shared_ptr<ContainerHook>> hooks_;
  // Containers being prepared, and whether a cancel came for each.
  std::map<std::string, bool> preparing_;
};

}  // namespace clusterctl
