#include "plugins/isolators/posix/process_tree.hpp"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/process/process.hpp"

namespace clusterctl {

namespace {

std::string proc_file(pid_t pid, const char* name) {
  return "/proc/" + std::to_string(pid) + "/" + name;
}

// utime + stime + cutime + cstime from /proc/PID/stat, in clock ticks.
int64_t cpu_ticks(pid_t pid) {
  std::ifstream file(proc_file(pid, "stat"));
  std::string text;
  std::getline(file, text);
  size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  int64_t ticks = 0;
  // After the name: state is field 3; utime..cstime are fields 14..17.
  for (int number = 3; number <= 17 && fields >> field; ++number) {
    if (number >= 14) ticks += std::stoll(field);
  }
  return ticks;
}

int64_t resident_bytes(pid_t pid) {
  std::ifstream file(proc_file(pid, "statm"));
  int64_t size = 0;
  int64_t resident = 0;
  if (!(file >> size >> resident)) return 0;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// The "Pss:" line of /proc/PID/smaps_rollup; -1 when it cannot be read
// (kernels before 4.14).
int64_t proportional_bytes(pid_t pid) {
  std::ifstream file(proc_file(pid, "smaps_rollup"));
  std::string key;
  int64_t kilobytes = 0;
  std::string unit;
  while (file >> key >> kilobytes >> unit) {
    if (key == "Pss:") return kilobytes * 1024;
  }
  return -1;
}

// Whether `a` and `b` have one address space. Where kcmp is missing, no.
bool share_memory(pid_t a, pid_t b) {
  return ::syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

}  // namespace

ProcessTreeUsage process_tree_usage(pid_t root) {
  ProcessTreeUsage usage;
  if (root <= 0 || ::access(("/proc/" + std::to_string(root)).c_str(), F_OK) != 0) return usage;
  double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  int64_t ticks = cpu_ticks(root);
  usage.processes = 1;
  std::vector<pid_t> parents = {root};
  while (!parents.empty()) {
    pid_t parent = parents.back();
    parents.pop_back();
    for (pid_t pid : child_pids(parent)) {
      parents.push_back(pid);
      ticks += cpu_ticks(pid);
      ++usage.processes;
      if (share_memory(pid, parent)) continue;  // its memory is its parent's
      int64_t resident = resident_bytes(pid);
      int64_t proportional = proportional_bytes(pid);
      usage.rss_bytes += resident;
      usage.pss_bytes += proportional >= 0 ? proportional : resident;
    }
  }
  usage.cpu_seconds = static_cast<double>(ticks) / ticks_per_second;
  return usage;
}

}  // namespace clusterctl
