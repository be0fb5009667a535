#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.hpp"
#include "core/http/basic_auth.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/plugin/plugin_library.hpp"
#include "core/role_weights.hpp"
#include "core/rpc/params.hpp"
#include "daemons/master/authentication.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {

// --agent-removal-rate-limit, checked by Master::create; empty: no limit.
std::optional<RateLimit> removal_rate_limit(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto limit = parse_rate_limit(text);
  return limit ? std::optional<RateLimit>(*limit) : std::nullopt;
}

}  // namespace

const char* agent_state_name(AgentState state) {
  switch (state) {
    case AgentState::kActive:
      return "active";
    case AgentState::kDisconnected:
      return "disconnected";
    case AgentState::kUnreachable:
      return "unreachable";
    case AgentState::kRecovering:
      return "recovering";
  }
  return "unknown";
}

Status check_master_options(const MasterOptions& options) {
  if (options.work_dir.empty()) return Status::invalid("--work-dir is required");
  if (options.agent_ping_timeout.count() <= 0 || options.max_agent_ping_timeouts <= 0) {
    return Status::invalid("--agent-ping-timeout and --max-agent-ping-timeouts must be positive");
  }
  if (options.allocation_interval.count() <= 0) {
    return Status::invalid("--allocation-interval must be positive");
  }
  if (options.agent_reregister_timeout.count() <= 0) {
    return Status::invalid("--agent-reregister-timeout must be positive");
  }
  if (!options.agent_removal_rate_limit.empty()) {
    auto limit = parse_rate_limit(options.agent_removal_rate_limit);
    if (!limit) return Status::invalid("--agent-removal-rate-limit: " + limit.status().message());
  }
  if (options.registry_gc_interval.count() <= 0) {
    return Status::invalid("--registry-gc-interval must be positive");
  }
  if (options.registry_max_agent_age.count() < 0) {
    return Status::invalid("--registry-max-agent-age must not be negative");
  }
  if (options.offer_timeout.count() < 0)
    return Status::invalid("--offer-timeout must not be negative");
  for (const auto& [role, weight] : options.weights) {
    CLUSTERCTL_RETURN_IF_ERROR(validate_weight(role, weight));
  }
  return check_authorization_options(options);
}

StatusOr<std::unique_ptr<Allocator>> load_master_allocator(const MasterOptions& options) {
  auto config = allocator_config(options.min_allocatable);
  if (!config) return config.status();
  std::string plugin_dir = options.plugin_dir.empty() ? default_plugin_dir() : options.plugin_dir;
  return Allocator::load(options.allocator, plugin_dir, *config);
}

StatusOr<std::unique_ptr<Master>> start_leading_master(asio::io_context& io, MasterOptions options,
                                                       std::unique_ptr<Allocator> allocator,
                                                       std::unique_ptr<Registry> registry) {
  auto master = std::make_unique<MasterImpl>(io, std::move(options), std::move(allocator),
                                             std::move(registry));
  CLUSTERCTL_RETURN_IF_ERROR(master->start());
  return std::unique_ptr<Master>(std::move(master));
}

namespace {

// Loads the authenticators and credentials (MasterImpl::start warns when
// nobody has to authenticate).
Status prepare_authentication(MasterOptions& options) {
  if (options.authentication.plugin_dir.empty())
    options.authentication.plugin_dir = options.plugin_dir;
  auto gate = AuthenticationGate::create(options.authentication);
  if (!gate) return gate.status();
  options.authentication_gate = *gate;
  if ((*gate)->required_any()) {
    std::string who;
    for (const std::string& kind : (*gate)->required()) who += (who.empty() ? "" : ", ") + kind;
    LOG(kInfo) << "authentication required of " << who
               << "; authenticators: " << (*gate)->describe_plugins();
  }
  return Status::ok();
}

}  // namespace

StatusOr<std::unique_ptr<Master>> Master::create(asio::io_context& io, MasterOptions options) {
  CLUSTERCTL_RETURN_IF_ERROR(check_master_options(options));
  CLUSTERCTL_RETURN_IF_ERROR(prepare_authentication(options));
  CLUSTERCTL_RETURN_IF_ERROR(make_directories(options.work_dir));
  auto allocator = load_master_allocator(options);
  if (!allocator) return allocator.status();
  if (!options.zk.empty())
    return start_ha_master(io, std::move(options), std::move(allocator).value());
  auto registry = Registry::open(io, options.work_dir);
  if (!registry) return registry.status();
  return start_leading_master(io, std::move(options), std::move(allocator).value(),
                              std::move(registry).value());
}

MasterImpl::MasterImpl(asio::io_context& io, MasterOptions options,
                       std::unique_ptr<Allocator> allocator, std::unique_ptr<Registry> registry)
    : io_(io),
      options_(std::move(options)),
      allocator_(std::move(allocator)),
      registry_(std::move(registry)),
      allocation_timer_(io),
      ping_timer_(io),
      reregister_timer_(io),
      agent_gc_timer_(io),
      removal_limiter_(io, removal_rate_limit(options_.agent_removal_rate_limit)),
      batch_timer_(io),
      offer_timer_(io),
      relay_(relay_links()) {}

Status MasterImpl::start() {
  if (!options_.authentication_gate) {
    auto gate = AuthenticationGate::create(options_.authentication);
    if (!gate) return gate.status();
    options_.authentication_gate = *gate;
  }
  CLUSTERCTL_RETURN_IF_ERROR(load_authorization());
  RpcHandlers handlers;
  handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                               RpcResponder responder) {
    on_request(connection, message, std::move(responder));
  };
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    on_close(connection, why);
  };
  handlers.on_http = [this](const HttpRequest& request) { return on_http(request); };
  RpcServerOptions server_options = options_.server;
  server_options.server_name = "clusterctl-master";
  server_options.authentication = options_.authentication_gate->mechanisms();
  server_options.authentication_required = options_.authentication_gate->required();
  auto server = rpc_listen(io_, options_.listen, std::move(handlers), server_options);
  if (!server) return server.status();
  server_ = std::move(server).value();
  started_at_ = wall_seconds();
  if (!options_.authentication_gate->required_any()) {
    LOG(kWarning) << "authentication is off: anyone who can reach " << server_->address()
                  << " can launch tasks, tear down frameworks, register agents and change "
                     "quotas (turn it on with --authenticate-frameworks, --authenticate-agents, "
                     "--authenticate-http and --credentials FILE)";
  }
  LOG(kInfo) << "master uses allocator " << allocator_->describe_plugin();
  restore_allocation_config();
  recover_from_registry();
  forget_unreachable_agents(wall_seconds());  // those that aged while the master was down
  start_timers();
  return Status::ok();
}

std::string MasterImpl::address() const {
  return server_ ? server_->address() : "";
}

void MasterImpl::stop() {
  if (stopped_) return;
  stopped_ = true;
  allocation_timer_.cancel();
  ping_timer_.cancel();
  reregister_timer_.cancel();
  agent_gc_timer_.cancel();
  failover_timers_.clear();
  batch_timer_.cancel();
  offer_timer_.cancel();
  if (server_) server_->stop();
}

void MasterImpl::start_timers() {
  arm_allocation_timer();
  arm_ping_timer();
  arm_agent_gc_timer();
}

// Allocation runs on this interval and, batched, whenever an event frees resources.
void MasterImpl::arm_allocation_timer() {
  allocation_timer_.start(options_.allocation_interval, [this] {
    schedule_allocation();
    arm_allocation_timer();
  });
}

void MasterImpl::arm_ping_timer() {
  ping_timer_.start(options_.agent_ping_timeout, [this] {
    ping_agents();
    arm_ping_timer();
  });
}

void MasterImpl::report(const Status& status) {
  if (!status.is_ok()) LOG(kError) << status.message();
}

void MasterImpl::on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                            RpcResponder responder) {
  if (options_.check_leading) {  // an HA leader whose lease ran out answers nothing as leader
    Status leading = options_.check_leading();
    if (!leading) {
      responder.fail(leading);
      return;
    }
  }
  if (options_.authentication_gate->intercept(io_, connection, message, responder)) return;
  const std::string& method = message.method;
  if (method == "agent.register") {
    if (auto call = parse_params<RegisterAgentCall>(message, responder))
      register_agent(connection, *call, std::move(responder));
  } else if (method == "agent.status_update") {
    if (auto call = parse_params<StatusUpdateCall>(message, responder))
      status_update(connection, *call, std::move(responder));
  } else if (method == "agent.usage") {
    if (auto call = parse_params<AgentUsageCall>(message, responder))
      record_usage(connection, *call, std::move(responder));
  } else if (method == "framework.subscribe") {
    if (auto info = parse_params<FrameworkInfo>(message, responder))
      subscribe(connection, std::move(*info), std::move(responder));
  } else if (method == "framework.accept") {
    if (auto call = parse_params<AcceptCall>(message, responder))
      accept(connection, *call, std::move(responder));
  } else if (method == "framework.decline") {
    if (auto call = parse_params<DeclineCall>(message, responder))
      decline(connection, *call, std::move(responder));
  } else if (method == "framework.kill") {
    if (auto call = parse_params<KillCall>(message, responder))
      kill_task(connection, *call, std::move(responder));
  } else if (method == "framework.acknowledge") {
    if (auto call = parse_params<AcknowledgeCall>(message, responder))
      acknowledge(connection, *call, std::move(responder));
  } else if (method == "framework.reconcile") {
    if (auto call = parse_params<ReconcileCall>(message, responder))
      reconcile(connection, *call, std::move(responder));
  } else if (method == "framework.teardown") {
    if (auto call = parse_params<FrameworkCall>(message, responder))
      teardown(connection, *call, std::move(responder));
  } else if (method == "framework.suppress" || method == "framework.revive") {
    if (auto call = parse_params<FrameworkCall>(message, responder))
      suppress(connection, *call, method == "framework.suppress", std::move(responder));
  } else if (method == "state.tasks") {
    responder.reply(pack_payload(tasks_view(connection->principal())));
  } else if (method == "state.agents") {
    responder.reply(pack_payload(agents_view()));
  } else if (method == "state.frameworks") {
    responder.reply(pack_payload(frameworks_view(connection->principal())));
  } else if (method == "state.offers") {
    responder.reply(pack_payload(offers_view()));
  } else if (on_allocation_call(connection, message, responder)) {
    // quota.*, weights.*, state.roles, operator.*: master_allocation_calls.cpp
  } else {
    responder.fail(Status::not_found("unknown method '" + method + "'"));
  }
}

void MasterImpl::on_close(const RpcConnectionPtr& connection, const Status& why) {
  options_.authentication_gate->forget(connection->id());
  auto agent = state_.agent_of_connection.find(connection->id());
  if (agent != state_.agent_of_connection.end()) {
    std::string agent_id = agent->second;
    state_.agent_of_connection.erase(agent);
    LOG(kInfo) << "agent " << agent_id << " disconnected: " << why.message();
    agent_disconnected(agent_id);
  }
  auto framework = state_.framework_of_connection.find(connection->id());
  if (framework != state_.framework_of_connection.end()) {
    std::string framework_id = framework->second;
    state_.framework_of_connection.erase(framework);
    LOG(kInfo) << "framework " << framework_id << " disconnected: " << why.message();
    framework_disconnected(framework_id);
  }
}

HttpResponse MasterImpl::on_http(const HttpRequest& request) {
  HttpResponse response;
  Status leading = options_.check_leading ? options_.check_leading() : Status::ok();
  if (!leading) {
    response.status = 503;
    response.body = "{\"error\":" + json_quote(leading.message()) + "}";
  } else if (request.method != "GET") {
    response.status = 405;
    response.body = "{\"error\":\"only GET is supported\"}";
  } else if (request.path == "/health") {
    std::string authentication =
        options_.authentication_gate->required_any() ? "\"on\"" : "\"off\"";
    response.body =
        options_.zk.empty() ? "{\"status\":\"ok\"" : "{\"status\":\"ok\",\"role\":\"leading\"";
    response.body += ",\"authentication\":" + authentication + "}";
  } else if (request.path == "/state") {
    // Without --authenticate-http nobody is known: the view ACLs see an
    // unauthenticated client.
    std::string viewer;
    if (options_.authentication.operators) {
      auto principal = http_basic_principal(request, http_credentials_);
      if (!principal) return http_unauthorized(principal.status().message());
      viewer = *principal;
    }
    response.body = state_json(viewer);
  } else {
    response.status = 404;
    response.body = "{\"error\":\"no such endpoint; try /health or /state\"}";
  }
  return response;
}

}  // namespace clusterctl
