#include "daemons/master/zk_registry_records.hpp"

#include <cstdio>

#include "core/crc32c.hpp"
#include "core/file_frame.hpp"
#include "core/rpc/message.hpp"
#include "core/zk/znode_name.hpp"

namespace clusterctl {

namespace {

const char* directory_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kAgent:
      return "agents";
    case RecordKind::kFramework:
      return "frameworks";
    case RecordKind::kQuota:
      return "quotas";
    case RecordKind::kWeight:
      return "weights";
  }
  return "?";
}

template <typename T>
std::string framed(const T& record) {
  return frame_file(pack_payload(record));
}

Status corrupt(const std::string& path, const std::string& why) {
  return Status::io_error("registry record " + path + " is corrupt: " + why +
                          "; restore it from a backup, or delete that znode to drop the record");
}

// The record at `path` as T, checked by its frame.
template <typename T>
StatusOr<T> unframed(std::string_view bytes, const std::string& path) {
  auto frame = unframe_file(bytes, [](std::string_view) { return false; });
  if (!frame) {
    if (frame.status().kind() == ErrorKind::kFailedPrecondition) {
      return Status::failed_precondition("registry record " + path + " " +
                                         frame.status().message() + ": upgrade clusterctl");
    }
    return corrupt(path, frame.status().message());
  }
  auto record = unpack_payload<T>(std::string(frame->payload));
  if (!record) return corrupt(path, "cannot decode it (" + record.status().message() + ")");
  return record;
}

template <typename Map>
const typename Map::mapped_type* find(const Map& map, const std::string& key) {
  auto found = map.find(key);
  return found == map.end() ? nullptr : &found->second;
}

std::optional<std::string> encode_agent(const RegistryState& state, const std::string& id) {
  ZkAgentRecord record{id, {}, {}, {}};
  if (auto* info = find(state.agents, id)) record.info = *info;
  if (auto* since = find(state.unreachable, id)) record.unreachable_since = *since;
  if (auto* reserved = find(state.reservations, id)) record.reservations = *reserved;
  if (!record.info && !record.unreachable_since && !record.reservations) return std::nullopt;
  return framed(record);
}

}  // namespace

const char* record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kAgent:
      return "agent";
    case RecordKind::kFramework:
      return "framework";
    case RecordKind::kQuota:
      return "quota";
    case RecordKind::kWeight:
      return "weight";
  }
  return "?";
}

std::string zk_registry_root(const std::string& base) {
  return base + "/registry";
}

std::string zk_registry_format_path(const std::string& base) {
  return zk_registry_root(base) + "/format";
}

std::vector<std::string> zk_registry_directories(const std::string& base) {
  std::string root = zk_registry_root(base);
  std::vector<std::string> paths{root + "/agents"};
  for (int bucket = 0; bucket < kZkAgentBuckets; ++bucket) {
    char name[8];
    std::snprintf(name, sizeof(name), "%02x", bucket);
    paths.push_back(root + "/agents/" + name);
  }
  for (const char* directory : {"frameworks", "quotas", "weights"}) {
    paths.push_back(root + "/" + directory);
  }
  return paths;
}

std::string zk_agent_bucket(std::string_view id) {
  char name[8];
  std::snprintf(name, sizeof(name), "%02x", static_cast<unsigned>(crc32c(id) % kZkAgentBuckets));
  return name;
}

std::string zk_record_path(const std::string& base, const RecordKey& key) {
  std::string path = zk_registry_root(base) + "/" + directory_name(key.kind) + "/";
  if (key.kind == RecordKind::kAgent) path += zk_agent_bucket(key.key) + "/";
  return path + encode_znode_name(key.key);
}

bool has_record(const RegistryState& state, const RecordKey& key) {
  switch (key.kind) {
    case RecordKind::kAgent:
      return state.agents.contains(key.key) || state.unreachable.contains(key.key) ||
             state.reservations.contains(key.key);
    case RecordKind::kFramework:
      return state.frameworks.contains(key.key);
    case RecordKind::kQuota:
      return state.quotas.contains(key.key);
    case RecordKind::kWeight:
      return state.weights.contains(key.key);
  }
  return false;
}

std::optional<std::string> encode_record(const RegistryState& state, const RecordKey& key) {
  switch (key.kind) {
    case RecordKind::kAgent:
      return encode_agent(state, key.key);
    case RecordKind::kFramework:
      if (auto* info = find(state.frameworks, key.key))
        return framed(ZkFrameworkRecord{key.key, *info});
      return std::nullopt;
    case RecordKind::kQuota:
      if (auto* quota = find(state.quotas, key.key)) return framed(QuotaRecord{key.key, *quota});
      return std::nullopt;
    case RecordKind::kWeight:
      if (auto* weight = find(state.weights, key.key))
        return framed(WeightRecord{key.key, *weight});
      return std::nullopt;
  }
  return std::nullopt;
}

namespace {

// The record's own key against the name it is stored under.
Status check_key(const std::string& held, const std::string& named, const std::string& path) {
  if (held == named) return Status::ok();
  return corrupt(path, "it holds '" + held + "', not the '" + named + "' its name says");
}

Status add_record(const std::string& key, std::string_view bytes, const std::string& path,
                  RecordKind kind, RegistryState& state) {
  switch (kind) {
    case RecordKind::kAgent: {
      auto record = unframed<ZkAgentRecord>(bytes, path);
      if (!record) return record.status();
      CLUSTERCTL_RETURN_IF_ERROR(check_key(record->id, key, path));
      if (record->info) state.agents[key] = std::move(*record->info);
      if (record->unreachable_since) state.unreachable[key] = *record->unreachable_since;
      if (record->reservations) state.reservations[key] = std::move(*record->reservations);
      return Status::ok();
    }
    case RecordKind::kFramework: {
      auto record = unframed<ZkFrameworkRecord>(bytes, path);
      if (!record) return record.status();
      CLUSTERCTL_RETURN_IF_ERROR(check_key(record->id, key, path));
      state.frameworks[key] = std::move(record->info);
      return Status::ok();
    }
    case RecordKind::kQuota: {
      auto record = unframed<QuotaRecord>(bytes, path);
      if (!record) return record.status();
      CLUSTERCTL_RETURN_IF_ERROR(check_key(record->role, key, path));
      state.quotas[key] = std::move(record->quota);
      return Status::ok();
    }
    case RecordKind::kWeight: {
      auto record = unframed<WeightRecord>(bytes, path);
      if (!record) return record.status();
      CLUSTERCTL_RETURN_IF_ERROR(check_key(record->role, key, path));
      state.weights[key] = record->weight;
      return Status::ok();
    }
  }
  return Status::internal("unknown record kind");
}

}  // namespace

Status decode_record_into(RecordKind kind, std::string_view name, std::string_view bytes,
                          const std::string& path, RegistryState& state) {
  auto key = decode_znode_name(name);
  if (!key) return corrupt(path, "its name is not an encoded key");
  if (kind == RecordKind::kAgent) {
    // A record in the wrong bucket would never be found by its writes.
    size_t slash = path.rfind('/');
    std::string_view parent(path.data(), slash == std::string::npos ? 0 : slash);
    std::string bucket = zk_agent_bucket(*key);
    if (!parent.ends_with("/" + bucket)) return corrupt(path, "it belongs in bucket " + bucket);
  }
  return add_record(*key, bytes, path, kind, state);
}

std::string encode_format_record() {
  return framed(FormatRecord{});
}

StatusOr<uint32_t> decode_format_record(std::string_view bytes, const std::string& path) {
  auto record = unframed<FormatRecord>(bytes, path);
  if (!record) return record.status();
  if (record->format_version > kZkRegistryFormat) {
    return Status::failed_precondition(
        "the registry in ZooKeeper (" + path + ") has format version " +
        std::to_string(record->format_version) + "; this clusterctl reads up to " +
        std::to_string(kZkRegistryFormat) + ": upgrade clusterctl");
  }
  return record->format_version;
}

}  // namespace clusterctl
