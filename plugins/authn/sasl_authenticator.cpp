// An authenticator plugin (include/clusterctl/authenticator.h) speaking one
// SASL mechanism through Cyrus SASL. Built once per mechanism: the build
// defines CLUSTERCTL_SASL_MECHANISM ("CRAM-MD5"), CLUSTERCTL_SASL_PLUGIN
// ("crammd5") and CLUSTERCTL_SASL_AUXPROP (this .so's auxprop name).
//
// The server takes secrets from the host's lookup callback through the
// in-process auxprop of sasl_global.hpp; the client gives SASL its principal
// and secret through callbacks. Threading: see authenticator.h.
#include <sasl/sasl.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "plugins/abi_guard.hpp"
#include "plugins/authn/sasl_global.hpp"

namespace clusterctl::sasl {
namespace {

constexpr const char* kWhat = "the authenticator";
constexpr const char* kService = "clusterctl";

using Callback = int (*)(void);

// SASL's callback table holds every callback as int (*)(void).
template <typename Function>
Callback as_callback(Function function) {
  return reinterpret_cast<Callback>(reinterpret_cast<void (*)()>(function));
}

int server_option(void* context, const char*, const char* option, const char** result,
                  unsigned* length) {
  const char* mechanism = static_cast<const char*>(context);
  if (std::strcmp(option, "auxprop_plugin") == 0) {
    *result = auxprop_name();
  } else if (std::strcmp(option, "mech_list") == 0) {
    *result = mechanism;
  } else if (std::strcmp(option, "pwcheck_method") == 0) {
    *result = "auxprop";
  } else {
    return SASL_FAIL;  // SASL's default
  }
  if (length != nullptr) *length = static_cast<unsigned>(std::strlen(*result));
  return SASL_OK;
}

// Turns a SASL result of start/step into ours, writing its output.
int answer(sasl_conn_t* connection, int code, const char* out, unsigned out_size,
           clusterctl_write_fn write, void* context, char* error, size_t error_size) {
  if (code == SASL_OK || code == SASL_CONTINUE) {
    if (out != nullptr && out_size > 0) write(context, out, out_size);
    return code == SASL_OK ? CLUSTERCTL_AUTHN_DONE : CLUSTERCTL_AUTHN_CHALLENGE;
  }
  const char* detail = connection ? sasl_errdetail(connection) : nullptr;
  std::string message = detail ? detail : describe_result(code);
  plugin_abi::set_error(error, error_size, "", message.c_str());
  return CLUSTERCTL_AUTHN_FAILED;
}

struct ServerSession {
  sasl_conn_t* connection = nullptr;
  clusterctl_secret_lookup_fn lookup = nullptr;
  void* lookup_context = nullptr;
  std::vector<sasl_callback_t> callbacks;
  ~ServerSession() {
    if (connection != nullptr) sasl_dispose(&connection);
  }
};

struct ClientSession {
  sasl_conn_t* connection = nullptr;
  std::string principal;
  std::vector<char> secret;  // a sasl_secret_t: length, then the bytes
  std::vector<sasl_callback_t> callbacks;
  ~ClientSession() {
    if (connection != nullptr) sasl_dispose(&connection);
  }
};

int client_name(void* context, int, const char** result, unsigned* length) {
  auto* session = static_cast<ClientSession*>(context);
  *result = session->principal.c_str();
  if (length != nullptr) *length = static_cast<unsigned>(session->principal.size());
  return SASL_OK;
}

int client_secret(sasl_conn_t*, void* context, int, sasl_secret_t** result) {
  auto* session = static_cast<ClientSession*>(context);
  *result = reinterpret_cast<sasl_secret_t*>(session->secret.data());
  return SASL_OK;
}

struct Instance {};

void* create(const char*, size_t, char* error, size_t error_size) noexcept {
  return plugin_abi::guarded_create(
      kWhat, error, error_size,
      []() -> StatusOr<std::unique_ptr<Instance>> { return std::make_unique<Instance>(); });
}

void destroy(void* instance) noexcept {
  delete static_cast<Instance*>(instance);
}

const char* mechanism(void*) noexcept {
  return CLUSTERCTL_SASL_MECHANISM;
}

int wrong_mechanism(const char* asked, char* error, size_t error_size) {
  std::string message = std::string("this plugin speaks " CLUSTERCTL_SASL_MECHANISM ", not ") +
                        (asked ? asked : "(none)");
  plugin_abi::set_error(error, error_size, "", message.c_str());
  return CLUSTERCTL_AUTHN_FAILED;
}

int server_start(void*, const char* mech, const char*, const char* data, size_t data_size,
                 clusterctl_secret_lookup_fn lookup, void* lookup_context, void** session_out,
                 clusterctl_write_fn write, void* context, char* error,
                 size_t error_size) noexcept {
  *session_out = nullptr;
  if (mech == nullptr || std::strcmp(mech, CLUSTERCTL_SASL_MECHANISM) != 0)
    return wrong_mechanism(mech, error, error_size);
  try {
    Status init = ensure_server_init();
    if (!init) {
      plugin_abi::set_error(error, error_size, "", init.message().c_str());
      return CLUSTERCTL_AUTHN_FAILED;
    }
    auto session = std::make_unique<ServerSession>();
    session->lookup = lookup;
    session->lookup_context = lookup_context;
    session->callbacks = {
        {SASL_CB_GETOPT, as_callback(server_option), const_cast<char*>(CLUSTERCTL_SASL_MECHANISM)},
        {SASL_CB_LIST_END, nullptr, nullptr}};
    // SASL_SUCCESS_DATA: our exchange carries data with the final answer
    // (SCRAM's server signature comes with done, not in another round).
    int code = sasl_server_new(kService, nullptr, nullptr, nullptr, nullptr,
                               session->callbacks.data(), SASL_SUCCESS_DATA, &session->connection);
    if (code != SASL_OK)
      return answer(nullptr, code, nullptr, 0, write, context, error, error_size);
    const char* out = nullptr;
    unsigned out_size = 0;
    SecretScope scope(lookup, lookup_context);
    code = sasl_server_start(session->connection, CLUSTERCTL_SASL_MECHANISM,
                             data_size > 0 ? data : nullptr, static_cast<unsigned>(data_size), &out,
                             &out_size);
    sasl_conn_t* connection = session->connection;
    *session_out = session.release();
    return answer(connection, code, out, out_size, write, context, error, error_size);
  } catch (...) {
    plugin_abi::set_exception_error(error, error_size, kWhat);
    return CLUSTERCTL_AUTHN_FAILED;
  }
}

int server_step(void* opaque, const char* data, size_t data_size, clusterctl_write_fn write,
                void* context, char* error, size_t error_size) noexcept {
  auto* session = static_cast<ServerSession*>(opaque);
  if (session == nullptr || session->connection == nullptr) {
    plugin_abi::set_error(error, error_size, "", "no authentication in progress");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  const char* out = nullptr;
  unsigned out_size = 0;
  SecretScope scope(session->lookup, session->lookup_context);
  int code = sasl_server_step(session->connection, data, static_cast<unsigned>(data_size), &out,
                              &out_size);
  return answer(session->connection, code, out, out_size, write, context, error, error_size);
}

int server_principal(void* opaque, clusterctl_write_fn write, void* context) noexcept {
  auto* session = static_cast<ServerSession*>(opaque);
  if (session == nullptr || session->connection == nullptr) return 1;
  const void* name = nullptr;
  if (sasl_getprop(session->connection, SASL_USERNAME, &name) != SASL_OK || name == nullptr)
    return 1;
  const char* text = static_cast<const char*>(name);
  write(context, text, std::strlen(text));
  return 0;
}

void server_end(void* session) noexcept {
  delete static_cast<ServerSession*>(session);
}

int client_start(void*, const char* mech, const char* principal, const char* secret,
                 size_t secret_size, void** session_out, clusterctl_write_fn write, void* context,
                 char* error, size_t error_size) noexcept {
  *session_out = nullptr;
  if (mech == nullptr || std::strcmp(mech, CLUSTERCTL_SASL_MECHANISM) != 0)
    return wrong_mechanism(mech, error, error_size);
  try {
    Status init = ensure_client_init();
    if (!init) {
      plugin_abi::set_error(error, error_size, "", init.message().c_str());
      return CLUSTERCTL_AUTHN_FAILED;
    }
    auto session = std::make_unique<ClientSession>();
    session->principal = principal ? principal : "";
    session->secret.resize(sizeof(sasl_secret_t) + secret_size + 1, 0);
    auto* packed = reinterpret_cast<sasl_secret_t*>(session->secret.data());
    packed->len = static_cast<unsigned long>(secret_size);
    std::memcpy(packed->data, secret, secret_size);
    void* self = session.get();
    session->callbacks = {{SASL_CB_AUTHNAME, as_callback(client_name), self},
                          {SASL_CB_USER, as_callback(client_name), self},
                          {SASL_CB_PASS, as_callback(client_secret), self},
                          {SASL_CB_LIST_END, nullptr, nullptr}};
    int code = sasl_client_new(kService, "clusterctl", nullptr, nullptr, session->callbacks.data(),
                               SASL_SUCCESS_DATA, &session->connection);
    if (code != SASL_OK)
      return answer(nullptr, code, nullptr, 0, write, context, error, error_size);
    const char* out = nullptr;
    unsigned out_size = 0;
    const char* chosen = nullptr;
    code = sasl_client_start(session->connection, CLUSTERCTL_SASL_MECHANISM, nullptr, &out,
                             &out_size, &chosen);
    sasl_conn_t* connection = session->connection;
    *session_out = session.release();
    return answer(connection, code, out, out_size, write, context, error, error_size);
  } catch (...) {
    plugin_abi::set_exception_error(error, error_size, kWhat);
    return CLUSTERCTL_AUTHN_FAILED;
  }
}

int client_step(void* opaque, const char* data, size_t data_size, clusterctl_write_fn write,
                void* context, char* error, size_t error_size) noexcept {
  auto* session = static_cast<ClientSession*>(opaque);
  if (session == nullptr || session->connection == nullptr) {
    plugin_abi::set_error(error, error_size, "", "no authentication in progress");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  const char* out = nullptr;
  unsigned out_size = 0;
  int code = sasl_client_step(session->connection, data, static_cast<unsigned>(data_size), nullptr,
                              &out, &out_size);
  return answer(session->connection, code, out, out_size, write, context, error, error_size);
}

void client_end(void* session) noexcept {
  delete static_cast<ClientSession*>(session);
}

const clusterctl_authenticator_functions kFunctions = {sizeof(clusterctl_authenticator_functions),
                                                       mechanism,
                                                       server_start,
                                                       server_step,
                                                       server_principal,
                                                       server_end,
                                                       client_start,
                                                       client_step,
                                                       client_end};

}  // namespace
}  // namespace clusterctl::sasl

extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry(
    void) {
  static const clusterctl_plugin_descriptor descriptor = {
      CLUSTERCTL_PLUGIN_ABI_VERSION,
      sizeof(clusterctl_plugin_descriptor),
      CLUSTERCTL_PLUGIN_AUTHENTICATOR,
      CLUSTERCTL_SASL_PLUGIN,
      "1.0.0",
      "SASL " CLUSTERCTL_SASL_MECHANISM " through Cyrus SASL; secrets from the host's store",
      ::clusterctl::sasl::create,
      ::clusterctl::sasl::destroy,
      &::clusterctl::sasl::kFunctions};
  return &descriptor;
}
