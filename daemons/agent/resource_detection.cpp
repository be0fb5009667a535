#include "daemons/agent/resource_detection.hpp"

#include <sched.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace clusterctl {

namespace {

constexpr uint64_t kMaxReserveMb = 1024;
constexpr const char* kDefaultPorts = "[31000-32000]";

StatusOr<int> detect_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    return Status::io_error(std::string("cannot read the CPU affinity: ") + std::strerror(errno));
  }
  return CPU_COUNT(&set);
}

StatusOr<uint64_t> detect_mem_mb() {
  std::ifstream file("/proc/meminfo");
  if (!file) return Status::io_error("cannot read /proc/meminfo");
  std::stringstream text;
  text << file.rdbuf();
  return meminfo_total_mb(text.str());
}

StatusOr<uint64_t> detect_disk_mb(const std::string& work_dir) {
  struct statvfs info;
  if (::statvfs(work_dir.c_str(), &info) != 0) {
    return Status::io_error("cannot read the free space of '" + work_dir +
                            "': " + std::strerror(errno));
  }
  return static_cast<uint64_t>(info.f_bavail) * info.f_frsize / (1024 * 1024);
}

}  // namespace

StatusOr<uint64_t> meminfo_total_mb(const std::string& meminfo) {
  std::istringstream lines(meminfo);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream fields(line.substr(9));
    uint64_t kb = 0;
    std::string unit;
    if (fields >> kb >> unit && unit == "kB") return kb / 1024;
    break;
  }
  return Status::io_error("no 'MemTotal: N kB' line in /proc/meminfo");
}

uint64_t after_reserve_mb(uint64_t total_mb) {
  return total_mb - std::min(kMaxReserveMb, total_mb / 4);
}

StatusOr<Resources> detect_resources(const std::string& work_dir) {
  auto cpus = detect_cpus();
  if (!cpus) return cpus.status();
  auto mem = detect_mem_mb();
  if (!mem) return mem.status();
  auto disk = detect_disk_mb(work_dir);
  if (!disk) return disk.status();
  std::string text = "cpus:" + std::to_string(*cpus) +
                     ";mem:" + std::to_string(after_reserve_mb(*mem)) +
                     ";disk:" + std::to_string(after_reserve_mb(*disk)) + ";ports:" + kDefaultPorts;
  return Resources::parse(text);
}

}  // namespace clusterctl
