#include "core/auth/authenticator.hpp"

#include <algorithm>

#include "clusterctl/authenticator.h"
#include "core/plugin/guard_call.hpp"
#include "core/plugin/plugin_library.hpp"

namespace clusterctl {

struct LoadedAuthenticator {
  std::shared_ptr<PluginLibrary> library;
  clusterctl_authenticator_functions functions{};
  void* instance = nullptr;
  std::string mechanism;
  ~LoadedAuthenticator() {
    if (instance != nullptr) library->descriptor().destroy(instance);
  }
};

namespace {

constexpr size_t kErrorSize = 1024;

void append(void* context, const char* data, size_t size) {
  static_cast<std::string*>(context)->append(data, size);
}

int lookup_secret(void* context, const char* principal, size_t principal_size,
                  clusterctl_write_fn write, void* write_context) {
  const auto* store = static_cast<const CredentialStore*>(context);
  if (store == nullptr) return 1;
  std::optional<std::string> secret = store->secret_of(std::string(principal, principal_size));
  if (!secret) return 1;
  write(write_context, secret->data(), secret->size());
  return 0;
}

// Runs one start/step call of the plugin and turns its answer into an AuthStep.
template <typename Call>
AuthStep run_step(Call call) {
  AuthStep step;
  char error[kErrorSize] = {0};
  int result = guard_call(error, sizeof(error), [&] { return call(&step.data, error); });
  if (result == CLUSTERCTL_AUTHN_DONE) {
    step.result = AuthStep::Result::kDone;
  } else if (result == CLUSTERCTL_AUTHN_CHALLENGE) {
    step.result = AuthStep::Result::kChallenge;
  } else {
    step.result = AuthStep::Result::kFailed;
    step.error = error[0] ? error : "authentication failed";
    step.data.clear();
  }
  return step;
}

}  // namespace

ServerAuthSession::ServerAuthSession(std::shared_ptr<LoadedAuthenticator> plugin,
                                     std::shared_ptr<const CredentialStore> store)
    : plugin_(std::move(plugin)), store_(std::move(store)) {}

ServerAuthSession::~ServerAuthSession() {
  if (session_ != nullptr) plugin_->functions.server_end(session_);
}

AuthStep ServerAuthSession::start(const std::string& principal, const std::string& data) {
  if (session_ != nullptr) return {AuthStep::Result::kFailed, "", "authentication already started"};
  return run_step([&](std::string* out, char* error) {
    return plugin_->functions.server_start(
        plugin_->instance, plugin_->mechanism.c_str(), principal.c_str(), data.data(), data.size(),
        lookup_secret, const_cast<CredentialStore*>(store_.get()), &session_, append, out, error,
        kErrorSize);
  });
}

AuthStep ServerAuthSession::step(const std::string& data) {
  if (session_ == nullptr) return {AuthStep::Result::kFailed, "", "authentication not started"};
  return run_step([&](std::string* out, char* error) {
    return plugin_->functions.server_step(session_, data.data(), data.size(), append, out, error,
                                          kErrorSize);
  });
}

std::string ServerAuthSession::principal() const {
  std::string name;
  if (session_ != nullptr) plugin_->functions.server_principal(session_, append, &name);
  return name;
}

ClientAuthSession::ClientAuthSession(std::shared_ptr<LoadedAuthenticator> plugin)
    : plugin_(std::move(plugin)) {}

ClientAuthSession::~ClientAuthSession() {
  if (session_ != nullptr) plugin_->functions.client_end(session_);
}

AuthStep ClientAuthSession::start(const Credential& credential) {
  if (session_ != nullptr) return {AuthStep::Result::kFailed, "", "authentication already started"};
  return run_step([&](std::string* out, char* error) {
    return plugin_->functions.client_start(plugin_->instance, plugin_->mechanism.c_str(),
                                           credential.principal.c_str(), credential.secret.data(),
                                           credential.secret.size(), &session_, append, out, error,
                                           kErrorSize);
  });
}

AuthStep ClientAuthSession::step(const std::string& data) {
  if (session_ == nullptr) return {AuthStep::Result::kFailed, "", "authentication not started"};
  return run_step([&](std::string* out, char* error) {
    return plugin_->functions.client_step(session_, data.data(), data.size(), append, out, error,
                                          kErrorSize);
  });
}

Authenticator::Authenticator(std::shared_ptr<LoadedAuthenticator> plugin)
    : plugin_(std::move(plugin)) {}

StatusOr<std::unique_ptr<Authenticator>> Authenticator::load(const std::string& name_or_path,
                                                             const std::string& plugin_dir) {
  std::string name = name_or_path;
  bool is_path = name.find('/') != std::string::npos;
  if (!is_path) std::replace(name.begin(), name.end(), '-', '_');
  std::string path = resolve_plugin_path(CLUSTERCTL_PLUGIN_AUTHENTICATOR, name, plugin_dir);
  auto library = PluginLibrary::open(path, CLUSTERCTL_PLUGIN_AUTHENTICATOR);
  if (!library)
    return Status::invalid("authenticator '" + name_or_path + "': " + library.status().message());
  auto plugin = std::make_shared<LoadedAuthenticator>();
  plugin->library = *library;
  plugin->functions = (*library)->functions<clusterctl_authenticator_functions>();
  char error[kErrorSize] = {0};
  plugin->instance = (*library)->descriptor().create(nullptr, 0, error, sizeof(error));
  if (plugin->instance == nullptr) {
    return Status::invalid("authenticator plugin '" + path +
                           "' could not start: " + (error[0] ? error : "no reason given"));
  }
  const char* mechanism = plugin->functions.mechanism(plugin->instance);
  if (mechanism == nullptr || *mechanism == '\0') {
    return Status::invalid("authenticator plugin '" + path + "' names no mechanism");
  }
  plugin->mechanism = mechanism;
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(plugin)));
}

const std::string& Authenticator::mechanism() const {
  return plugin_->mechanism;
}

std::string Authenticator::describe_plugin() const {
  const clusterctl_plugin_descriptor& descriptor = plugin_->library->descriptor();
  return std::string(descriptor.name) + " " + (descriptor.version ? descriptor.version : "") +
         " (" + plugin_->library->path() + ")";
}

std::unique_ptr<ServerAuthSession> Authenticator::server_session(
    std::shared_ptr<const CredentialStore> store) {
  return std::unique_ptr<ServerAuthSession>(new ServerAuthSession(plugin_, std::move(store)));
}

std::unique_ptr<ClientAuthSession> Authenticator::client_session() {
  return std::unique_ptr<ClientAuthSession>(new ClientAuthSession(plugin_));
}

std::optional<std::string> plugin_for_mechanism(const std::string& mechanism) {
  if (mechanism == "CRAM-MD5") return "crammd5";
  if (mechanism == "SCRAM-SHA-256") return "scram_sha256";
  return std::nullopt;
}

}  // namespace clusterctl
