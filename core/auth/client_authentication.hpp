// A client's side of the RPC authentication exchange (docs/PROTOCOL.md,
// "Authentication"): on a connection that said hello, asks the server which
// mechanisms it offers (hello again), then runs auth.start / auth.step with
// the authenticator plugin of the first mechanism both sides know, as the
// given principal.
//
// Used by everything that connects to a master: the agent's master link,
// the execute scheduler, and the blocking client of the CLI (after connect
// and after following a leader).
//
// Threading: runs on the connection's io_context thread; `done` runs there
// exactly once.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/auth/credentials.hpp"
#include "core/duration.hpp"
#include "core/rpc/rpc.hpp"
#include "core/status.hpp"

namespace clusterctl {

// With no credential (nullopt or an empty principal) it does nothing: done(OK).
// A server that offers no mechanism while a credential is given is fine
// (done(OK)): it does not authenticate. A refused exchange: done with the
// server's error (kind unauthenticated). `plugin_dir` empty: the default.
void authenticate_connection(const RpcConnectionPtr& connection,
                             const std::optional<Credential>& credential, Duration timeout,
                             std::function<void(Status)> done, const std::string& plugin_dir = "");

// The credential a client was given: --principal P --secret-file F, or their
// defaults $CLUSTERCTL_PRINCIPAL / $CLUSTERCTL_SECRET_FILE. nullopt when no
// principal is given; an error when the secret file is missing or too
// readable, or a principal comes without one.
StatusOr<std::optional<Credential>> client_credential(const std::string& principal,
                                                      const std::string& secret_file);

}  // namespace clusterctl
