// Who a task runs as and what it starts with, as the agent decides before
// it spawns the executor:
//   - the OS user (--switch-user): looked up on this machine, with its
//     supplementary groups; the sandbox is handed to it;
//   - a clean environment: PATH, HOME, USER, LOGNAME, LANG, what
//     --executor-environment adds, never the agent's own variables;
//   - the executor's secret: a random token the executor presents in
//     executor.register to prove the agent started it.
//
// Thread-safe (plain functions). lookup_task_user and hand_over_sandbox block
// on NSS and the disk.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/process/process.hpp"
#include "core/status.hpp"

namespace clusterctl {

// The environment variable through which an executor gets its secret.
inline constexpr const char* kExecutorSecretVariable = "CLUSTERCTL_EXECUTOR_SECRET";

struct TaskUser {
  std::string name;
  std::string home;
  SpawnCredentials credentials;  // uid, gid and supplementary groups
};

// `name` from the user database, with its groups (getgrouplist). A user
// that does not exist: kNotFound, "user 'NAME' does not exist on agent HOST".
StatusOr<TaskUser> lookup_task_user(const std::string& name, const std::string& agent_host);

// The user this process runs as (its name and home; no switch needed).
TaskUser current_task_user();

// The executor's whole environment: PATH (a fixed safe default), HOME, USER
// and LOGNAME of `user`, LANG (the agent's, else C.UTF-8), then `extra`
// (--executor-environment; it may override those), then the secret.
std::vector<std::string> executor_environment(const TaskUser& user,
                                              const std::map<std::string, std::string>& extra,
                                              const std::string& secret);

// --executor-environment: a JSON object of strings, {"KEY": "VALUE", ...}.
// Errors say what is wrong with it.
StatusOr<std::map<std::string, std::string>> parse_executor_environment(const std::string& json);

// Makes the sandbox, everything in it (the fetcher's artifacts) and the
// executor's log file `log_path` (created if missing) belong to uid:gid.
// Symbolic links are changed themselves, never followed.
Status hand_over_sandbox(const std::string& sandbox, const std::string& log_path, uid_t uid,
                         gid_t gid);

// A fresh secret: 32 random bytes (RAND_bytes), hex.
StatusOr<std::string> new_executor_secret();

// Whether `presented` is `expected`, in time independent of where they differ
// (CRYPTO_memcmp). An empty `expected` matches nothing.
bool secret_matches(const std::string& expected, const std::string& presented);

}  // namespace clusterctl
