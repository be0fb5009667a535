// The agent's checkpoint: what it needs to restart without killing tasks.
// Every file is written whole and atomically (core/atomic_file.hpp) by the
// CheckpointWriter; a crash leaves either the old or the new version.
//
//   WORK_DIR/meta/boot_id    the machine's boot id (text) when the agent ran
//   WORK_DIR/meta/address    text: host:port of the agent (executors reconnect there)
//   WORK_DIR/meta/agent      AgentCheckpoint
//   WORK_DIR/meta/runs/CONTAINER_ID/executor  ExecutorCheckpoint (checkpointing frameworks only;
//                                             it holds the executor's secret)
//   WORK_DIR/meta/runs/CONTAINER_ID/updates   UpdateStreamCheckpoint: its task's status updates
//
// One executor runs one task, so a run's directory holds both. It is removed
// once its executor has exited and its task's terminal update was
// acknowledged. The binary files are msgpack maps (fields may be added); they
// and boot_id are in the checksummed frame of core/file_frame.hpp, so that a
// changed byte is refused rather than read as other contents. The address
// file is plain text: executors read it, and the agent rewrites it at start.
//
// The readers block on disk: call them at start-up only. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/file_frame.hpp"
#include "core/messages.hpp"
#include "core/rpc/message.hpp"
#include "core/status.hpp"

namespace clusterctl {

struct AgentCheckpoint {
  std::string agent_id;
  Resources resources;
  Attributes attributes;
  MSGPACK_DEFINE_MAP(agent_id, resources, attributes);
};

struct ExecutorCheckpoint {
  std::string container_id;
  std::string framework_id;
  std::string executor_id;
  std::string sandbox;
  std::string log_path;
  TaskInfo task;
  int32_t pid = 0;              // the executor, leader of its own process group
  uint64_t pid_start_time = 0;  // process_start_time(pid): tells a reused pid apart
  int32_t task_pid = 0;         // the task, leader of its own process group, once it runs
  uint64_t task_start_time = 0;
  // The executor's secret (task_user.hpp): a recovered executor proves itself
  // with it. The file is mode 0600.
  std::string secret;
  std::string user;  // the user the executor runs as
  MSGPACK_DEFINE_MAP(container_id, framework_id, executor_id, sandbox, log_path, task, pid,
                     pid_start_time, task_pid, task_start_time, secret, user);
};

struct UpdateStreamCheckpoint {
  std::string framework_id;
  std::string task_id;
  std::vector<TaskStatus> pending;          // not acknowledged yet, oldest first
  std::vector<std::string> received_uuids;  // every update taken (a resent one is not taken twice)
  TaskState latest_state = TaskState::kStaging;  // of the newest update taken
  bool terminal_acknowledged = false;            // the stream is over
  MSGPACK_DEFINE_MAP(framework_id, task_id, pending, received_uuids, latest_state,
                     terminal_acknowledged);
};

// A run found on disk.
struct RecoveredRun {
  ExecutorCheckpoint executor;
  std::optional<UpdateStreamCheckpoint> updates;  // none before its first update
};

struct RecoveredState {
  std::string boot_id;                   // empty: the agent never ran here
  std::optional<AgentCheckpoint> agent;  // none before its first registration
  std::vector<RecoveredRun> runs;
};

std::string meta_dir(const std::string& work_dir);
std::string boot_id_path(const std::string& work_dir);
std::string address_path(const std::string& work_dir);
std::string agent_checkpoint_path(const std::string& work_dir);
std::string run_meta_dir(const std::string& work_dir, const std::string& container_id);
std::string executor_checkpoint_path(const std::string& work_dir, const std::string& container_id);
std::string updates_checkpoint_path(const std::string& work_dir, const std::string& container_id);

// Reads everything under WORK_DIR/meta and removes the temporary files of
// writes a crash interrupted. A file that cannot be decoded is an error that
// names it and says what to do: the agent must not start and overwrite it.
StatusOr<RecoveredState> read_checkpoint(const std::string& work_dir);

// This machine's boot id (/proc/sys/kernel/random/boot_id); it changes on
// every reboot.
StatusOr<std::string> read_boot_id();

// Whether an agent that checkpointed `old` may come back with `resources` and
// `attributes` under --reconfiguration-policy `policy`: "equal" (unchanged) or
// "additive" (resources may grow, attributes may be added). The error says
// what changed and how to proceed.
Status check_reconfiguration(const AgentCheckpoint& old, const Resources& resources,
                             const Attributes& attributes, const std::string& policy);

// The error for a checkpoint file that cannot be trusted: names it, says why
// and what to do.
Status corrupt_checkpoint(const std::string& what, const std::string& why);

// The payload of a checkpoint file after its frame and checksum were checked
// (core/file_frame.hpp); a file written before frames (a bare msgpack map)
// is taken as it is. Errors name `what`.
StatusOr<std::string_view> checkpoint_payload(const std::string& bytes, const std::string& what);

// The bytes of a checkpoint file (framed msgpack), and back (errors name `what`).
template <typename T>
std::string encode_checkpoint(const T& value) {
  return frame_file(pack_payload(value));
}
template <typename T>
StatusOr<T> decode_checkpoint(const std::string& bytes, const std::string& what) {
  StatusOr<std::string_view> payload = checkpoint_payload(bytes, what);
  if (!payload) return payload.status();
  StatusOr<T> value = unpack_payload<T>(std::string(*payload));
  if (value) return value;
  return corrupt_checkpoint(what, "cannot decode it (" + value.status().message() + ")");
}

// The bytes of WORK_DIR/meta/boot_id (the id as text, framed).
std::string encode_boot_id(const std::string& boot_id);

}  // namespace clusterctl
