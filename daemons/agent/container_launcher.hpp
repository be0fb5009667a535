// ContainerLauncher: how the agent starts an executor in its container.
//
//   prepare(config)      before the spawn: every hook, in order
//   spawn(config)        the executor process, in its own session
//   isolate(config, pid) right after the spawn, before the executor can get
//                        its task (the agent answers executor.register on the
//                        same thread, after this returns)
//   cleanup(config)      after the executor exited and was reaped, hooks in
//                        reverse order
//
// This is the seam for later work: the fetcher (artifacts into the sandbox)
// and the isolators (cgroups) become ContainerHooks. There are none yet, so a
// launch is a plain spawn. Hooks run on the agent's thread and must be quick;
// a hook that blocks (a download) will need an asynchronous prepare.
//
// Threading: one io_context thread, like the Agent that owns it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/messages.hpp"
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
};

// One step around a container's life (a fetcher, an isolator).
class ContainerHook {
 public:
  virtual ~ContainerHook() = default;
  virtual std::string name() const = 0;
  virtual Status prepare(const ContainerConfig& config) { return Status::ok(); }
  virtual Status isolate(const ContainerConfig& config, pid_t pid) { return Status::ok(); }
  virtual void cleanup(const ContainerConfig& config) {}
};

class ContainerLauncher {
 public:
  explicit ContainerLauncher(std::vector<std::unique_ptr<ContainerHook>> hooks = {});

  // Errors name the hook that failed ("prepare (fetcher): ...").
  Status prepare(const ContainerConfig& config);
  StatusOr<pid_t> spawn(const ContainerConfig& config);
  Status isolate(const ContainerConfig& config, pid_t pid);
  void cleanup(const ContainerConfig& config);

 private:
  std::vector<std::unique_ptr<ContainerHook>> hooks_;
};

}  // namespace clusterctl
