// The master's authentication gate: runs the auth.start / auth.step exchange
// of docs/PROTOCOL.md ("Authentication") on each connection through the
// authenticator plugins, and refuses calls that need an authenticated
// connection (by --authenticate-frameworks, --authenticate-agents,
// --authenticate-http) before the master's own handlers see them.
//
// A failed authentication is answered after a delay (per connection, one
// failure after another, on a timer: the loop never blocks), logged with the
// peer's address and the principal it claimed.
//
// Threading: the master's loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/rpc/rpc.hpp"
#include "core/status.hpp"
#include "daemons/master/authentication_options.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class Authenticator;
class CredentialStore;
struct AuthStep;

class AuthenticationGate {
 public:
  // Loads the plugins and the credentials (a wrong or missing plugin, a
  // missing or too readable file: the error stops the master at start).
  // Without credentials and with no --authenticate-* flag, authentication is
  // off: no plugin is loaded and every call passes.
  static StatusOr<std::shared_ptr<AuthenticationGate>> create(const AuthenticationOptions& options);
  ~AuthenticationGate();

  // Some --authenticate-* flag is on.
  bool required_any() const;
  // What the hello reply advertises: ["CRAM-MD5", ...] and ["frameworks", ...].
  std::vector<std::string> mechanisms() const;
  std::vector<std::string> required() const;
  // "crammd5 1.0.0 (/path), ..." for the start-up log.
  std::string describe_plugins() const;

  // Answers auth.* calls, and refuses (kind unauthenticated) a call the
  // connection may not make yet. True when it answered; false: the master
  // handles the call.
  bool intercept(boost::asio::io_context& io, const RpcConnectionPtr& connection,
                 const RpcMessage& message, RpcResponder& responder);
  // The connection closed: drop its exchange and pending answers.
  void forget(uint64_t connection_id);

  struct Connection;  // one connection's exchange (authentication.cpp)

 private:
  explicit AuthenticationGate(AuthenticationOptions options);
  Authenticator* find(const std::string& mechanism) const;
  // Why `method` may not be called yet, or OK.
  Status need(const RpcConnectionPtr& connection, const std::string& method) const;
  void start(boost::asio::io_context& io, const RpcConnectionPtr& connection,
             const RpcMessage& message, RpcResponder& responder);
  void step(boost::asio::io_context& io, const RpcConnectionPtr& connection,
            const RpcMessage& message, RpcResponder& responder);
  void answer(boost::asio::io_context& io, const RpcConnectionPtr& connection, Connection& state,
              AuthStep result, RpcResponder& responder);
  void fail(boost::asio::io_context& io, const RpcConnectionPtr& connection, Connection& state,
            const std::string& why, RpcResponder& responder);
  void fail_later(boost::asio::io_context& io, Connection& state, Status error,
                  RpcResponder& responder);

  AuthenticationOptions options_;
  std::vector<std::unique_ptr<Authenticator>> authenticators_;
  std::shared_ptr<const CredentialStore> store_;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
};

}  // namespace clusterctl
