// isolator_cgroups_mem.so: the memory limit (v1 memory.limit_in_bytes, v2
// memory.max with memory.oom.group), the kernel's OOM kills turned into a
// "memory limit exceeded" limitation, and the memory used.
//
// The executor is in the task's cgroup (so that all the task forks is), and
// what it holds there is charged to the cgroup: the limit is the task's mem
// plus kExecutorMemoryReserveMb for it, so that the task has the whole of its
// mem. Usage reports the cgroup's numbers (the executor's few MB included)
// and mem_limit_bytes the task's mem.
//
// The agent learns of an OOM kill without polling: watch() is an eventfd
// registered on memory.oom_control (v1) or an inotify watch of memory.events
// (v2); limitation() then reads the oom_kill counter.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include "plugins/isolators/cgroups/cgroups_isolator.hpp"

namespace clusterctl {
namespace {

constexpr int64_t kBytesPerMb = 1024 * 1024;

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / kBytesPerMb);
  return text;
}

class MemIsolator : public CgroupsIsolator {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig& config) {
    auto mounts = find_mounts({"memory"});
    if (!mounts) return mounts.status();
    return new MemIsolator(config, {"memory"}, std::move(mounts).value());
  }

  ~MemIsolator() override {
    for (auto& [id, watch] : watches_) close_watch(watch);
  }

  int watch(const ContainerInfo& container) override {
    auto found = watches_.find(container.container_id);
    if (found != watches_.end()) return found->second.notify_fd;
    Watch watch = open_watch(cgroup(container));
    if (watch.notify_fd < 0) return -1;
    watches_[container.container_id] = watch;
    return watch.notify_fd;
  }

  StatusOr<std::optional<ContainerLimitation>> limitation(const ContainerInfo& container) override {
    bool v2 = version() == CgroupVersion::kV2;
    auto found = watches_.find(container.container_id);
    // v1 signals the eventfd when the cgroup runs out of memory, which may be
    // just before the kernel's OOM killer counts its kill: the signal decides.
    if (found != watches_.end() && drain(found->second.notify_fd) && !v2) {
      found->second.out_of_memory = true;
    }
    bool signalled = found != watches_.end() && found->second.out_of_memory;
    Cgroup memory = cgroup(container);
    auto counters = memory.read_keyed(v2 ? "memory.events" : "memory.oom_control");
    if (!counters) return counters.status();
    if (!signalled && (*counters)["oom_kill"] == 0 && (*counters)["oom_group_kill"] == 0) {
      return std::optional<ContainerLimitation>();
    }
    auto values = usage(container);
    int64_t peak = values ? static_cast<int64_t>((*values)["mem_peak_bytes"]) : 0;
    ContainerLimitation limited;
    limited.reason = kMemoryLimitReason;
    limited.message = "the task went over its memory limit of " +
                      megabytes(limit_bytes(container)) + " (its executor had " +
                      megabytes(kExecutorMemoryReserveMb * kBytesPerMb) +
                      " more) and the kernel killed it";
    if (peak > 0) limited.message += "; peak usage " + megabytes(peak);
    return std::optional<ContainerLimitation>(limited);
  }

  StatusOr<UsageValues> usage(const ContainerInfo& container) override {
    Cgroup memory = cgroup(container);
    UsageValues values;
    bool v2 = version() == CgroupVersion::kV2;
    auto stat = memory.read_keyed("memory.stat");
    if (!stat) return stat.status();
    values["mem_rss_bytes"] = static_cast<double>(v2 ? (*stat)["anon"] : (*stat)["total_rss"]);
    auto current = memory.read_number(v2 ? "memory.current" : "memory.usage_in_bytes");
    if (current) values["mem_usage_bytes"] = static_cast<double>(*current);
    auto peak = memory.read_number(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
    if (peak) values["mem_peak_bytes"] = static_cast<double>(*peak);
    int64_t limit = limit_bytes(container);
    if (limit > 0) values["mem_limit_bytes"] = static_cast<double>(limit);
    return values;
  }

  Status cleanup(const ContainerInfo& container) override {
    auto found = watches_.find(container.container_id);
    if (found != watches_.end()) {
      close_watch(found->second);
      watches_.erase(found);
    }
    return CgroupsIsolator::cleanup(container);
  }

 private:
  using CgroupsIsolator::CgroupsIsolator;

  struct Watch {
    int notify_fd = -1;          // eventfd (v1) or inotify (v2): what the agent polls
    int control_fd = -1;         // v1: memory.oom_control, open while registered
    bool out_of_memory = false;  // v1: the eventfd was signalled
  };

  // The task's mem.
  static int64_t limit_bytes(const ContainerInfo& container) {
    return static_cast<int64_t>(container.resources.scalar("mem") * kBytesPerMb);
  }
  // The cgroup's limit: the task's and its executor's.
  static int64_t cgroup_limit_bytes(const ContainerInfo& container) {
    int64_t task = limit_bytes(container);
    return task > 0 ? task + kExecutorMemoryReserveMb * kBytesPerMb : 0;
  }

  Status configure(const ContainerInfo& container) const override {
    Cgroup memory = cgroup(container);
    if (version() == CgroupVersion::kV2) {
      // One OOM kill takes the whole container: no half-dead task.
      if (memory.has_file("memory.oom.group")) (void)memory.write("memory.oom.group", "1");
      if (memory.has_file("memory.swap.max")) (void)memory.write("memory.swap.max", "0");
    }
    int64_t limit = cgroup_limit_bytes(container);
    if (limit <= 0) return Status::ok();
    std::string bytes = std::to_string(limit);
    if (version() == CgroupVersion::kV2) return memory.write("memory.max", bytes);
    CLUSTERCTL_RETURN_IF_ERROR(memory.write("memory.limit_in_bytes", bytes));
    // With swap accounting, memory plus swap gets the same limit: no swapping out of it.
    if (memory.has_file("memory.memsw.limit_in_bytes")) {
      (void)memory.write("memory.memsw.limit_in_bytes", bytes);
    }
    return Status::ok();
  }

  Watch open_watch(const Cgroup& memory) const {
    Watch watch;
    if (version() == CgroupVersion::kV2) {
      watch.notify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (watch.notify_fd >= 0 &&
          ::inotify_add_watch(watch.notify_fd, (memory.path() + "/memory.events").c_str(),
                              IN_MODIFY) < 0) {
        close_watch(watch);
      }
      return watch;
    }
    watch.notify_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    watch.control_fd =
        ::open((memory.path() + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC);
    if (watch.notify_fd < 0 || watch.control_fd < 0 ||
        !memory.write("cgroup.event_control",
                      std::to_string(watch.notify_fd) + " " + std::to_string(watch.control_fd))) {
      close_watch(watch);
    }
    return watch;
  }

  static void close_watch(Watch& watch) {
    if (watch.notify_fd >= 0) ::close(watch.notify_fd);
    if (watch.control_fd >= 0) ::close(watch.control_fd);
    watch = Watch{};
  }

  // Reads what made `fd` readable; whether there was anything.
  static bool drain(int fd) {
    char buffer[4096];
    bool any = false;
    while (::read(fd, buffer, sizeof(buffer)) > 0) any = true;
    return any;
  }

  std::map<std::string, Watch> watches_;  // by container id
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::MemIsolator, "cgroups/mem",
                           "memory limit with OOM kills reported as limitations, through cgroups")
