#include "daemons/agent/task_user.hpp"

#include <fcntl.h>
#include <grp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree still includes the old boost/bind.hpp
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

namespace clusterctl {

namespace {

constexpr const char* kSafePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The supplementary groups of `name` (primary group `gid` included).
std::vector<gid_t> groups_of(const std::string& name, gid_t gid) {
  int count = 32;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  while (::getgrouplist(name.c_str(), gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count) + 32);
    count = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<size_t>(count));
  return groups;
}

bool valid_variable_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Status chown_one(const std::string& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) == 0) return Status::ok();
  return Status::io_error("cannot give '" + path + "' to uid " + std::to_string(uid) + ": " +
                          std::strerror(errno));
}

}  // namespace

StatusOr<TaskUser> lookup_task_user(const std::string& name, const std::string& agent_host) {
  long size_hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size_hint > 0 ? static_cast<size_t>(size_hint) : 16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  int error = 0;
  while ((error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
         ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) {
    if (error != 0 && error != ENOENT && error != ESRCH) {
      return Status::io_error("cannot look up user '" + name + "' on agent " + agent_host + ": " +
                              std::strerror(error));
    }
    return Status::not_found("user '" + name + "' does not exist on agent " + agent_host);
  }
  TaskUser user;
  user.name = entry.pw_name;
  user.home = entry.pw_dir != nullptr ? entry.pw_dir : "/";
  user.credentials.uid = entry.pw_uid;
  user.credentials.gid = entry.pw_gid;
  user.credentials.groups = groups_of(user.name, entry.pw_gid);
  return user;
}

TaskUser current_task_user() {
  TaskUser user;
  user.credentials.uid = ::geteuid();
  user.credentials.gid = ::getegid();
  struct passwd* entry = ::getpwuid(::geteuid());  // at most once per launch, on one thread
  user.name = entry != nullptr ? entry->pw_name : std::to_string(::geteuid());
  user.home = entry != nullptr && entry->pw_dir != nullptr ? entry->pw_dir : "/";
  return user;
}

std::vector<std::string> executor_environment(const TaskUser& user,
                                              const std::map<std::string, std::string>& extra,
                                              const std::string& secret) {
  std::vector<std::string> env;
  set_env(env, "PATH", kSafePath);
  set_env(env, "HOME", user.home);
  set_env(env, "USER", user.name);
  set_env(env, "LOGNAME", user.name);
  const char* lang = std::getenv("LANG");
  set_env(env, "LANG", lang != nullptr && *lang != '\0' ? lang : "C.UTF-8");
  for (const auto& [key, value] : extra) set_env(env, key, value);
  if (!secret.empty()) set_env(env, kExecutorSecretVariable, secret);
  return env;
}

StatusOr<std::map<std::string, std::string>> parse_executor_environment(const std::string& json) {
  std::map<std::string, std::string> variables;
  if (json.empty()) return variables;
  const std::string what = "--executor-environment";
  boost::property_tree::ptree tree;
  try {
    std::istringstream in(json);
    boost::property_tree::read_json(in, tree);
  } catch (const boost::property_tree::json_parser_error& error) {
    return Status::invalid(what + " is not JSON (" + error.message() +
                           "): give an object of strings, e.g. '{\"JAVA_HOME\": \"/opt/jdk\"}'");
  }
  if (!tree.data().empty()) {
    return Status::invalid(what + " must be a JSON object, e.g. '{\"JAVA_HOME\": \"/opt/jdk\"}'");
  }
  for (const auto& [key, value] : tree) {
    if (!valid_variable_name(key)) {
      return Status::invalid(what + ": '" + key +
                             "' is not a variable name (letters, digits and _)");
    }
    if (!value.empty()) {
      return Status::invalid(what + ": the value of '" + key + "' must be a string");
    }
    if (key == kExecutorSecretVariable) {
      return Status::invalid(what + ": " + key + " is set by the agent");
    }
    variables[key] = value.data();
  }
  return variables;
}

Status hand_over_sandbox(const std::string& sandbox, const std::string& log_path, uid_t uid,
                         gid_t gid) {
  if (!log_path.empty()) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status::io_error("cannot create '" + log_path + "': " + std::strerror(errno));
    }
    ::close(fd);
  }
  CLUSTERCTL_RETURN_IF_ERROR(chown_one(sandbox, uid, gid));
  std::error_code error;
  std::filesystem::recursive_directory_iterator entries(sandbox, error);
  for (; !error && entries != std::filesystem::recursive_directory_iterator();
       entries.increment(error)) {
    CLUSTERCTL_RETURN_IF_ERROR(chown_one(entries->path().string(), uid, gid));
  }
  if (error) {
    return Status::io_error("cannot give the sandbox '" + sandbox + "' to uid " +
                            std::to_string(uid) + ": " + error.message());
  }
  return Status::ok();
}

StatusOr<std::string> new_executor_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return Status::internal("cannot make an executor secret: RAND_bytes failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string secret;
  for (unsigned char byte : bytes) {
    secret += kHex[byte >> 4];
    secret += kHex[byte & 15];
  }
  return secret;
}

bool secret_matches(const std::string& expected, const std::string& presented) {
  if (expected.empty() || presented.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

}  // namespace clusterctl
