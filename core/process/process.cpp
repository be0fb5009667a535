#include "core/process/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/process/output_file.hpp"
#include "core/process/pid_namespace_spawn.hpp"

extern char** environ;

namespace clusterctl {

namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string errno_text(int error) {
  return std::strerror(error);
}

// Never through a symbolic link, only a regular file (output_file.hpp): the
// path may be in a directory a task writes to.
StatusOr<int> open_output(const std::string& path) {
  if (!path.empty()) return open_output_path(path);
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open '/dev/null': " + errno_text(errno));
  return fd;
}

// posix_spawn's C structures, destroyed when done.
struct SpawnAttributes {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnAttributes() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttributes() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Status check_working_dir(const std::string& program, const std::string& dir) {
  if (dir.empty()) return Status::ok();
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0) {
    return Status::io_error("cannot run '" + program + "' in '" + dir + "': " + errno_text(errno));
  }
  if (!S_ISDIR(info.st_mode)) {
    return Status::io_error("cannot run '" + program + "' in '" + dir + "': not a directory");
  }
  return Status::ok();
}

}  // namespace

StatusOr<pid_t> spawn_process(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return Status::invalid("cannot spawn a process without a program");
  }
  const std::string& program = options.argv[0];
  CLUSTERCTL_RETURN_IF_ERROR(check_working_dir(program, options.working_dir));

  Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Status::io_error("cannot open /dev/null: " + errno_text(errno));
  Fd out_fd;  // opened here when no descriptor is given
  if (options.stdout_fd < 0) {
    auto out = open_output(options.stdout_path);
    if (!out) return out.status();
    out_fd.reset(*out);
  }
  int out_target = options.stdout_fd >= 0 ? options.stdout_fd : out_fd.get();
  Fd err_fd;  // only when stderr goes to another file than stdout
  if (options.stderr_fd < 0 &&
      (options.stdout_fd >= 0 || options.stderr_path != options.stdout_path)) {
    auto err = open_output(options.stderr_path);
    if (!err) return err.status();
    err_fd.reset(*err);
  }
  int err_target =
      options.stderr_fd >= 0 ? options.stderr_fd : (err_fd.get() >= 0 ? err_fd.get() : out_target);
  if (options.new_pid_namespace || options.credentials) {
    return spawn_cloned(options, in.get(), out_target, err_target);
  }
  SpawnAttributes spawn;
  posix_spawn_file_actions_adddup2(&spawn.actions, in.get(), 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, out_target, 1);
  posix_spawn_file_actions_adddup2(&spawn.actions, err_target, 2);
  posix_spawn_file_actions_addclosefrom_np(&spawn.actions, 3);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&spawn.actions, options.working_dir.c_str());
  }
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&spawn.attr, &all);
  posix_spawnattr_setsigmask(&spawn.attr, &none);
  posix_spawnattr_setflags(&spawn.attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv = c_strings(options.argv);
  std::vector<char*> env = c_strings(options.env);
  pid_t pid = 0;
  int error =
      ::posix_spawnp(&pid, program.c_str(), &spawn.actions, &spawn.attr, argv.data(), env.data());
  if (error != 0) return Status::io_error("cannot run '" + program + "': " + errno_text(error));
  return pid;
}

std::string ExitStatus::describe() const {
  if (killed_by_signal()) {
    return "killed by signal " + std::to_string(signal) + " (" + signal_name(signal) + ")";
  }
  return "exited with status " + std::to_string(exit_code);
}

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr) return "signal " + std::to_string(signal);
  return std::string("SIG") + abbrev;
}

Status signal_group(pid_t pgid, int signal) {
  if (pgid <= 1) return Status::invalid("refusing to signal process group " + std::to_string(pgid));
  if (::kill(-pgid, signal) != 0 && errno != ESRCH) {
    return Status::io_error("cannot send " + signal_name(signal) + " to process group " +
                            std::to_string(pgid) + ": " + errno_text(errno));
  }
  return Status::ok();
}

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (dir == nullptr) return children;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream file(task_dir + "/" + entry->d_name + "/children");
    pid_t child;
    while (file >> child) children.push_back(child);
  }
  ::closedir(dir);
  return children;
}

namespace {

struct ProcessStat {
  char state = '?';  // R, S, D, Z (zombie), X (dead), ...
  uint64_t start_time = 0;
};

// From /proc/PID/stat: field 3 (state) and field 22 (start time). The command
// name before them may hold spaces and parentheses: it ends at the last ')'.
StatusOr<ProcessStat> read_process_stat(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream file(path);
  std::string line;
  if (pid <= 0 || !file || !std::getline(file, line)) {
    return Status::not_found("no process " + std::to_string(pid));
  }
  size_t name_end = line.rfind(')');
  std::vector<std::string> fields;  // from field 3 on
  if (name_end != std::string::npos) {
    std::istringstream rest(line.substr(name_end + 1));
    for (std::string field; rest >> field;) fields.push_back(field);
  }
  constexpr size_t kStartTime = 22 - 3;
  if (fields.size() <= kStartTime || fields[0].empty()) {
    return Status::io_error("cannot parse " + path);
  }
  return ProcessStat{fields[0][0], std::strtoull(fields[kStartTime].c_str(), nullptr, 10)};
}

}  // namespace

StatusOr<uint64_t> process_start_time(pid_t pid) {
  auto stat = read_process_stat(pid);
  if (!stat) return stat.status();
  return stat->start_time;
}

bool process_alive(pid_t pid, uint64_t start_time) {
  auto stat = read_process_stat(pid);
  return stat.is_ok() && stat->state != 'Z' && stat->state != 'X' && stat->start_time == start_time;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    env.emplace_back(*entry);
  }
  return env;
}

void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::string prefix = key + "=";
  for (std::string& entry : env) {
    if (entry.compare(0, prefix.size(), prefix) == 0) {
      entry = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

}  // namespace clusterctl
