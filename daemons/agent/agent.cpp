// The agent's start-up, request dispatch, HTTP endpoints and shutdown.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/auth/credentials.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/rpc/params.hpp"
#include "core/zk/zk_address.hpp"
#include "daemons/agent/agent_impl.hpp"
#include "daemons/agent/resource_detection.hpp"
#include "daemons/agent/sandbox_access.hpp"
#include "daemons/agent/task_user.hpp"

namespace clusterctl {

namespace {

constexpr Duration kShutdownFlushTimeout{2000};

StatusOr<std::string> this_host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) {
    return Status::io_error(std::string("cannot read the host name: ") + std::strerror(errno));
  }
  return std::string(name);
}

StatusOr<std::string> this_executable() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return Status::io_error("cannot find the running binary: " + error.message());
  return path.string();
}

// Executors connect from this machine: a wildcard listen address becomes loopback.
std::string local_address(const std::string& address) {
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(address, &host, &port)) return address;
  if (host == "0.0.0.0") return "127.0.0.1:" + std::to_string(port);
  if (host == "::") return "[::1]:" + std::to_string(port);
  return address;
}

Status complete_options(AgentOptions& options) {
  if (options.work_dir.empty()) return Status::invalid("--work-dir is required");
  std::error_code error;
  std::filesystem::create_directories(options.work_dir, error);
  if (error) {
    return Status::io_error("cannot create work directory '" + options.work_dir +
                            "': " + error.message());
  }
  options.work_dir = std::filesystem::absolute(options.work_dir).lexically_normal().string();
  if (options.master.empty()) return Status::invalid("--master is required");
  CLUSTERCTL_RETURN_IF_ERROR(check_master_address(options.master));
  if (options.hostname.empty()) {
    auto hostname = this_host_name();
    if (!hostname) return hostname.status();
    options.hostname = *hostname;
  }
  if (options.executor_binary.empty()) {
    auto binary = this_executable();
    if (!binary) return binary.status();
    options.executor_binary = *binary;
  }
  if (options.recover != "reconnect" && options.recover != "cleanup") {
    return Status::invalid("unknown --recover '" + options.recover + "': use reconnect or cleanup");
  }
  if (options.reconfiguration_policy != "equal" && options.reconfiguration_policy != "additive") {
    return Status::invalid("unknown --reconfiguration-policy '" + options.reconfiguration_policy +
                           "': use equal or additive");
  }
  auto environment = parse_executor_environment(options.executor_environment);
  if (!environment) return environment.status();
  return Status::ok();
}

struct ExecutorView {
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  std::string task_id;
  std::string task_name;
  TaskState state = TaskState::kStaging;
  std::string sandbox;
  int32_t pid = 0;
  bool registered = false;
  std::string phase;  // executor_lifecycle.hpp: "preparing", "running", ...
  MSGPACK_DEFINE_MAP(framework_id, executor_id, container_id, task_id, task_name, state, sandbox,
                     pid, registered, phase);
};

struct AgentStateView {
  std::string id;
  std::string hostname;
  std::string address;
  std::string master;
  bool registered = false;
  Resources resources;
  Attributes attributes;
  std::vector<ExecutorView> executors;
  size_t queued_updates = 0;
  std::string sandbox_root;            // what /files serves: WORK_DIR/agents
  std::vector<std::string> isolation;  // the isolators loaded
  MSGPACK_DEFINE_MAP(id, hostname, address, master, registered, resources, attributes, executors,
                     queued_updates, sandbox_root, isolation);
};

}  // namespace

std::string agent_task_key(const std::string& framework_id, const std::string& task_id) {
  return framework_id + "/" + task_id;
}

StatusOr<std::unique_ptr<Agent>> Agent::create(asio::io_context& io, AgentOptions options) {
  CLUSTERCTL_RETURN_IF_ERROR(complete_options(options));
  StatusOr<Resources> resources = options.resources.empty() ? detect_resources(options.work_dir)
                                                            : Resources::parse(options.resources);
  if (!resources) return resources.status();
  if (resources->empty()) return Status::invalid("the agent has no resources to offer");
  CLUSTERCTL_RETURN_IF_ERROR(check_resource_limits(*resources));
  auto attributes = parse_attributes(options.attributes);
  if (!attributes) return attributes.status();
  std::optional<Credential> credential;
  if (!options.credential_file.empty()) {
    auto loaded = load_credential(options.credential_file, "--credential");
    if (!loaded) return loaded.status();
    credential = std::move(loaded).value();
  }
  auto agent = std::make_unique<AgentImpl>(io, std::move(options), std::move(resources).value(),
                                           std::move(attributes).value());
  agent->set_credential(std::move(credential));
  CLUSTERCTL_RETURN_IF_ERROR(agent->start());
  return std::unique_ptr<Agent>(std::move(agent));
}

AgentImpl::AgentImpl(asio::io_context& io, AgentOptions options, Resources resources,
                     Attributes attributes)
    : io_(io),
      options_(std::move(options)),
      resources_(std::move(resources)),
      attributes_(std::move(attributes)),
      watcher_(io),
      writer_(io),
      updates_(io, writer_,
               StatusUpdateManager::Options{options_.status_update_retry_min,
                                            options_.status_update_retry_max},
               [this](const std::string& framework_id, const std::string& task_id) {
                 stream_done(framework_id, task_id);
               }),
      link_(io, options_.master, options_.registration_backoff_max,
            MasterLink::Callbacks{
                [this] { return registration(); },
                [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                       RpcResponder responder) {
                  on_master_request(connection, message, std::move(responder));
                },
                [this](const RpcConnectionPtr& master) { master_registered(master); },
                [this] { updates_.pause(); }}),
      launcher_(container_hooks()),
      files_(io, options_.work_dir + "/agents", sandbox_file_options(options_.acls)),
      gc_(io,
          SandboxGcOptions{options_.containers.gc_delay, options_.containers.gc_disk_headroom,
                           options_.containers.disk_watch_interval, options_.work_dir, nullptr}),
      usage_timer_(io),
      shutdown_timer_(io) {}

AgentImpl::~AgentImpl() {
  link_.stop();
  if (server_) server_->stop();
}

Status AgentImpl::start() {
  auto environment = parse_executor_environment(options_.executor_environment);
  if (!environment) return environment.status();
  executor_environment_ = std::move(environment).value();
  if (options_.switch_user && ::geteuid() != 0) {
    LOG(kInfo) << "tasks run as this agent's user: switching users needs root";
  }
  RpcHandlers handlers;
  handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                               RpcResponder responder) {
    on_request(connection, message, std::move(responder));
  };
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    on_close(connection, why);
  };
  CLUSTERCTL_RETURN_IF_ERROR(load_authorization());
  handlers.on_http_async = [this](const HttpRequest& request,
                                  std::function<void(HttpResponse)> respond) {
    if (auto refused = check_http_access(request)) {
      respond(std::move(*refused));
    } else if (request.method == "GET" && FileServer::serves(request.path)) {
      // The worker checks access_sandboxes with the principal proved here.
      std::string principal =
          options_.authenticate_http ? verified_principal(request, http_credentials_) : "";
      files_.handle_async(with_verified_principal(request, principal), std::move(respond));
    } else {
      respond(on_http(request));
    }
  };
  RpcServerOptions server_options = options_.server;
  server_options.server_name = "clusterctl-agent";
  auto server = rpc_listen(io_, options_.listen, std::move(handlers), server_options);
  if (!server) return server.status();
  server_ = std::move(server).value();
  executor_address_ = local_address(server_->address());
  // Executors of checkpointing frameworks find a restarted agent here.
  CLUSTERCTL_RETURN_IF_ERROR(make_directories(meta_dir(options_.work_dir)));
  CLUSTERCTL_RETURN_IF_ERROR(
      write_file_atomic(address_path(options_.work_dir), executor_address_ + "\n"));
  CLUSTERCTL_RETURN_IF_ERROR(recover());
  LOG(kInfo) << "agent on " << options_.hostname << " offers " << resources_.to_string()
             << (attributes_.empty() ? "" : " with attributes " + format_attributes(attributes_));
  gc_.start();
  measure_usage();
  const TlsServerOptions& tls = options_.server.tls;  // the agent's identity towards the master
  link_.set_tls(TlsClientOptions{tls.ca_file, tls.cert_file, tls.key_file});
  link_.start();
  return Status::ok();
}

std::string AgentImpl::address() const {
  return server_ ? server_->address() : "";
}

RegisterAgentCall AgentImpl::registration() const {
  RegisterAgentCall call;
  call.agent.hostname = options_.hostname;
  call.agent.address = address();
  call.agent.resources = resources_;
  call.agent.attributes = attributes_;
  for (const auto& [key, task] : live_tasks_) call.tasks.push_back(task);
  return call;
}

// Registered (again): the id is checkpointed, and the updates flow.
void AgentImpl::master_registered(const RpcConnectionPtr& master) {
  if (link_.agent_id() != checkpointed_agent_id_) checkpoint_agent();
  updates_.resume(master);
}

// Requests on the connection to the master.
void AgentImpl::on_master_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                                  RpcResponder responder) {
  const std::string& method = message.method;
  if (method == "agent.ping") {
    responder.reply(empty_payload());
  } else if (method == "agent.acknowledge") {
    if (auto call = parse_params<AcknowledgeCall>(message, responder)) {
      responder.reply(empty_payload());
      updates_.acknowledge(call->framework_id, call->task_id, call->uuid);
    }
  } else if (method == "agent.run_task") {
    if (auto call = parse_params<RunTaskCall>(message, responder)) {
      run_task(*call, std::move(responder));
    }
  } else if (method == "agent.kill_task") {
    if (auto call = parse_params<KillTaskCall>(message, responder)) {
      kill_task(*call, std::move(responder));
    }
  } else {
    responder.fail(Status::not_found("unknown method '" + method + "'"));
  }
}

// Requests on the agent's own port: from its executors.
void AgentImpl::on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                           RpcResponder responder) {
  const std::string& method = message.method;
  if (method == "executor.register") {
    if (auto call = parse_params<RegisterExecutorCall>(message, responder)) {
      register_executor(connection, *call, std::move(responder));
    }
  } else if (method == "executor.status_update") {
    if (auto call = parse_params<StatusUpdateCall>(message, responder)) {
      executor_update(connection, std::move(call->status), std::move(responder));
    }
  } else if (method == "agent.ping") {
    responder.reply(empty_payload());
  } else if (method == "agent.run_task" || method == "agent.kill_task" ||
             method == "agent.acknowledge") {
    responder.fail(Status::failed_precondition(
        method + " is taken only from the master, on the connection the agent registered on"));
  } else {
    responder.fail(Status::not_found("unknown method '" + method + "'"));
  }
}

void AgentImpl::on_close(const RpcConnectionPtr& connection, const Status& why) {
  for (auto& [container_id, executor] : executors_) {
    if (executor->connection != connection) continue;
    LOG(kInfo) << "executor of task " << executor->config.task.task_id
               << " disconnected: " << why.message();
    executor->connection.reset();
  }
}

HttpResponse AgentImpl::on_http(const HttpRequest& request) const {
  if (request.method != "GET") return http_error(405, "only GET is supported");
  HttpResponse response;
  if (request.path == "/health") {
    response.body = "{\"status\":\"ok\"}";
  } else if (request.path == "/state") {
    response = http_payload(request, state_view());
  } else {
    response = http_error(404, "no such endpoint; try /health or /state");
  }
  return response;
}

Payload AgentImpl::state_view() const {
  AgentStateView view;
  view.id = link_.agent_id();
  view.hostname = options_.hostname;
  view.address = address();
  view.master = link_.masters();  // a zk:// address without its password
  view.registered = link_.registered();
  view.resources = resources_;
  view.attributes = attributes_;
  view.queued_updates = updates_.pending();
  view.sandbox_root = files_.root();
  view.isolation = isolation_->loaded();
  for (const auto& [container_id, executor] : executors_) {
    const ContainerConfig& config = executor->config;
    view.executors.push_back({config.framework_id, config.executor_id, container_id,
                              config.task.task_id, config.task.name, executor->state,
                              config.sandbox, static_cast<int32_t>(executor->pid),
                              executor->connection != nullptr, phase_name(executor->phase())});
  }
  return pack_payload(view);
}

// ---- Shutdown: kill every task, wait for the executors, flush, stop. ----

void AgentImpl::shutdown(std::function<void()> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  size_t killed = 0;
  for (auto& [container_id, executor] : executors_) {
    if (outlives_agent(*executor)) continue;  // it waits for the next agent to recover it
    kill_executor(*executor, -1);
    ++killed;
  }
  LOG(kInfo) << "shutting down: killing " << killed << " executors; " << executors_.size() - killed
             << " of checkpointing frameworks keep running";
  shutdown_timer_.start(options_.executor_shutdown_grace, [this] {
    for (auto& [container_id, executor] : executors_) {
      if (!outlives_agent(*executor)) {
        kill_for_good(*executor, "still running after the shutdown grace period");
      }
    }
  });
  shutdown_step();
}

void AgentImpl::shutdown_step() {
  if (!shutting_down_ || shutdown_finished_) return;
  for (const auto& [container_id, executor] : executors_) {
    if (!outlives_agent(*executor)) return;  // still exiting
  }
  shutdown_timer_.cancel();
  if (updates_.unsaved() == 0 || !link_.registered()) {
    finish_shutdown();
    return;
  }
  LOG(kInfo) << "delivering " << updates_.unsaved() << " status updates before stopping";
  shutdown_timer_.start(kShutdownFlushTimeout, [this] {
    LOG(kWarning) << updates_.unsaved() << " status updates could not be delivered";
    finish_shutdown();
  });
  updates_.when_flushed([this] { finish_shutdown(); });
}

void AgentImpl::finish_shutdown() {
  if (shutdown_finished_) return;
  shutdown_finished_ = true;
  shutdown_timer_.cancel();
  usage_timer_.cancel();
  link_.stop();
  updates_.pause();
  if (server_) server_->stop();
  LOG(kInfo) << "agent shut down";
  if (shutdown_done_) std::exchange(shutdown_done_, nullptr)();
}

}  // namespace clusterctl
