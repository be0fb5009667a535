// The host's side of an authenticator plugin (include/clusterctl/authenticator.h):
// loads it, and runs server and client sessions of its mechanism as C++
// objects. A session keeps its plugin loaded while it lives.
//
// Names: --authenticators takes plugin names ("crammd5", "scram_sha256"; a
// '-' reads as '_', so "scram-sha256" works too) or paths; a client finds the
// plugin for a mechanism the master offers with plugin_for_mechanism().
//
// Threading: an Authenticator and its sessions are used from one thread at
// a time (the daemon's loop, or a client's thread).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/auth/credentials.hpp"
#include "core/status.hpp"

namespace clusterctl {

// One answer of a start or step.
struct AuthStep {
  enum class Result { kDone, kChallenge, kFailed };
  Result result = Result::kFailed;
  std::string data;   // to send to the other side (maybe empty)
  std::string error;  // kFailed: why (for logs; not necessarily for the peer)
};

struct LoadedAuthenticator;

class ServerAuthSession {
 public:
  ~ServerAuthSession();
  ServerAuthSession(const ServerAuthSession&) = delete;
  ServerAuthSession& operator=(const ServerAuthSession&) = delete;
  AuthStep start(const std::string& principal, const std::string& data);
  AuthStep step(const std::string& data);
  // After kDone: the principal the peer proved.
  std::string principal() const;

 private:
  friend class Authenticator;
  ServerAuthSession(std::shared_ptr<LoadedAuthenticator> plugin,
                    std::shared_ptr<const CredentialStore> store);
  std::shared_ptr<LoadedAuthenticator> plugin_;
  std::shared_ptr<const CredentialStore> store_;
  void* session_ = nullptr;
};

class ClientAuthSession {
 public:
  ~ClientAuthSession();
  ClientAuthSession(const ClientAuthSession&) = delete;
  ClientAuthSession& operator=(const ClientAuthSession&) = delete;
  AuthStep start(const Credential& credential);
  AuthStep step(const std::string& data);

 private:
  friend class Authenticator;
  explicit ClientAuthSession(std::shared_ptr<LoadedAuthenticator> plugin);
  std::shared_ptr<LoadedAuthenticator> plugin_;
  void* session_ = nullptr;
};

class Authenticator {
 public:
  // Loads and checks the plugin (errors name the file) and makes its instance.
  static StatusOr<std::unique_ptr<Authenticator>> load(const std::string& name_or_path,
                                                       const std::string& plugin_dir);
  // The SASL mechanism it speaks: "CRAM-MD5".
  const std::string& mechanism() const;
  // "crammd5 1.0.0 (/path/authn_crammd5.so)"
  std::string describe_plugin() const;

  std::unique_ptr<ServerAuthSession> server_session(std::shared_ptr<const CredentialStore> store);
  std::unique_ptr<ClientAuthSession> client_session();

 private:
  explicit Authenticator(std::shared_ptr<LoadedAuthenticator> plugin);
  std::shared_ptr<LoadedAuthenticator> plugin_;
};

// The in-tree plugin name for a mechanism ("SCRAM-SHA-256" -> "scram_sha256"),
// or nullopt for one clusterctl has no plugin for.
std::optional<std::string> plugin_for_mechanism(const std::string& mechanism);

}  // namespace clusterctl
