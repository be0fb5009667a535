// MasterRecord: what a master contending for leadership writes into its
// election znode, as JSON so that any tool can read it:
//   {"address":"127.0.0.1:5050","version":"0.1.0","hostname":"vm","pid":42,
//    "started":1765000000.25}
// and the naming of election znodes: ephemeral sequential children of the HA
// path called "member_<10-digit sequence>"; the lowest sequence leads, and
// each contender watches only the member just before its own.
// Pure values and functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

inline constexpr char kElectionMemberPrefix[] = "member_";

struct MasterRecord {
  std::string address;  // host:port of its RPC and HTTP port
  std::string version;
  std::string hostname;
  int64_t pid = 0;
  double started = 0;  // wall-clock seconds
};

std::string master_record_json(const MasterRecord& record);
// Parses what master_record_json wrote (unknown fields are ignored); a
// record from a hostile or broken writer is an error, never a crash: at most
// 64 KB, and the address must be a host:port.
StatusOr<MasterRecord> parse_master_record(const std::string& json);

// The sequence of "member_0000000042" (42); std::nullopt for any other name.
std::optional<int64_t> election_sequence(const std::string& child);
// The election members among `children`, lowest sequence first.
std::vector<std::string> election_members(const std::vector<std::string>& children);
// The member `mine` must watch: the one just before it; std::nullopt when
// `mine` is the lowest (it leads) or is not among them.
std::optional<std::string> election_predecessor(const std::vector<std::string>& children,
                                                const std::string& mine);

}  // namespace clusterctl
