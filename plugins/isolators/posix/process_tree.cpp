#include "plugins/isolators/posix/process_tree.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/process/process.hpp"

namespace clusterctl {

namespace {

// utime + stime + cutime + cstime from /proc/PID/stat, in clock ticks.
int64_t cpu_ticks(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
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
  std::ifstream file("/proc/" + std::to_string(pid) + "/statm");
  int64_t size = 0;
  int64_t resident = 0;
  if (!(file >> size >> resident)) return 0;
  return resident * ::sysconf(_SC_PAGESIZE);
}

}  // namespace

std::vector<pid_t> process_descendants(pid_t root) {
  std::vector<pid_t> found;
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    pid_t pid = frontier.back();
    frontier.pop_back();
    for (pid_t child : child_pids(pid)) {
      found.push_back(child);
      frontier.push_back(child);
    }
  }
  return found;
}

ProcessTreeUsage process_tree_usage(pid_t root) {
  ProcessTreeUsage usage;
  if (root <= 0 || ::access(("/proc/" + std::to_string(root)).c_str(), F_OK) != 0) return usage;
  double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  int64_t ticks = cpu_ticks(root);
  usage.processes = 1;
  for (pid_t pid : process_descendants(root)) {
    ticks += cpu_ticks(pid);
    usage.rss_bytes += resident_bytes(pid);
    ++usage.processes;
  }
  usage.cpu_seconds = static_cast<double>(ticks) / ticks_per_second;
  return usage;
}

}  // namespace clusterctl
