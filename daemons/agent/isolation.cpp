#include "daemons/agent/isolation.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/timer.hpp"
#include "daemons/agent/isolator.hpp"

namespace clusterctl {

struct Isolation::Container {
  ContainerInfo info;
  bool isolated = false;
  bool limited = false;  // a limitation was reported
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> watches;
};

namespace {

constexpr const char* kRlimitsIsolator = "posix/rlimits";

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

std::vector<std::string> split_isolation(const std::string& list) {
  std::vector<std::string> entries;
  std::istringstream stream(list);
  for (std::string entry; std::getline(stream, entry, ',');) {
    entry = trim(entry);
    if (!entry.empty()) entries.push_back(entry);
  }
  return entries;
}

Isolation::Isolation(asio::io_context& io, IsolationOptions options)
    : io_(io), pool_(io, options.threads) {
  for (const std::string& entry : options.entries) {
    auto isolator = Isolator::load(entry, options.plugin_dir, options.config);
    if (!isolator) {
      LOG(kError) << isolator.status().message() << "; tasks sent to this agent will fail";
      if (load_status_) load_status_ = isolator.status();
      continue;
    }
    isolators_.push_back(std::move(isolator).value());
  }
}

Isolation::~Isolation() {
  containers_.clear();  // closes the watch descriptors
}

std::vector<std::string> Isolation::loaded() const {
  std::vector<std::string> names;
  for (const auto& isolator : isolators_) names.push_back(isolator->name());
  return names;
}

ContainerInfo Isolation::info_of(const ContainerConfig& config, pid_t pid) const {
  ContainerInfo info;
  info.container_id = config.container_id;
  info.framework_id = config.framework_id;
  info.executor_id = config.executor_id;
  info.task_id = config.task.task_id;
  info.task_name = config.task.name;
  info.sandbox = config.sandbox;
  info.resources = config.task.resources;
  info.rlimits = config.task.command.rlimits;
  info.pid = static_cast<int32_t>(pid);
  return info;
}

void Isolation::prepare(const ContainerConfig& config, PrepareDone done) {
  if (!load_status_) {
    done(load_status_);
    return;
  }
  if (recovering_) {
    after_recovery_.push_back([this, config, done] { start_prepare(config, done); });
    return;
  }
  start_prepare(config, std::move(done));
}

void Isolation::start_prepare(const ContainerConfig& config, PrepareDone done) {
  std::vector<std::string> names = loaded();
  if (!config.task.command.rlimits.empty() &&
      std::find(names.begin(), names.end(), kRlimitsIsolator) == names.end()) {
    done(Status::failed_precondition(
        "the task sets resource limits, but this agent does not run the posix/rlimits isolator "
        "(add it to the agent's --isolation)"));
    return;
  }
  auto container = std::make_unique<Container>();
  container->info = info_of(config, 0);
  ContainerInfo info = container->info;
  containers_[config.container_id] = std::move(container);
  pool_.run<StatusOr<LaunchRequirements>>(
      [this, info]() -> StatusOr<LaunchRequirements> {
        LaunchRequirements launch;
        for (const auto& isolator : isolators_) {
          auto prepared = isolator->prepare(info);
          if (!prepared) return prepared.status();
          launch.merge(*prepared);
        }
        return launch;
      },
      std::move(done));
}

void Isolation::isolate(const ContainerConfig& config, pid_t pid, Done done) {
  auto found = containers_.find(config.container_id);
  if (found == containers_.end()) {
    done(Status::internal("container " + config.container_id + " was not prepared"));
    return;
  }
  found->second->info.pid = static_cast<int32_t>(pid);
  ContainerInfo info = found->second->info;
  std::string id = config.container_id;
  pool_.run<StatusOr<std::vector<int>>>(
      [this, info, pid]() -> StatusOr<std::vector<int>> {
        for (const auto& isolator : isolators_) {
          CLUSTERCTL_RETURN_IF_ERROR(isolator->isolate(info, pid));
        }
        std::vector<int> descriptors;
        for (const auto& isolator : isolators_) descriptors.push_back(isolator->watch(info));
        return descriptors;
      },
      [this, id, done = std::move(done)](StatusOr<std::vector<int>> isolated) {
        auto found = containers_.find(id);
        if (isolated && found != containers_.end()) {
          found->second->isolated = true;
          watch(id, *isolated);
        }
        done(isolated ? Status::ok() : isolated.status());
      });
}

void Isolation::watch(const std::string& container_id, const std::vector<int>& descriptors) {
  Container& container = *containers_.at(container_id);
  for (int descriptor : descriptors) {
    if (descriptor < 0) continue;
    int copy = ::dup(descriptor);  // the plugin keeps its own; asio closes this one
    if (copy < 0) continue;
    container.watches.push_back(std::make_unique<asio::posix::stream_descriptor>(io_, copy));
    arm(container_id, container.watches.size() - 1);
  }
  // A limit hit before the descriptors were armed leaves no new edge: look once now.
  if (!container.watches.empty()) report_if_limited(container_id, std::nullopt);
}

void Isolation::arm(const std::string& container_id, size_t index) {
  Container& container = *containers_.at(container_id);
  container.watches[index]->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, container_id, index](const boost::system::error_code& error) {
        if (error) return;  // closed: the container or the Isolation is gone
        report_if_limited(container_id, index);
      });
}

void Isolation::report_if_limited(const std::string& container_id, std::optional<size_t> rearm) {
  auto found = containers_.find(container_id);
  if (found == containers_.end() || found->second->limited) return;
  ContainerInfo info = found->second->info;
  pool_.run<std::optional<ContainerLimitation>>(
      [this, info]() -> std::optional<ContainerLimitation> {
        for (const auto& isolator : isolators_) {
          auto answer = isolator->limitation(info);
          if (answer && answer->has_value()) return *answer;
        }
        return std::nullopt;
      },
      [this, container_id, rearm](std::optional<ContainerLimitation> limited) {
        auto found = containers_.find(container_id);
        if (found == containers_.end() || found->second->limited) return;
        if (limited) {
          found->second->limited = true;
          if (on_limitation_) on_limitation_(container_id, *limited);
        } else if (rearm) {
          arm(container_id, *rearm);
        }
      });
}

void Isolation::cleanup(const ContainerConfig& config, Done done) {
  auto found = containers_.find(config.container_id);
  if (found == containers_.end()) {
    done(Status::ok());
    return;
  }
  ContainerInfo info = found->second->info;
  containers_.erase(found);
  pool_.run<Status>(
      [this, info] {
        Status result;
        for (auto isolator = isolators_.rbegin(); isolator != isolators_.rend(); ++isolator) {
          Status cleaned = (*isolator)->cleanup(info);
          if (!cleaned && result) result = cleaned;
        }
        return result;
      },
      std::move(done));
}

void Isolation::check(const std::string& container_id, CheckDone done) {
  auto found = containers_.find(container_id);
  if (found == containers_.end() || !found->second->isolated) {
    done(std::nullopt, std::nullopt);
    return;
  }
  ContainerInfo info = found->second->info;
  using Answer = std::pair<std::optional<TaskUsage>, std::optional<ContainerLimitation>>;
  pool_.run<Answer>(
      [this, info] {
        UsageValues merged;
        std::optional<ContainerLimitation> limited;
        for (const auto& isolator : isolators_) {
          auto values = isolator->usage(info);
          if (values) {
            for (const auto& [key, value] : *values) merged[key] = std::max(merged[key], value);
          } else {
            LOG(kDebug) << values.status().message();
          }
          auto answer = isolator->limitation(info);
          if (!limited && answer && answer->has_value()) limited = *answer;
        }
        return Answer{task_usage_from(merged, wall_seconds()), limited};
      },
      [done = std::move(done)](Answer answer) { done(answer.first, answer.second); });
}

void Isolation::recover(const std::vector<std::pair<ContainerConfig, pid_t>>& containers,
                        std::function<void(Status)> done) {
  recovering_ = true;
  std::vector<ContainerInfo> infos;
  for (const auto& [config, pid] : containers) {
    auto container = std::make_unique<Container>();
    container->info = info_of(config, pid);
    container->isolated = true;
    infos.push_back(container->info);
    containers_[config.container_id] = std::move(container);
  }
  using Answer = std::pair<Status, std::vector<std::vector<int>>>;
  pool_.run<Answer>(
      [this, infos] {
        Answer answer;
        for (const auto& isolator : isolators_) {
          Status recovered = isolator->recover(infos);
          if (!recovered && answer.first) answer.first = recovered;
        }
        for (const ContainerInfo& info : infos) {
          std::vector<int> descriptors;
          for (const auto& isolator : isolators_) descriptors.push_back(isolator->watch(info));
          answer.second.push_back(descriptors);
        }
        return answer;
      },
      [this, infos, done = std::move(done)](Answer answer) {
        recovering_ = false;
        for (size_t i = 0; i < infos.size(); ++i) {
          if (containers_.count(infos[i].container_id) > 0) {
            watch(infos[i].container_id, answer.second[i]);
          }
        }
        auto waiting = std::move(after_recovery_);
        after_recovery_.clear();
        for (auto& start : waiting) start();
        done(answer.first);
      });
}

}  // namespace clusterctl
