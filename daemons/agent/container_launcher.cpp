#include "daemons/agent/container_launcher.hpp"

#include "core/log.hpp"
#include "core/process/process.hpp"

namespace clusterctl {

ContainerLauncher::ContainerLauncher(std::vector<std::shared_ptr<ContainerHook>> hooks)
    : hooks_(std::move(hooks)) {}

void ContainerLauncher::prepare(const ContainerConfig& config,
                                std::function<void(PrepareResult)> done) {
  std::string container_id = config.container_id;
  preparing_[container_id] = false;
  prepare_from(0, std::make_shared<const ContainerConfig>(config), LaunchRequirements{},
               [this, container_id, done = std::move(done)](PrepareResult result) {
                 preparing_.erase(container_id);
                 done(std::move(result));
               });
}

void ContainerLauncher::prepare_from(size_t index, std::shared_ptr<const ContainerConfig> config,
                                     LaunchRequirements launch,
                                     std::function<void(PrepareResult)> done) {
  if (index == hooks_.size()) {
    done(PrepareResult{std::move(launch), ""});
    return;
  }
  std::shared_ptr<ContainerHook> hook = hooks_[index];
  auto found = preparing_.find(config->container_id);
  if (found != preparing_.end() && found->second) {  // cancelled: the next hook never starts
    done(PrepareResult{
        Status::failed_precondition("the launch of container " + config->container_id +
                                    " was cancelled before " + hook->name()),
        hook->failure_reason()});
    return;
  }
  hook->prepare(*config, [this, index, config, launch, hook,
                          done = std::move(done)](StatusOr<LaunchRequirements> prepared) mutable {
    if (!prepared) {
      done(PrepareResult{prepared.status(), hook->failure_reason()});
      return;
    }
    launch.merge(*prepared);
    prepare_from(index + 1, config, std::move(launch), std::move(done));
  });
}

StatusOr<pid_t> ContainerLauncher::spawn(const ContainerConfig& config,
                                         const LaunchRequirements& launch) const {
  SpawnOptions options;
  options.argv = config.argv;
  options.env = config.env;
  for (const auto& [key, value] : launch.environment) set_env(options.env, key, value);
  options.working_dir = config.sandbox;
  options.stdout_path = config.log_path;
  options.stderr_path = config.log_path;
  options.credentials = config.credentials;
  for (const std::string& name : launch.namespaces) {
    if (name != "pid")
      return Status::invalid("an isolator asked for an unknown namespace '" + name + "'");
    options.new_pid_namespace = true;
  }
  return spawn_process(options);
}

void ContainerLauncher::isolate(const ContainerConfig& config, pid_t pid,
                                std::function<void(Status)> done) {
  isolate_from(0, std::make_shared<const ContainerConfig>(config), pid, std::move(done));
}

void ContainerLauncher::isolate_from(size_t index, std::shared_ptr<const ContainerConfig> config,
                                     pid_t pid, std::function<void(Status)> done) {
  if (index == hooks_.size()) {
    done(Status::ok());
    return;
  }
  hooks_[index]->isolate(
      *config, pid, [this, index, config, pid, done = std::move(done)](Status isolated) mutable {
        if (!isolated) {
          done(isolated);
          return;
        }
        isolate_from(index + 1, config, pid, std::move(done));
      });
}

void ContainerLauncher::cleanup(const ContainerConfig& config, std::function<void()> done) {
  cleanup_from(hooks_.size(), std::make_shared<const ContainerConfig>(config), std::move(done));
}

void ContainerLauncher::cleanup_from(size_t index, std::shared_ptr<const ContainerConfig> config,
                                     std::function<void()> done) {
  if (index == 0) {
    done();
    return;
  }
  std::shared_ptr<ContainerHook> hook = hooks_[index - 1];
  hook->cleanup(*config,
                [this, index, config, hook, done = std::move(done)](Status cleaned) mutable {
                  if (!cleaned) {
                    LOG(kWarning) << "cleanup of container " << config->container_id << " ("
                                  << hook->name() << "): " << cleaned.message();
                  }
                  cleanup_from(index - 1, config, std::move(done));
                });
}

void ContainerLauncher::cancel(const std::string& container_id) {
  auto found = preparing_.find(container_id);
  if (found != preparing_.end()) found->second = true;
  for (const auto& hook : hooks_) hook->cancel(container_id);
}

}  // namespace clusterctl
