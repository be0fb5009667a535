// Process-wide Cyrus SASL set-up for the authenticator plugins: the library
// is initialised once per process (sasl_server_init / sasl_client_init are
// global), and an in-process auxprop plugin answers the server's secret
// lookups from the host's credentials store, never from sasldb or a file.
//
// Which store answers: the server session that is inside a sasl_server_*
// call on this thread (SecretScope). SASL looks secrets up synchronously
// within those calls, so a thread-local pointer is exact.
//
// Thread-safety: ensure_*_init are safe from any thread; a SecretScope
// belongs to its thread.
#pragma once

#include <string>

#include "clusterctl/authenticator.h"
#include "core/status.hpp"

namespace clusterctl::sasl {

// The name of this plugin's auxprop (unique per .so, as both authenticator
// plugins may live in one process, each with its own copy of this code).
const char* auxprop_name();

Status ensure_server_init();
Status ensure_client_init();

// What a SASL result code means, for messages.
std::string describe_result(int code);

// While alive, secret lookups on this thread go to `lookup`.
class SecretScope {
 public:
  SecretScope(clusterctl_secret_lookup_fn lookup, void* context);
  ~SecretScope();
  SecretScope(const SecretScope&) = delete;
  SecretScope& operator=(const SecretScope&) = delete;

  // The secret of `principal` from the active scope, if any.
  static bool find(const std::string& principal, std::string& secret);

 private:
  clusterctl_secret_lookup_fn lookup_;
  void* context_;
  SecretScope* previous_;
};

}  // namespace clusterctl::sasl
