#include "core/process/pid_namespace_spawn.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clusterctl {

namespace {

// What the child reports through the pipe when a step fails before exec.
struct ChildFailure {
  int step = 0;
  int error = 0;
};

const char* step_name(int step) {
  switch (step) {
    case 1:
      return "cannot start a session";
    case 2:
      return "cannot make mounts private";
    case 3:
      return "cannot mount /proc";
    case 4:
      return "cannot set up stdin/stdout/stderr";
    case 5:
      return "cannot enter the working directory";
    case 7:
      return "cannot set the supplementary groups";
    case 8:
      return "cannot set the group id";
    case 9:
      return "cannot set the user id";
  }
  return "cannot execute";
}

// What the child does between clone and exec, prepared by the parent.
struct ChildPlan {
  const char* program = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;
  bool new_namespaces = false;
  const SpawnCredentials* credentials = nullptr;
};

// Only async-signal-safe calls from here to exec: the parent may have threads.
[[noreturn]] void run_child(const ChildPlan& plan, int in, int out, int err, int report) {
  auto fail = [report](int step) {
    ChildFailure failure{step, errno};
    ssize_t ignored = ::write(report, &failure, sizeof(failure));
    (void)ignored;
    ::_exit(127);
  };
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0) fail(1);
  if (plan.new_namespaces) {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(2);
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) fail(3);
  }
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) fail(4);
  // Raw system calls: glibc's set*id wrappers would signal the parent's other
  // threads, which the cloned child does not have. Groups, then gid, then uid.
  if (const SpawnCredentials* user = plan.credentials) {
    const gid_t* groups = user->groups.empty() ? nullptr : user->groups.data();
    if (::syscall(SYS_setgroups, user->groups.size(), groups) != 0) fail(7);
    if (::syscall(SYS_setresgid, user->gid, user->gid, user->gid) != 0) fail(8);
    if (::syscall(SYS_setresuid, user->uid, user->uid, user->uid) != 0) fail(9);
  }
  // As the new user: it must be allowed into its working directory.
  if (plan.working_dir != nullptr && ::chdir(plan.working_dir) != 0) fail(5);
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(plan.program, plan.argv, plan.envp);
  fail(6);
  ::_exit(127);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// argv[0] itself when it has a '/', else the first executable match in PATH.
std::string find_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::string candidate = path.substr(start, colon - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return name;
}

}  // namespace

StatusOr<pid_t> spawn_cloned(const SpawnOptions& options, int in, int out, int err) {
  const std::string& name = options.argv[0];
  std::string program = find_program(name, options.env);
  std::vector<char*> argv = c_strings(options.argv);
  std::vector<char*> envp = c_strings(options.env);
  ChildPlan plan;
  plan.program = program.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  plan.new_namespaces = options.new_pid_namespace;
  plan.credentials = options.credentials ? &*options.credentials : nullptr;
  const char* where = options.new_pid_namespace ? " in a new pid namespace" : "";
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return Status::io_error("cannot run '" + name + "': pipe: " + std::strerror(errno));
  }
  struct clone_args args;
  std::memset(&args, 0, sizeof(args));
  args.flags = options.new_pid_namespace ? CLONE_NEWPID | CLONE_NEWNS : 0;
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    run_child(plan, in, out, err, report[1]);
  }
  int clone_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return Status::io_error("cannot run '" + name + "'" + where + ": " +
                            std::strerror(clone_error));
  }
  ChildFailure failure;
  ssize_t size;
  do {
    size = ::read(report[0], &failure, sizeof(failure));
  } while (size < 0 && errno == EINTR);
  ::close(report[0]);
  if (size != static_cast<ssize_t>(sizeof(failure))) return static_cast<pid_t>(pid);
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);  // it has exited (127)
  return Status::io_error("cannot run '" + name + "'" + where + ": " + step_name(failure.step) +
                          ": " + std::strerror(failure.error));
}

}  // namespace clusterctl
