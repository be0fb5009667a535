#include "core/zk/master_record.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree still includes the old boost/bind.hpp
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "core/json.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl {

namespace {
constexpr size_t kMaxRecordBytes = 64 * 1024;
constexpr size_t kSequenceDigits = 10;
}  // namespace

std::string master_record_json(const MasterRecord& record) {
  std::ostringstream out;
  out.precision(15);
  out << "{\"address\":" << json_quote(record.address)
      << ",\"version\":" << json_quote(record.version)
      << ",\"hostname\":" << json_quote(record.hostname) << ",\"pid\":" << record.pid
      << ",\"started\":" << (std::isfinite(record.started) ? record.started : 0) << "}";
  return out.str();
}

StatusOr<MasterRecord> parse_master_record(const std::string& json) {
  if (json.size() > kMaxRecordBytes) {
    return Status::invalid("master record of " + std::to_string(json.size()) +
                           " bytes (at most 64 KB)");
  }
  boost::property_tree::ptree tree;
  try {
    std::istringstream in(json);
    boost::property_tree::read_json(in, tree);
  } catch (const std::exception& error) {
    return Status::invalid(std::string("master record is not JSON: ") + error.what());
  }
  MasterRecord record;
  record.address = tree.get<std::string>("address", "");
  record.version = tree.get<std::string>("version", "");
  record.hostname = tree.get<std::string>("hostname", "");
  record.pid = tree.get<int64_t>("pid", 0);
  record.started = tree.get<double>("started", 0);
  std::string host;
  uint16_t port = 0;
  Status address = split_host_port(record.address, &host, &port);
  if (!address) return Status::invalid("master record: " + address.message());
  return record;
}

std::optional<int64_t> election_sequence(const std::string& child) {
  size_t prefix = std::strlen(kElectionMemberPrefix);
  if (child.size() != prefix + kSequenceDigits || child.compare(0, prefix, kElectionMemberPrefix))
    return std::nullopt;
  int64_t sequence = 0;
  for (size_t i = prefix; i < child.size(); ++i) {
    if (child[i] < '0' || child[i] > '9') return std::nullopt;
    sequence = sequence * 10 + (child[i] - '0');
  }
  return sequence;
}

std::vector<std::string> election_members(const std::vector<std::string>& children) {
  std::vector<std::pair<int64_t, std::string>> members;
  for (const std::string& child : children) {
    if (auto sequence = election_sequence(child)) members.emplace_back(*sequence, child);
  }
  std::sort(members.begin(), members.end());
  std::vector<std::string> names;
  names.reserve(members.size());
  for (auto& member : members) names.push_back(std::move(member.second));
  return names;
}

std::optional<std::string> election_predecessor(const std::vector<std::string>& children,
                                                const std::string& mine) {
  std::vector<std::string> members = election_members(children);
  auto found = std::find(members.begin(), members.end(), mine);
  if (found == members.end() || found == members.begin()) return std::nullopt;
  return *(found - 1);
}

}  // namespace clusterctl
