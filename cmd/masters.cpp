// clusterctl masters: the masters behind --master.
//
// For a zk:// address, every master contending for leadership, read from its
// election znode: which one leads, since when it contends (the znode's
// creation), its ZooKeeper session, version, host and pid. For host:port or
// a comma list, each master is asked over RPC with a cheap read: one that
// answers not_leader stands by (and names the leader), one that answers leads
// when a standby of the list names it and is standalone otherwise, and the
// others are unreachable.
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/auth/client_authentication.hpp"
#include "core/json.hpp"
#include "core/rpc/blocking_client.hpp"
#include "core/rpc/rpc.hpp"
#include "core/zk/leader_lookup.hpp"

namespace clusterctl::cmd {

namespace {

// One master, with stable field names for --json. Unknown values are null
// (numbers) or "" (text).
struct MasterEntry {
  std::string address;
  std::string state;            // "leading", "standing_by", "standalone" or "unreachable"
  std::optional<double> since;  // ZooKeeper: contending since (znode creation), epoch seconds
  std::string session;          // ZooKeeper: the session holding its znode, "0x..."
  std::string member;           // ZooKeeper: its election znode, "member_0000000003"
  std::string version;
  std::string hostname;
  std::optional<int64_t> pid;
  std::optional<double> started;  // the master process's start, epoch seconds
  std::string leader;             // standing_by without ZooKeeper: the leader it names
  std::string error;              // unreachable: why
  MSGPACK_DEFINE_MAP(address, state, since, session, member, version, hostname, pid, started,
                     leader, error);
};

struct MastersListing {
  std::optional<std::string> zookeeper;  // the zk:// address (no password), or null
  std::vector<MasterEntry> masters;
  MSGPACK_DEFINE_MAP(zookeeper, masters);
};

std::string hex_session(int64_t session) {
  std::ostringstream out;
  out << "0x" << std::hex << static_cast<uint64_t>(session);
  return out.str();
}

std::string local_time(double seconds) {
  auto time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  if (::localtime_r(&time, &parts) == nullptr) return "-";
  char text[32];
  size_t size = std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &parts);
  return size == 0 ? "-" : std::string(text, size);
}

MasterEntry from_contender(const ContenderInfo& contender) {
  MasterEntry entry;
  entry.address = contender.record.address;
  entry.state = contender.leading ? "leading" : "standing_by";
  entry.since = static_cast<double>(contender.stat.ctime_ms) / 1000.0;
  entry.session = hex_session(contender.stat.ephemeral_owner);
  entry.member = contender.member;
  entry.version = contender.record.version;
  entry.hostname = contender.record.hostname;
  entry.pid = contender.record.pid;
  entry.started = contender.record.started;
  return entry;
}

// Asks one master over RPC whether it answers or stands by.
MasterEntry ask_master(const std::string& address, Duration timeout) {
  MasterEntry entry;
  entry.address = address;
  auto credential = client_credential("", "");  // $CLUSTERCTL_PRINCIPAL, $CLUSTERCTL_SECRET_FILE
  auto client = credential ? BlockingRpcClient::connect(address, timeout, *credential, client_tls())
                           : StatusOr<BlockingRpcClient>(credential.status());
  StatusOr<RpcValue> reply =
      client ? client->call_here("weights.get", empty_payload(), timeout) : client.status();
  if (reply) {
    entry.state = "standalone";
  } else if (reply.status().kind() == ErrorKind::kNotLeader) {
    entry.state = "standing_by";
    entry.leader = reply.status().leader();
  } else {
    entry.state = "unreachable";
    entry.error = connect_error_reason(reply.status());
  }
  return entry;
}

std::string shown_state(const MasterEntry& entry) {
  if (entry.state == "leading") return "LEADING";
  if (entry.state == "standing_by") {
    return entry.leader.empty() ? "standing by" : "standing by (leader " + entry.leader + ")";
  }
  if (entry.state == "unreachable") return "unreachable: " + entry.error;
  return entry.state;
}

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

Table masters_table(const MastersListing& listing) {
  Table table({"address", "state", "since", "session", "version", "hostname", "pid"});
  for (const MasterEntry& entry : listing.masters) {
    table.add_row({entry.address, shown_state(entry), entry.since ? local_time(*entry.since) : "-",
                   or_dash(entry.session), or_dash(entry.version), or_dash(entry.hostname),
                   entry.pid ? std::to_string(*entry.pid) : "-"});
  }
  return table;
}

void print_listing(const MastersListing& listing, bool json) {
  if (json) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, listing);
    msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
    std::cout << to_json(handle.get(), true) << "\n";
    return;
  }
  std::string empty =
      listing.zookeeper ? "No master contends under " + *listing.zookeeper + "." : "No masters.";
  print_table(masters_table(listing), empty);
  for (const MasterEntry& entry : listing.masters) {
    if (entry.state == "standalone") {
      std::cout << "(standalone: without ZooKeeper; give --master zk://... to see an HA "
                   "election)\n";
      break;
    }
  }
}

int run_zookeeper(const MastersOptions& options) {
  auto address = parse_zk_address(options.master);
  if (!address) {  // checked while parsing; kept for run_masters called directly
    print_error("masters", address.status().message());
    return 2;
  }
  auto contenders = list_masters(*address, options.timeout);
  if (!contenders) {
    print_error("masters", "cannot list the masters under " + address->to_string() + ": " +
                               contenders.status().message());
    return 1;
  }
  MastersListing listing;
  listing.zookeeper = address->to_string();
  for (const ContenderInfo& contender : *contenders) {
    listing.masters.push_back(from_contender(contender));
  }
  print_listing(listing, options.json);
  return 0;
}

}  // namespace

void setup_masters(CLI::App& app) {
  auto options = std::make_shared<MastersOptions>();
  add_list_flags(app, *options, "masters");
  set_run(app, options, &run_masters);
}

int run_masters(const MastersOptions& options) {
  if (is_zk_address(options.master)) return run_zookeeper(options);
  MastersListing listing;
  bool any_answered = false;
  std::string first_error;
  for (const std::string& address : split_address_list(options.master)) {
    listing.masters.push_back(ask_master(address, options.timeout));
    const MasterEntry& entry = listing.masters.back();
    if (entry.state != "unreachable") any_answered = true;
    if (first_error.empty()) first_error = entry.error;
  }
  // A master that a standby names as the leader is not standalone.
  for (MasterEntry& entry : listing.masters) {
    for (const MasterEntry& other : listing.masters) {
      if (entry.state == "standalone" && other.leader == entry.address) entry.state = "leading";
    }
  }
  if (!any_answered) {
    print_error("masters", "cannot reach master at " + options.master + ": " + first_error +
                               " (is it running? set --master or CLUSTERCTL_MASTER)");
    return 1;
  }
  print_listing(listing, options.json);
  return 0;
}

}  // namespace clusterctl::cmd
