#include "daemons/agent/checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/log.hpp"

namespace clusterctl {

namespace {

// Reads and decodes `path`; nullopt when it does not exist.
template <typename T>
StatusOr<std::optional<T>> read_optional(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) {
    if (bytes.status().kind() == ErrorKind::kNotFound) return std::optional<T>();
    return bytes.status();
  }
  auto value = decode_checkpoint<T>(*bytes, "'" + path + "'");
  if (!value) return value.status();
  return std::optional<T>(std::move(value).value());
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A boot id as written before frames: hex digits and dashes (a UUID), then
// a newline.
bool is_boot_id_text(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.back() != '\n') return false;
  bytes.remove_suffix(1);
  return std::all_of(bytes.begin(), bytes.end(), [](char c) {
    return c == '-' || std::isxdigit(static_cast<unsigned char>(c));
  });
}

StatusOr<std::string> decode_boot_id(const std::string& bytes, const std::string& what) {
  auto frame = unframe_file(bytes, is_boot_id_text);
  if (!frame) return corrupt_checkpoint(what, frame.status().message());
  return trimmed(std::string(frame->payload));
}

// write_file_atomic names its temporary files PATH.tmp.PID.
bool is_interrupted_write(const std::filesystem::path& path) {
  return path.filename().string().find(".tmp.") != std::string::npos;
}

void remove_interrupted_writes(const std::string& dir) {
  std::error_code error;
  std::vector<std::filesystem::path> leftovers;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file() && is_interrupted_write(it->path())) leftovers.push_back(it->path());
  }
  for (const auto& path : leftovers) std::filesystem::remove(path, error);
}

StatusOr<std::optional<RecoveredRun>> read_run(const std::string& work_dir,
                                               const std::string& container_id) {
  auto executor =
      read_optional<ExecutorCheckpoint>(executor_checkpoint_path(work_dir, container_id));
  if (!executor) return executor.status();
  if (!executor->has_value()) return std::optional<RecoveredRun>();  // an empty leftover
  auto updates =
      read_optional<UpdateStreamCheckpoint>(updates_checkpoint_path(work_dir, container_id));
  if (!updates) return updates.status();
  return std::optional<RecoveredRun>(RecoveredRun{**executor, *updates});
}

std::string describe_attributes(const Attributes& attributes) {
  return attributes.empty() ? "none" : format_attributes(attributes);
}

}  // namespace

Status corrupt_checkpoint(const std::string& what, const std::string& why) {
  return Status::io_error("checkpoint " + what + " is corrupt: " + why +
                          "; remove the agent's WORK_DIR/meta to start it as a new agent "
                          "(its running tasks are then lost)");
}

StatusOr<std::string_view> checkpoint_payload(const std::string& bytes, const std::string& what) {
  auto frame = unframe_file(bytes, starts_like_msgpack_map);
  if (!frame) {
    if (frame.status().kind() == ErrorKind::kFailedPrecondition) {
      return Status::failed_precondition("checkpoint " + what + " " + frame.status().message() +
                                         ": upgrade clusterctl");
    }
    return corrupt_checkpoint(what, frame.status().message());
  }
  return frame->payload;
}

std::string encode_boot_id(const std::string& boot_id) {
  return frame_file(boot_id + "\n");
}

std::string meta_dir(const std::string& work_dir) {
  return work_dir + "/meta";
}
std::string boot_id_path(const std::string& work_dir) {
  return meta_dir(work_dir) + "/boot_id";
}
std::string address_path(const std::string& work_dir) {
  return meta_dir(work_dir) + "/address";
}
std::string agent_checkpoint_path(const std::string& work_dir) {
  return meta_dir(work_dir) + "/agent";
}
std::string run_meta_dir(const std::string& work_dir, const std::string& container_id) {
  return meta_dir(work_dir) + "/runs/" + container_id;
}
std::string executor_checkpoint_path(const std::string& work_dir, const std::string& container_id) {
  return run_meta_dir(work_dir, container_id) + "/executor";
}
std::string updates_checkpoint_path(const std::string& work_dir, const std::string& container_id) {
  return run_meta_dir(work_dir, container_id) + "/updates";
}

StatusOr<RecoveredState> read_checkpoint(const std::string& work_dir) {
  RecoveredState state;
  std::string meta = meta_dir(work_dir);
  if (!std::filesystem::exists(meta)) return state;
  remove_interrupted_writes(meta);
  auto boot_id = read_file(boot_id_path(work_dir));
  if (boot_id) {
    auto decoded = decode_boot_id(*boot_id, "'" + boot_id_path(work_dir) + "'");
    if (!decoded) return decoded.status();
    state.boot_id = std::move(decoded).value();
  } else if (boot_id.status().kind() != ErrorKind::kNotFound) {
    return boot_id.status();
  }
  auto agent = read_optional<AgentCheckpoint>(agent_checkpoint_path(work_dir));
  if (!agent) return agent.status();
  state.agent = *agent;
  std::error_code error;
  std::string runs = meta + "/runs";
  for (auto it = std::filesystem::directory_iterator(runs, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (!it->is_directory()) continue;
    auto run = read_run(work_dir, it->path().filename().string());
    if (!run) return run.status();
    if (*run) {
      state.runs.push_back(std::move(**run));
    } else {
      std::filesystem::remove_all(it->path(), error);
    }
  }
  return state;
}

StatusOr<std::string> read_boot_id() {
  auto boot_id = read_file("/proc/sys/kernel/random/boot_id");
  if (!boot_id) return boot_id.status();
  return trimmed(*boot_id);
}

Status check_reconfiguration(const AgentCheckpoint& old, const Resources& resources,
                             const Attributes& attributes, const std::string& policy) {
  bool same_resources = old.resources == resources;
  bool same_attributes = old.attributes == attributes;
  if (same_resources && same_attributes) return Status::ok();
  std::string change = !same_resources
                           ? "its resources changed from '" + old.resources.to_string() + "' to '" +
                                 resources.to_string() + "'"
                           : "its attributes changed from '" + describe_attributes(old.attributes) +
                                 "' to '" + describe_attributes(attributes) + "'";
  const std::string advice =
      ": restart it with the old --resources and --attributes, or remove WORK_DIR/meta to "
      "start it as a new agent (its running tasks are then lost)";
  if (policy == "equal") {
    return Status::failed_precondition("agent " + old.agent_id + " cannot recover: " + change +
                                       " and --reconfiguration-policy is equal (use additive "
                                       "to allow growth)" +
                                       advice);
  }
  if (policy != "additive") {
    return Status::invalid("unknown --reconfiguration-policy '" + policy +
                           "': use equal or additive");
  }
  bool grew = resources.contains(old.resources);
  for (const auto& [name, value] : old.attributes) {
    auto now = attributes.find(name);
    if (now == attributes.end() || now->second != value) grew = false;
  }
  if (grew) return Status::ok();
  return Status::failed_precondition(
      "agent " + old.agent_id + " cannot recover: " + change +
      ", and --reconfiguration-policy additive only lets resources grow and attributes be "
      "added" +
      advice);
}

}  // namespace clusterctl
