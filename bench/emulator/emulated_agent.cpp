#include "bench/emulator/emulated_agent.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/rpc/params.hpp"

namespace clusterctl::emulator {

namespace {
// Emulated agents serve nothing; the master only shows this address.
constexpr const char* kAgentAddress = "127.0.0.1:1";
}  // namespace

EmulatedAgent::EmulatedAgent(boost::asio::io_context& io, Fleet& fleet,
                             const AgentSettings& settings, std::string id)
    : io_(io),
      fleet_(fleet),
      settings_(settings),
      id_(std::move(id)),
      tasks_(io, fleet, settings.finish_tasks,
             [this](uint64_t connection_id, const Status& error) {
               if (connection_ && connection_->id() == connection_id) not_leader(error);
             }),
      retry_timer_(io),
      backoff_(settings.backoff_min) {}

EmulatedAgent::~EmulatedAgent() {
  stop();
}

void EmulatedAgent::start() {
  stopped_ = false;
  connect();
}

void EmulatedAgent::stop() {
  if (stopped_) return;
  stopped_ = true;
  ++attempt_;
  retry_timer_.cancel();
  registered_ = false;
  tasks_.pause();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close("emulator stopping");
}

void EmulatedAgent::connect() {
  if (stopped_) return;
  uint64_t attempt = ++attempt_;
  const std::vector<std::string>& masters = fleet_.masters();
  std::string master;
  if (!leader_hint_.empty()) {
    master = std::move(leader_hint_);
    leader_hint_.clear();
    auto known = std::find(masters.begin(), masters.end(), master);
    if (known != masters.end()) next_master_ = (known - masters.begin() + 1) % masters.size();
  } else {
    master = masters[next_master_];
    next_master_ = (next_master_ + 1) % masters.size();
  }
  RpcHandlers handlers;
  handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                               RpcResponder responder) {
    on_request(connection, message, std::move(responder));
  };
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    closed(connection, why);
  };
  rpc_connect(io_, master, std::move(handlers), settings_.connect_timeout,
              [this, attempt, master](StatusOr<RpcConnectionPtr> connection) {
                connected(attempt, master, std::move(connection));
              });
}

void EmulatedAgent::connected(uint64_t attempt, const std::string& master,
                              StatusOr<RpcConnectionPtr> connection) {
  if (attempt != attempt_) {
    if (connection) (*connection)->close("connection attempt abandoned");
    return;
  }
  if (!connection) {
    ++fleet_.counters().failed_attempts;
    retry(connection.status());
    return;
  }
  connection_ = *connection;
  connection_->call(
      "agent.register", pack_payload(registration()), settings_.register_timeout,
      [this, attempt](StatusOr<RpcValue> reply) { answered(attempt, std::move(reply)); });
}

void EmulatedAgent::answered(uint64_t attempt, StatusOr<RpcValue> reply) {
  if (attempt != attempt_) return;
  if (!reply && reply.status().kind() == ErrorKind::kNotLeader) {
    not_leader(reply.status());
    return;
  }
  StatusOr<RegisterAgentReply> registration =
      reply ? reply->as<RegisterAgentReply>("agent.register reply") : reply.status();
  if (!registration) {
    ++fleet_.counters().failed_attempts;
    retry(Status(registration.status().kind(),
                 "registration failed: " + registration.status().message()));
    return;
  }
  if (registration->agent_id != id_) {
    LOG(kWarning) << "master gave agent id " << registration->agent_id << " instead of " << id_
                  << "; keeping " << id_;
  }
  registered_ = true;
  backoff_ = settings_.backoff_min;
  redirects_in_a_row_ = 0;
  fleet_.agent_registered();
  tasks_.resume(connection_);
}

void EmulatedAgent::closed(const RpcConnectionPtr& connection, const Status& why) {
  if (connection != connection_ || stopped_) return;  // an abandoned attempt
  retry(Status(why.kind(), "connection to master closed: " + why.message()));
}

void EmulatedAgent::not_leader(const Status& error) {
  if (stopped_) return;
  ++fleet_.counters().redirects;
  ++redirects_in_a_row_;
  leader_hint_ = error.leader();
  retry(error, true);
}

void EmulatedAgent::retry(const Status& why, bool redirect) {
  if (stopped_) return;
  ++attempt_;
  if (!redirect) redirects_in_a_row_ = 0;
  bool was_registered = registered_;
  registered_ = false;
  tasks_.pause();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close(why.message());
  if (was_registered) fleet_.agent_lost();
  Duration delay = fleet_.jitter(backoff_);
  if (!redirect || redirects_in_a_row_ > 1) {
    backoff_ = std::min(backoff_ * 2, settings_.backoff_max);
  }
  LOG(kDebug) << "agent " << id_ << ": " << why.message() << "; trying again in "
              << format_duration(delay);
  retry_timer_.start(delay, [this] { connect(); });
}

void EmulatedAgent::on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                               RpcResponder responder) {
  if (connection != connection_) {
    responder.fail(Status::failed_precondition("this agent no longer uses this connection"));
    return;
  }
  const std::string& method = message.method;
  if (method == "agent.ping") {
    ++fleet_.counters().pings;
    responder.reply(empty_payload());
  } else if (method == "agent.run_task") {
    if (auto call = parse_params<RunTaskCall>(message, responder)) {
      responder.reply(empty_payload());
      tasks_.run(id_, *call);
    }
  } else if (method == "agent.kill_task") {
    if (auto call = parse_params<KillTaskCall>(message, responder)) {
      Status killed = tasks_.kill(*call);
      killed ? responder.reply(empty_payload()) : responder.fail(killed);
    }
  } else if (method == "agent.acknowledge") {
    if (auto call = parse_params<AcknowledgeCall>(message, responder)) {
      responder.reply(empty_payload());
      tasks_.acknowledge(*call);
    }
  } else {
    responder.fail(Status::not_found("unknown method '" + method + "'"));
  }
}

RegisterAgentCall EmulatedAgent::registration() const {
  RegisterAgentCall call;
  call.agent.id = id_;
  call.agent.hostname = id_;
  call.agent.address = kAgentAddress;
  call.agent.resources = settings_.resources;
  call.agent.attributes = settings_.attributes;
  call.tasks = tasks_.live();
  return call;
}

}  // namespace clusterctl::emulator
