#include "daemons/agent/container_launcher.hpp"

#include "core/process/process.hpp"

namespace clusterctl {

ContainerLauncher::ContainerLauncher(std::vector<std::unique_ptr<ContainerHook>> hooks)
    : hooks_(std::move(hooks)) {}

Status ContainerLauncher::prepare(const ContainerConfig& config) {
  for (const auto& hook : hooks_) {
    Status prepared = hook->prepare(config);
    if (!prepared)
      return Status(prepared.kind(), "prepare (" + hook->name() + "): " + prepared.message());
  }
  return Status::ok();
}

StatusOr<pid_t> ContainerLauncher::spawn(const ContainerConfig& config) {
  SpawnOptions options;
  options.argv = config.argv;
  options.env = config.env;
  options.working_dir = config.sandbox;
  options.stdout_path = config.log_path;
  options.stderr_path = config.log_path;
  return spawn_process(options);
}

Status ContainerLauncher::isolate(const ContainerConfig& config, pid_t pid) {
  for (const auto& hook : hooks_) {
    Status isolated = hook->isolate(config, pid);
    if (!isolated)
      return Status(isolated.kind(), "isolate (" + hook->name() + "): " + isolated.message());
  }
  return Status::ok();
}

void ContainerLauncher::cleanup(const ContainerConfig& config) {
  for (auto hook = hooks_.rbegin(); hook != hooks_.rend(); ++hook) {
    (*hook)->cleanup(config);
  }
}

}  // namespace clusterctl
