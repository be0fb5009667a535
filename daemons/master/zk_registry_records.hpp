// The registry's records in ZooKeeper: where each one lives and its bytes.
// One znode per record, so that a registry of 100,000 agents never meets
// ZooKeeper's limit of about 1 MB per node (nor per children list):
//
//   <base>/registry/format                  FormatRecord {format_version: 1}
//   <base>/registry/agents/<bucket>/<id>    ZkAgentRecord: all about one agent
//   <base>/registry/frameworks/<id>         ZkFrameworkRecord
//   <base>/registry/quotas/<role>           QuotaRecord
//   <base>/registry/weights/<role>          WeightRecord
//
// <bucket> is "00".."3f", the CRC-32C of the agent id modulo 64 (fixed by the
// format: 64 children lists of ~1,600 names each at 100,000 agents). Ids and
// roles are encoded as znode names by core/zk/znode_name.hpp. Every record is
// a msgpack map in the checksummed frame of core/file_frame.hpp, and carries
// its own key, checked against its name on load.
//
// Each record is complete on its own (an agent's admission, unreachable time
// and reservations are one record), so any mix of older and newer records is
// a registry the master can start from.
//
// Pure functions: thread-safe.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "daemons/master/registry_state.hpp"

namespace clusterctl {

// The version of this layout; a registry with a newer one is refused.
inline constexpr uint32_t kZkRegistryFormat = 1;
inline constexpr int kZkAgentBuckets = 64;

enum class RecordKind { kAgent, kFramework, kQuota, kWeight };
const char* record_kind_name(RecordKind kind);  // "agent", "framework", "quota", "weight"

struct RecordKey {
  RecordKind kind = RecordKind::kAgent;
  std::string key;  // agent or framework id, role
  auto operator<=>(const RecordKey& other) const = default;
};

struct ZkAgentRecord {
  std::string id;
  std::optional<AgentInfo> info;  // set when admitted
  std::optional<double> unreachable_since;
  std::optional<Resources> reservations;
  MSGPACK_DEFINE_MAP(id, info, unreachable_since, reservations);
};
struct ZkFrameworkRecord {
  std::string id;
  FrameworkInfo info;
  MSGPACK_DEFINE_MAP(id, info);
};
struct QuotaRecord {
  std::string role;
  QuotaConfig quota;
  MSGPACK_DEFINE_MAP(role, quota);
};
struct WeightRecord {
  std::string role;
  double weight = 1;
  MSGPACK_DEFINE_MAP(role, weight);
};
struct FormatRecord {
  uint32_t format_version = kZkRegistryFormat;
  MSGPACK_DEFINE_MAP(format_version);
};

// "<base>/registry".
std::string zk_registry_root(const std::string& base);
// "<base>/registry/format".
std::string zk_registry_format_path(const std::string& base);
// The parents of the records, parents first: agents, its buckets,
// frameworks, quotas, weights.
std::vector<std::string> zk_registry_directories(const std::string& base);
// "0a": the bucket of an agent id.
std::string zk_agent_bucket(std::string_view id);
std::string zk_record_path(const std::string& base, const RecordKey& key);

// Whether `state` has the record, and its framed bytes (std::nullopt if not).
bool has_record(const RegistryState& state, const RecordKey& key);
std::optional<std::string> encode_record(const RegistryState& state, const RecordKey& key);
// Adds the record at `path` (named `name` under the directory of `kind`) to
// `state`. A damaged record is an kIoError naming `path`.
Status decode_record_into(RecordKind kind, std::string_view name, std::string_view bytes,
                          const std::string& path, RegistryState& state);

std::string encode_format_record();
// The format version; refuses a damaged node or a newer version.
StatusOr<uint32_t> decode_format_record(std::string_view bytes, const std::string& path);

}  // namespace clusterctl
