#include "core/auth/client_authentication.hpp"

#include <cstdlib>
#include <memory>

#include "core/auth/authenticator.hpp"
#include "core/plugin/plugin_library.hpp"

namespace clusterctl {

namespace {

struct HelloCall {
  uint32_t protocol_version = kProtocolVersion;
  MSGPACK_DEFINE_MAP(protocol_version);
};

struct HelloAnswer {
  std::vector<std::string> authentication;
  MSGPACK_DEFINE_MAP(authentication);
};

struct StartCall {
  std::string mechanism;
  std::string principal;
  std::vector<char> data;
  MSGPACK_DEFINE_MAP(mechanism, principal, data);
};

struct StepCall {
  std::vector<char> data;
  MSGPACK_DEFINE_MAP(data);
};

struct StepAnswer {
  bool done = false;
  std::vector<char> data;
  MSGPACK_DEFINE_MAP(done, data);
};

// One client's exchange; keeps itself alive through the callbacks.
struct Exchange : std::enable_shared_from_this<Exchange> {
  RpcConnectionPtr connection;
  Credential credential;
  Duration timeout;
  std::function<void(Status)> done;
  std::string plugin_dir;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<ClientAuthSession> session;

  void finish(Status status) {
    auto callback = std::move(done);
    session.reset();
    if (callback) callback(std::move(status));
  }

  void begin(const std::vector<std::string>& offered) {
    if (offered.empty()) {
      finish(Status::ok());  // this server does not authenticate
      return;
    }
    std::string dir = plugin_dir.empty() ? default_plugin_dir() : plugin_dir;
    std::string why;
    for (const std::string& mechanism : offered) {
      auto plugin = plugin_for_mechanism(mechanism);
      if (!plugin) continue;
      auto loaded = Authenticator::load(*plugin, dir);
      if (loaded) {
        authenticator = std::move(loaded).value();
        break;
      }
      why = loaded.status().message();
    }
    if (!authenticator) {
      std::string list;
      for (const std::string& name : offered) list += (list.empty() ? "" : ", ") + name;
      finish(Status::unauthenticated(
          "cannot authenticate: the master offers " + list +
          (why.empty() ? ", none of which this client speaks" : "; " + why)));
      return;
    }
    session = authenticator->client_session();
    AuthStep first = session->start(credential);
    if (first.result == AuthStep::Result::kFailed) {
      finish(Status::unauthenticated("cannot authenticate as '" + credential.principal +
                                     "': " + first.error));
      return;
    }
    StartCall call{authenticator->mechanism(), credential.principal,
                   std::vector<char>(first.data.begin(), first.data.end())};
    send("auth.start", pack_payload(call));
  }

  void send(const std::string& method, const Payload& params) {
    auto self = shared_from_this();
    connection->call(method, params, timeout, [self](StatusOr<RpcValue> reply) {
      if (!reply) {
        self->finish(reply.status());
        return;
      }
      auto answer = reply->as<StepAnswer>("auth reply");
      if (!answer) {
        self->finish(answer.status());
        return;
      }
      self->answer(*answer);
    });
  }

  void answer(const StepAnswer& answer) {
    std::string data(answer.data.begin(), answer.data.end());
    if (answer.done) {
      // The server's last word (SCRAM's signature) proves it knows the secret.
      if (!data.empty()) {
        AuthStep last = session->step(data);
        if (last.result == AuthStep::Result::kFailed) {
          finish(
              Status::unauthenticated("the master's final authentication message does not "
                                      "check out: " +
                                      last.error));
          return;
        }
      }
      finish(Status::ok());
      return;
    }
    AuthStep next = session->step(data);
    if (next.result == AuthStep::Result::kFailed) {
      finish(Status::unauthenticated("cannot authenticate as '" + credential.principal +
                                     "': " + next.error));
      return;
    }
    send("auth.step",
         pack_payload(StepCall{std::vector<char>(next.data.begin(), next.data.end())}));
  }
};

}  // namespace

void authenticate_connection(const RpcConnectionPtr& connection,
                             const std::optional<Credential>& credential, Duration timeout,
                             std::function<void(Status)> done, const std::string& plugin_dir) {
  if (!credential || credential->principal.empty()) {
    done(Status::ok());
    return;
  }
  auto exchange = std::make_shared<Exchange>();
  exchange->connection = connection;
  exchange->credential = *credential;
  exchange->timeout = timeout;
  exchange->done = std::move(done);
  exchange->plugin_dir = plugin_dir;
  // hello again: the server answers it at any time with what it offers.
  connection->call("hello", pack_payload(HelloCall{}), timeout,
                   [exchange](StatusOr<RpcValue> reply) {
                     if (!reply) {
                       exchange->finish(reply.status());
                       return;
                     }
                     auto hello = reply->as<HelloAnswer>("hello reply");
                     if (!hello) {
                       exchange->finish(hello.status());
                       return;
                     }
                     exchange->begin(hello->authentication);
                   });
}

StatusOr<std::optional<Credential>> client_credential(const std::string& principal,
                                                      const std::string& secret_file) {
  std::string name = principal;
  std::string file = secret_file;
  const char* env_name = std::getenv("CLUSTERCTL_PRINCIPAL");
  const char* env_file = std::getenv("CLUSTERCTL_SECRET_FILE");
  if (name.empty() && env_name != nullptr) name = env_name;
  if (file.empty() && env_file != nullptr) file = env_file;
  if (name.empty()) {
    if (!secret_file.empty()) return Status::invalid("--secret-file needs --principal");
    return std::optional<Credential>();
  }
  if (file.empty()) {
    return Status::invalid("--principal " + name +
                           " needs --secret-file FILE (or $CLUSTERCTL_SECRET_FILE)");
  }
  auto secret = load_secret_file(file, "--secret-file");
  if (!secret) return secret.status();
  return std::optional<Credential>(Credential{name, *secret});
}

}  // namespace clusterctl
