// The master daemon: tracks agents and frameworks, makes offers through its
// allocator plugin, launches accepted tasks on agents, keeps task state and
// serves it over msgpack-RPC and HTTP (/health, /state) on one port.
//
// Threading: a Master lives on one io_context thread; every handler runs
// there (actor style), so its state needs no locks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/rpc/server_options.hpp"
#include "core/status.hpp"
#include "daemons/master/authentication_options.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class AuthenticationGate;

struct MasterOptions {
  std::string listen = "127.0.0.1:5050";
  std::string work_dir;           // holds the registry; created if missing
  std::string allocator = "drf";  // plugin name or path
  std::string plugin_dir;         // empty: default_plugin_dir()
  Duration allocation_interval{1000};
  // Role weights; a weight stored with `clusterctl weights set` takes precedence.
  std::map<std::string, double> weights;
  // Offers must hold all of at least one alternative ("cpus:0.01|mem:32").
  std::string min_allocatable = "cpus:0.01|mem:32";
  Duration offer_timeout{0};  // offers unanswered for this long are rescinded; 0: never
  Duration agent_ping_timeout{15000};
  int max_agent_ping_timeouts = 5;
  size_t max_completed_tasks = 1000;
  // After a restart, agents known from the registry must re-register within
  // this; later they are unreachable.
  Duration agent_reregister_timeout{10 * 60 * 1000};
  // At most this many agents are marked unreachable per period ("1/10s");
  // empty: no limit.
  std::string agent_removal_rate_limit;
  // Unreachable agents are forgotten, in memory and in the registry, once
  // unreachable for longer than this, and oldest first beyond this many;
  // checked every registry_gc_interval.
  Duration registry_max_agent_age{int64_t{14} * 24 * 3600 * 1000};
  size_t registry_max_agent_count = 100000;
  Duration registry_gc_interval{15 * 60 * 1000};
  // What one peer may cost the master's port (server_name is set by the master).
  RpcServerOptions server;
  // Who must authenticate, with which plugins and credentials.
  AuthenticationOptions authentication;
  // Made by Master::create from `authentication` (so that a wrong plugin or
  // credentials file stops the master at start); the leader uses it.
  std::shared_ptr<AuthenticationGate> authentication_gate;

  // Authorization (daemons/master/master_authorization.hpp). With
  // authentication.operators (--authenticate-http) /state also needs HTTP
  // Basic against authentication.credentials_file.
  std::string acls;  // --acls FILE; empty: everything is allowed

  // High availability (daemons/master/ha_master.hpp); an empty `zk` runs
  // standalone, with the registry in work_dir.
  std::string zk;  // zk://[user:pass@]host:port[,host:port...]/path
  // How many masters must contend (this one included) before the lowest may
  // start leading: recover the registry and admit agents (see ARCHITECTURE.md).
  size_t quorum = 1;
  Duration zk_session_timeout{10000};
  // HA: this master must stop acting for good (it lost its leadership or its
  // session); the process restarts itself as a new contender. Unset (tests):
  // the master only stops.
  std::function<void(const std::string& why)> on_demoted;
  // Set by the HA master for the leader it starts: OK while it may act, else
  // the error every request is answered with.
  std::function<Status()> check_leading;
};

class Master {
 public:
  virtual ~Master() = default;
  // Loads the allocator and binds the port: a failure here is a start-up error.
  // With options.zk it is an HA master: it contends, stands by, and leads
  // once elected.
  static StatusOr<std::unique_ptr<Master>> create(boost::asio::io_context& io,
                                                  MasterOptions options);
  // "127.0.0.1:5050" (the real port when listening on port 0).
  virtual std::string address() const = 0;
  // Closes every connection and stops timers; io.run() returns afterwards.
  virtual void stop() = 0;
};

}  // namespace clusterctl
