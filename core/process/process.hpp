// Spawning child processes and signalling process groups.
//
//   SpawnOptions options;
//   options.argv = {"/bin/sh", "-c", "echo hi"};
//   options.stdout_path = sandbox + "/stdout";
//   StatusOr<pid_t> pid = spawn_process(options);
//
// A spawned child leads a new session (so its own process group, pgid == pid),
// has default signal dispositions and an empty signal mask, and inherits no
// file descriptor but 0, 1 and 2. It must be reaped by its parent: watch it
// with a ChildWatcher (child_watcher.hpp).
//
// Thread-safe: these are plain system calls; spawn_process prepares everything
// before the child exists (posix_spawn, so nothing is allocated in the child).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/status.hpp"

namespace clusterctl {

// The user a child runs as: set in the child before exec, supplementary
// groups first, then the gid, then the uid (all of real, effective and saved),
// so that a non-root child keeps no capability and cannot switch back.
struct SpawnCredentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (initgroups' list)
};

struct SpawnOptions {
  // argv[0] is the program: a path, or a name looked up in this process's PATH.
  std::vector<std::string> argv;
  // The whole environment, "KEY=VALUE" entries.
  std::vector<std::string> env;
  // Empty: this process's working directory.
  std::string working_dir;
  // Files opened O_WRONLY|O_APPEND|O_CREAT (0644), never through a symbolic
  // link and only if regular (output_file.hpp). Empty: /dev/null. When both
  // name the same file it is opened once and shared.
  std::string stdout_path;
  std::string stderr_path;
  // Descriptors to use as stdout/stderr instead of the paths (the caller
  // keeps and closes them), e.g. the write ends of pipes.
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Runs the child as pid 1 of a new pid namespace, in a new mount namespace
  // with a /proc of its own, so that it and its descendants see and signal
  // only each other. Needs root. argv[0] is then looked up in env's PATH.
  bool new_pid_namespace = false;
  // Runs the child as another user (needs root). Unset: this process's user.
  std::optional<SpawnCredentials> credentials;
};

// Starts the child; errors name the program and the reason ("cannot run
// 'foo': No such file or directory").
StatusOr<pid_t> spawn_process(const SpawnOptions& options);

// How a child ended.
struct ExitStatus {
  int exit_code = 0;  // the exit status, or 128+N when killed by signal N
  int signal = 0;     // N when killed by signal N, else 0

  bool killed_by_signal() const { return signal != 0; }
  // "exited with status 3", "killed by signal 9 (SIGKILL)"
  std::string describe() const;
};

// "SIGKILL" (or "signal 64" for one without a name).
std::string signal_name(int signal);

// Sends `signal` to every process of group `pgid`. A group that no longer
// exists is not an error.
Status signal_group(pid_t pgid, int signal);

// The direct children of `pid` (from /proc/PID/task/*/children); empty if
// `pid` is gone.
std::vector<pid_t> child_pids(pid_t pid);

// SIGKILLs every process `members` lists and waits until each has exited, at
// most `timeout`. `members` is asked twice: a pid must be listed both before
// and after its pidfd was opened (so a reused pid is never signalled).
// Processes already gone are fine. It blocks: call it from a worker thread,
// never from an event loop.
Status kill_and_wait(const std::function<std::vector<pid_t>()>& members, Duration timeout);

// When `pid` started, in clock ticks since boot (/proc/PID/stat, field 22).
// With the pid it names one process for the life of the machine: a pid that
// was reused has another start time. kNotFound if there is no such process.
StatusOr<uint64_t> process_start_time(pid_t pid);

// Whether `pid` is the process that started at `start_time` and has not
// exited (a zombie counts as exited).
bool process_alive(pid_t pid, uint64_t start_time);

// This process's environment as "KEY=VALUE" entries.
std::vector<std::string> current_environment();

// Sets KEY=VALUE in an environment list, replacing an existing KEY.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value);

}  // namespace clusterctl
