#include "daemons/master/authentication.hpp"

#include <deque>

#include "core/auth/authenticator.hpp"
#include "core/auth/credentials.hpp"
#include "core/log.hpp"
#include "core/plugin/plugin_library.hpp"
#include "core/rpc/params.hpp"
#include "core/timer.hpp"

namespace clusterctl {

namespace {

struct AuthStartCall {
  std::string mechanism;
  std::string principal;
  std::vector<char> data;
  MSGPACK_DEFINE_MAP(mechanism, principal, data);
};

struct AuthStepCall {
  std::vector<char> data;
  MSGPACK_DEFINE_MAP(data);
};

struct AuthReply {
  bool done = false;
  std::vector<char> data;
  std::string principal;  // once done
  MSGPACK_DEFINE_MAP(done, data, principal);
};

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

struct AuthenticationGate::Connection {
  explicit Connection(boost::asio::io_context& io) : delay(io) {}
  std::unique_ptr<ServerAuthSession> session;
  std::string mechanism;
  std::string principal;  // claimed in auth.start, for logs
  Timer delay;
  std::deque<std::pair<RpcResponder, Status>> delayed;  // failures not yet answered
};

AuthenticationGate::AuthenticationGate(AuthenticationOptions options)
    : options_(std::move(options)) {}
AuthenticationGate::~AuthenticationGate() = default;

StatusOr<std::shared_ptr<AuthenticationGate>> AuthenticationGate::create(
    const AuthenticationOptions& options) {
  std::shared_ptr<AuthenticationGate> gate(new AuthenticationGate(options));
  bool required = gate->required_any();
  if (options.credentials_file.empty()) {
    if (!required) return gate;  // off
    return Status::invalid(
        "--authenticate-frameworks, --authenticate-agents and --authenticate-http need "
        "--credentials FILE (JSON {\"credentials\":[{\"principal\":\"p\",\"secret\":\"s\"}]})");
  }
  auto store = load_credential_store(options.credentials_file, "--credentials");
  if (!store) return store.status();
  gate->store_ = std::make_shared<const CredentialStore>(std::move(store).value());
  if (options.authenticators.empty()) return Status::invalid("--authenticators names no plugin");
  std::string plugin_dir = options.plugin_dir.empty() ? default_plugin_dir() : options.plugin_dir;
  for (const std::string& name : options.authenticators) {
    auto authenticator = Authenticator::load(name, plugin_dir);
    if (!authenticator)
      return Status::invalid("--authenticators: " + authenticator.status().message());
    gate->authenticators_.push_back(std::move(authenticator).value());
  }
  return gate;
}

bool AuthenticationGate::required_any() const {
  return options_.frameworks || options_.agents || options_.operators;
}

std::vector<std::string> AuthenticationGate::mechanisms() const {
  std::vector<std::string> names;
  for (const auto& authenticator : authenticators_) names.push_back(authenticator->mechanism());
  return names;
}

std::vector<std::string> AuthenticationGate::required() const {
  std::vector<std::string> names;
  if (options_.frameworks) names.push_back("frameworks");
  if (options_.agents) names.push_back("agents");
  if (options_.operators) names.push_back("operators");
  return names;
}

std::string AuthenticationGate::describe_plugins() const {
  std::vector<std::string> items;
  for (const auto& authenticator : authenticators_)
    items.push_back(authenticator->describe_plugin());
  return join(items);
}

Authenticator* AuthenticationGate::find(const std::string& mechanism) const {
  for (const auto& authenticator : authenticators_) {
    if (authenticator->mechanism() == mechanism) return authenticator.get();
  }
  return nullptr;
}

Status AuthenticationGate::need(const RpcConnectionPtr& connection,
                                const std::string& method) const {
  if (connection->authenticated()) return Status::ok();
  const char* who = nullptr;
  const char* flag = nullptr;
  const char* give = "give --principal and --secret-file";
  if (starts_with(method, "agent.")) {
    if (options_.agents) {
      who = "agents";
      flag = "--authenticate-agents";
      give = "give the agent --credential FILE";
    }
  } else if (starts_with(method, "framework.") && method != "framework.teardown") {
    if (options_.frameworks) {
      who = "frameworks";
      flag = "--authenticate-frameworks";
    }
  } else if (method == "framework.teardown" && options_.frameworks) {
    who = "frameworks";
    flag = "--authenticate-frameworks";
  } else if (options_.operators) {
    who = "operator calls";
    flag = "--authenticate-http";
  }
  if (who == nullptr) return Status::ok();
  return Status::unauthenticated(std::string("authenticate first: this master requires ") + who +
                                 " to authenticate (" + flag + "); " + give);
}

bool AuthenticationGate::intercept(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                                   const RpcMessage& message, RpcResponder& responder) {
  if (message.method == "auth.start") {
    start(io, connection, message, responder);
    return true;
  }
  if (message.method == "auth.step") {
    step(io, connection, message, responder);
    return true;
  }
  Status allowed = need(connection, message.method);
  if (allowed) return false;
  responder.fail(allowed);
  return true;
}

void AuthenticationGate::start(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                               const RpcMessage& message, RpcResponder& responder) {
  auto call = parse_params<AuthStartCall>(message, responder);
  if (!call) return;
  if (connection->authenticated()) {
    responder.fail(Status::failed_precondition("this connection already authenticated as '" +
                                               connection->principal() + "'"));
    return;
  }
  Authenticator* authenticator = find(call->mechanism);
  if (authenticator == nullptr) {
    responder.fail(
        Status::invalid(authenticators_.empty()
                            ? std::string("this master does not authenticate (no --credentials)")
                            : "mechanism '" + call->mechanism +
                                  "' is not offered; this master offers " + join(mechanisms())));
    return;
  }
  auto& state = connections_[connection->id()];
  if (!state) state = std::make_unique<Connection>(io);
  state->session = authenticator->server_session(store_);
  state->mechanism = call->mechanism;
  state->principal = call->principal;
  AuthStep result =
      state->session->start(call->principal, std::string(call->data.begin(), call->data.end()));
  answer(io, connection, *state, std::move(result), responder);
}

void AuthenticationGate::step(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                              const RpcMessage& message, RpcResponder& responder) {
  auto call = parse_params<AuthStepCall>(message, responder);
  if (!call) return;
  auto found = connections_.find(connection->id());
  if (found == connections_.end() || !found->second->session) {
    responder.fail(Status::failed_precondition("auth.step without auth.start"));
    return;
  }
  Connection& state = *found->second;
  AuthStep result = state.session->step(std::string(call->data.begin(), call->data.end()));
  answer(io, connection, state, std::move(result), responder);
}

void AuthenticationGate::fail(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                              Connection& state, const std::string& why, RpcResponder& responder) {
  LOG(kWarning) << "authentication of principal '" << state.principal << "' from "
                << connection->peer_address() << " failed (" << state.mechanism << "): " << why;
  state.session.reset();
  fail_later(
      io, state,
      Status::unauthenticated("authentication of principal '" + state.principal + "' failed (" +
                              state.mechanism + "): wrong principal or secret"),
      responder);
}

void AuthenticationGate::answer(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                                Connection& state, AuthStep result, RpcResponder& responder) {
  if (result.result == AuthStep::Result::kDone && state.session->principal().empty()) {
    result = {AuthStep::Result::kFailed, "", "the authenticator named no principal"};
  }
  if (result.result == AuthStep::Result::kFailed) {
    fail(io, connection, state, result.error, responder);
    return;
  }
  AuthReply reply;
  reply.data.assign(result.data.begin(), result.data.end());
  if (result.result == AuthStep::Result::kDone) {
    std::string principal = state.session->principal();
    state.session.reset();
    connection->set_authenticated(principal);
    LOG(kInfo) << "connection from " << connection->peer_address() << " authenticated as '"
               << principal << "' (" << state.mechanism << ")";
    reply.done = true;
    reply.principal = principal;
  }
  responder.reply(pack_payload(reply));
}

namespace {

// Answers the oldest delayed failure, and arms the timer for the next one.
// The timer dies with the state, so the callback never outlives `state`.
void release_one(AuthenticationGate::Connection* state, Duration delay) {
  if (state->delayed.empty()) return;
  auto [pending, why] = std::move(state->delayed.front());
  state->delayed.pop_front();
  pending.fail(why);
  if (!state->delayed.empty())
    state->delay.start(delay, [state, delay] { release_one(state, delay); });
}

}  // namespace

void AuthenticationGate::fail_later(boost::asio::io_context& io, Connection& state, Status error,
                                    RpcResponder& responder) {
  state.delayed.emplace_back(std::move(responder), std::move(error));
  if (state.delay.pending()) return;
  Connection* self = &state;
  Duration delay = options_.failure_delay;
  state.delay.start(delay, [self, delay] { release_one(self, delay); });
}

void AuthenticationGate::forget(uint64_t connection_id) {
  connections_.erase(connection_id);
}

}  // namespace clusterctl
