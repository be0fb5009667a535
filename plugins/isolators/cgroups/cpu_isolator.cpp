// isolator_cgroups_cpu.so: CPU shares always (v1 cpu.shares, v2 cpu.weight),
// a hard CFS quota with enable_cfs (v1 cpu.cfs_quota_us, v2 cpu.max), and the
// CPU time used (v1 cpuacct.usage, v2 cpu.stat usage_usec).
#include <algorithm>
#include <cmath>

#include "plugins/isolators/cgroups/cgroups_isolator.hpp"

namespace clusterctl {
namespace {

constexpr int64_t kSharesPerCpu = 1024;
constexpr int64_t kMinShares = 2;
constexpr int64_t kCfsPeriodMicros = 100000;
constexpr int64_t kMinCfsQuotaMicros = 1000;

class CpuIsolator : public CgroupsIsolator {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig& config) {
    auto mounts = find_mounts({"cpu"});
    if (!mounts) return mounts.status();
    std::vector<std::string> controllers = {"cpu"};
    if (mounts->front().version == CgroupVersion::kV1) {
      // Usage is counted by cpuacct: co-mounted with cpu, or its own hierarchy.
      auto accounting = find_controller_mount("cpuacct");
      if (!accounting) return accounting.status();
      controllers.push_back("cpuacct");
      mounts->push_back(*accounting);
    }
    return new CpuIsolator(config, controllers, std::move(mounts).value());
  }

  StatusOr<UsageValues> usage(const ContainerInfo& container) override {
    UsageValues values;
    Cgroup cpu = cgroup(container);
    if (version() == CgroupVersion::kV2) {
      auto stat = cpu.read_keyed("cpu.stat");
      if (!stat) return stat.status();
      values["cpu_seconds"] = static_cast<double>((*stat)["usage_usec"]) / 1e6;
      values["cpu_throttled_seconds"] = static_cast<double>((*stat)["throttled_usec"]) / 1e6;
    } else {
      auto used = cgroup(container, 1).read_number("cpuacct.usage");
      if (!used) return used.status();
      values["cpu_seconds"] = static_cast<double>(*used) / 1e9;
      auto stat = cpu.read_keyed("cpu.stat");
      if (stat)
        values["cpu_throttled_seconds"] = static_cast<double>((*stat)["throttled_time"]) / 1e9;
    }
    return values;
  }

 private:
  using CgroupsIsolator::CgroupsIsolator;

  Status configure(const ContainerInfo& container) const override {
    double cpus = container.resources.scalar("cpus");
    if (cpus <= 0) return Status::ok();  // no CPU asked for: the default share
    Cgroup cpu = cgroup(container);
    int64_t shares = std::max(kMinShares, static_cast<int64_t>(std::llround(cpus * kSharesPerCpu)));
    int64_t quota =
        std::max(kMinCfsQuotaMicros, static_cast<int64_t>(std::llround(cpus * kCfsPeriodMicros)));
    if (version() == CgroupVersion::kV2) {
      // The usual shares -> weight mapping: [2, 262144] onto [1, 10000].
      int64_t weight = std::clamp<int64_t>(1 + ((shares - 2) * 9999) / 262142, 1, 10000);
      CLUSTERCTL_RETURN_IF_ERROR(cpu.write("cpu.weight", std::to_string(weight)));
      if (config().enable_cfs) {
        CLUSTERCTL_RETURN_IF_ERROR(
            cpu.write("cpu.max", std::to_string(quota) + " " + std::to_string(kCfsPeriodMicros)));
      }
      return Status::ok();
    }
    CLUSTERCTL_RETURN_IF_ERROR(cpu.write("cpu.shares", std::to_string(shares)));
    if (config().enable_cfs) {
      CLUSTERCTL_RETURN_IF_ERROR(cpu.write("cpu.cfs_period_us", std::to_string(kCfsPeriodMicros)));
      CLUSTERCTL_RETURN_IF_ERROR(cpu.write("cpu.cfs_quota_us", std::to_string(quota)));
    }
    return Status::ok();
  }
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::CpuIsolator, "cgroups/cpu",
                           "CPU shares, optional CFS quota and CPU time through cgroups")
