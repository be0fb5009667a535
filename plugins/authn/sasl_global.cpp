#include "plugins/authn/sasl_global.hpp"

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include <cstring>
#include <mutex>

namespace clusterctl::sasl {

namespace {

thread_local SecretScope* active_scope = nullptr;

void append(void* context, const char* data, size_t size) {
  static_cast<std::string*>(context)->append(data, size);
}

// Fills "userPassword" for the authentication id (the properties SASL asks
// for carry a '*' prefix then) from the active scope.
int auxprop_lookup(void*, sasl_server_params_t* params, unsigned flags, const char* user,
                   unsigned length) {
  if (params == nullptr || user == nullptr || (flags & SASL_AUXPROP_AUTHZID) != 0) return SASL_OK;
  std::string secret;
  if (!SecretScope::find(std::string(user, length), secret)) return SASL_NOUSER;
  const propval* values = params->utils->prop_get(params->propctx);
  if (values == nullptr) return SASL_OK;
  for (const propval* value = values; value->name != nullptr; ++value) {
    const char* name = value->name[0] == '*' ? value->name + 1 : value->name;
    if (std::strcmp(name, SASL_AUX_PASSWORD_PROP) != 0) continue;
    if (value->values != nullptr && (flags & SASL_AUXPROP_OVERRIDE) == 0) continue;
    if (value->values != nullptr) params->utils->prop_erase(params->propctx, value->name);
    params->utils->prop_set(params->propctx, value->name, secret.c_str(),
                            static_cast<int>(secret.size()));
  }
  return SASL_OK;
}

sasl_auxprop_plug_t auxprop_plugin = {
    0, 0, nullptr, nullptr, auxprop_lookup, const_cast<char*>(CLUSTERCTL_SASL_AUXPROP), nullptr};

int auxprop_init(const sasl_utils_t*, int max_version, int* out_version, sasl_auxprop_plug_t** plug,
                 const char*) {
  if (max_version < SASL_AUXPROP_PLUG_VERSION) return SASL_BADVERS;
  *out_version = SASL_AUXPROP_PLUG_VERSION;
  *plug = &auxprop_plugin;
  return SASL_OK;
}

// SASL logs to syslog unless told otherwise: keep it quiet (errors come
// back as result codes and are reported by the host).
int quiet_log(void*, int, const char*) {
  return SASL_OK;
}

const sasl_callback_t kGlobalCallbacks[] = {
    {SASL_CB_LOG, reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)()>(quiet_log)),
     nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr}};

}  // namespace

const char* auxprop_name() {
  return CLUSTERCTL_SASL_AUXPROP;
}

Status ensure_server_init() {
  static std::once_flag once;
  static int result = SASL_OK;
  std::call_once(once, [] {
    result = sasl_server_init(kGlobalCallbacks, "clusterctl");
    if (result == SASL_OK) result = sasl_auxprop_add_plugin(CLUSTERCTL_SASL_AUXPROP, auxprop_init);
  });
  if (result == SASL_OK) return Status::ok();
  return Status::internal("cannot initialise Cyrus SASL (server): " + describe_result(result));
}

Status ensure_client_init() {
  static std::once_flag once;
  static int result = SASL_OK;
  std::call_once(once, [] { result = sasl_client_init(kGlobalCallbacks); });
  if (result == SASL_OK) return Status::ok();
  return Status::internal("cannot initialise Cyrus SASL (client): " + describe_result(result));
}

std::string describe_result(int code) {
  const char* text = sasl_errstring(code, nullptr, nullptr);
  return text ? text : ("SASL error " + std::to_string(code));
}

SecretScope::SecretScope(clusterctl_secret_lookup_fn lookup, void* context)
    : lookup_(lookup), context_(context), previous_(active_scope) {
  active_scope = this;
}

SecretScope::~SecretScope() {
  active_scope = previous_;
}

bool SecretScope::find(const std::string& principal, std::string& secret) {
  SecretScope* scope = active_scope;
  if (scope == nullptr || scope->lookup_ == nullptr) return false;
  secret.clear();
  return scope->lookup_(scope->context_, principal.data(), principal.size(), append, &secret) == 0;
}

}  // namespace clusterctl::sasl
