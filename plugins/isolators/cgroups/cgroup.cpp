#include "plugins/isolators/cgroups/cgroup.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/process/process.hpp"
#include "plugins/isolators/cgroups/cgroup_files.hpp"

namespace clusterctl {

namespace {

constexpr int kKillRounds = 20;
constexpr Duration kKillWait{5000};

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::ok();
  return Status::io_error("cannot create cgroup '" + path + "': " + std::strerror(errno));
}

// v2: children of `dir` may use `controller` once it is in its subtree_control.
Status enable_for_children(const std::string& dir, const std::string& controller) {
  auto enabled = read_cgroup_file(dir + "/cgroup.subtree_control");
  if (enabled) {
    std::istringstream words(*enabled);
    for (std::string word; words >> word;) {
      if (word == controller) return Status::ok();
    }
  }
  return write_cgroup_file(dir + "/cgroup.subtree_control", "+" + controller);
}

}  // namespace

Cgroup::Cgroup(CgroupMount mount, std::string root, std::string name)
    : mount_(std::move(mount)), root_(std::move(root)) {
  path_ = mount_.path + "/" + root_ + "/" + name;
}

bool Cgroup::exists() const {
  struct stat info;
  return ::stat(path_.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

Status Cgroup::create(const std::string& controller) const {
  std::string dir = mount_.path;
  bool v2 = mount_.version == CgroupVersion::kV2;
  for (const auto& part : std::filesystem::path(root_)) {
    if (v2) CLUSTERCTL_RETURN_IF_ERROR(enable_for_children(dir, controller));
    dir += "/" + part.string();
    CLUSTERCTL_RETURN_IF_ERROR(make_dir(dir));
  }
  if (v2) CLUSTERCTL_RETURN_IF_ERROR(enable_for_children(dir, controller));
  return make_dir(path_);
}

StatusOr<std::string> Cgroup::read(const std::string& file) const {
  return read_cgroup_file(path_ + "/" + file);
}

Status Cgroup::write(const std::string& file, const std::string& value) const {
  return write_cgroup_file(path_ + "/" + file, value);
}

StatusOr<int64_t> Cgroup::read_number(const std::string& file) const {
  return read_cgroup_number(path_ + "/" + file);
}

StatusOr<std::map<std::string, int64_t>> Cgroup::read_keyed(const std::string& file) const {
  auto text = read(file);
  if (!text) return text.status();
  return parse_keyed_values(*text);
}

bool Cgroup::has_file(const std::string& file) const {
  return ::access((path_ + "/" + file).c_str(), F_OK) == 0;
}

Status Cgroup::add_process(pid_t pid) const {
  return write("cgroup.procs", std::to_string(pid));
}

std::vector<pid_t> Cgroup::processes() const {
  std::vector<pid_t> pids;
  auto text = read("cgroup.procs");
  if (!text) return pids;
  std::istringstream stream(*text);
  for (pid_t pid; stream >> pid;) pids.push_back(pid);
  return pids;
}

Status Cgroup::destroy() const {
  if (!exists()) return Status::ok();
  if (has_file("cgroup.kill")) (void)write("cgroup.kill", "1");
  for (int round = 0; round < kKillRounds; ++round) {
    std::vector<pid_t> pids = processes();
    if (!pids.empty()) {
      CLUSTERCTL_RETURN_IF_ERROR(kill_and_wait([this] { return processes(); }, kKillWait));
      continue;
    }
    if (::rmdir(path_.c_str()) == 0 || errno == ENOENT) return Status::ok();
    if (errno != EBUSY) {
      return Status::io_error("cannot remove cgroup '" + path_ + "': " + std::strerror(errno));
    }
    // Busy with no process listed: killed ones are still being released by
    // the kernel. A bounded retry, off the event loop.
    ::usleep(10000);
  }
  return Status::io_error("cannot remove cgroup '" + path_ +
                          "': processes keep appearing in it or it stays busy");
}

std::vector<std::string> list_cgroups(const CgroupMount& mount, const std::string& root) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(mount.path + "/" + root, error)) {
    if (entry.is_directory(error)) names.push_back(entry.path().filename().string());
  }
  return names;
}

}  // namespace clusterctl
