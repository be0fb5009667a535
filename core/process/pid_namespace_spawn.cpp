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
  }
  return "cannot execute";
}

// Only async-signal-safe calls from here to exec: the parent may have threads.
[[noreturn]] void run_child(const char* program, char* const* argv, char* const* envp,
                            const char* working_dir, int in, int out, int err, int report) {
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
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(2);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) fail(3);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) fail(4);
  if (working_dir != nullptr && ::chdir(working_dir) != 0) fail(5);
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(program, argv, envp);
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

StatusOr<pid_t> spawn_in_pid_namespace(const SpawnOptions& options, int in, int out, int err) {
  const std::string& name = options.argv[0];
  std::string program = find_program(name, options.env);
  std::vector<char*> argv = c_strings(options.argv);
  std::vector<char*> envp = c_strings(options.env);
  const char* working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return Status::io_error("cannot run '" + name + "': pipe: " + std::strerror(errno));
  }
  struct clone_args args;
  std::memset(&args, 0, sizeof(args));
  args.flags = CLONE_NEWPID | CLONE_NEWNS;
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) {
    run_child(program.c_str(), argv.data(), envp.data(), working_dir, in, out, err, report[1]);
  }
  int clone_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return Status::io_error("cannot run '" + name +
                            "' in a new pid namespace: " + std::strerror(clone_error));
  }
  ChildFailure failure;
  ssize_t size;
  do {
    size = ::read(report[0], &failure, sizeof(failure));
  } while (size < 0 && errno == EINTR);
  ::close(report[0]);
  if (size != static_cast<ssize_t>(sizeof(failure))) return static_cast<pid_t>(pid);
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);  // it has exited (127)
  return Status::io_error("cannot run '" + name + "' in a new pid namespace: " +
                          step_name(failure.step) + ": " + std::strerror(failure.error));
}

}  // namespace clusterctl
