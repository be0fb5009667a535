#include "daemons/agent/sandbox.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/ids.hpp"

namespace clusterctl {

namespace {

Status check_id(const char* what, const std::string& id) {
  if (is_valid_id(id)) return Status::ok();
  return Status::invalid(std::string("invalid ") + what + " '" + id +
                         "': use 1-128 letters, digits, '_', '.' or '-'");
}

}  // namespace

std::string sandbox_runs_dir(const std::string& work_dir, const SandboxId& id) {
  return work_dir + "/agents/" + id.agent_id + "/frameworks/" + id.framework_id + "/executors/" +
         id.executor_id + "/runs";
}

std::string sandbox_dir(const std::string& work_dir, const SandboxId& id) {
  return sandbox_runs_dir(work_dir, id) + "/" + id.container_id;
}

StatusOr<std::string> create_sandbox(const std::string& work_dir, const SandboxId& id) {
  CLUSTERCTL_RETURN_IF_ERROR(check_id("agent id", id.agent_id));
  CLUSTERCTL_RETURN_IF_ERROR(check_id("framework id", id.framework_id));
  CLUSTERCTL_RETURN_IF_ERROR(check_id("executor id", id.executor_id));
  CLUSTERCTL_RETURN_IF_ERROR(check_id("container id", id.container_id));
  if (id.container_id == "latest") return Status::invalid("container id 'latest' is reserved");
  std::string dir = sandbox_dir(work_dir, id);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::io_error("cannot create sandbox '" + dir + "': " + error.message());
  CLUSTERCTL_RETURN_IF_ERROR(point_latest_link(sandbox_runs_dir(work_dir, id), id.container_id));
  return dir;
}

Status point_latest_link(const std::string& runs_dir, const std::string& container_id) {
  std::string latest = runs_dir + "/latest";
  std::string temporary = runs_dir + "/.latest." + container_id;
  ::unlink(temporary.c_str());
  if (::symlink(container_id.c_str(), temporary.c_str()) != 0) {
    return Status::io_error("cannot create link '" + temporary + "': " + std::strerror(errno));
  }
  if (::rename(temporary.c_str(), latest.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return Status::io_error("cannot replace '" + latest + "': " + std::strerror(error));
  }
  return Status::ok();
}

}  // namespace clusterctl
