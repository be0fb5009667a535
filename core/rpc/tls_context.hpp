// OpenSSL contexts for a daemon's port and for clients, made from the TLS
// options (private to core/rpc). Loading checks every file and names the one
// that is wrong: "--tls-cert /x is not a usable certificate: no start line".
// A context is made once (a server) or per connection (a client) on the
// thread that needs it; once made it is only read.
#pragma once

#include <memory>

#include "core/rpc/tls_options.hpp"
#include "core/status.hpp"

namespace boost::asio::ssl {
class context;
}

namespace clusterctl {

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// The certificate and key (refused when the key file is readable by group or
// others), and with verify_peer the CA that client certificates must chain to.
StatusOr<TlsContextPtr> make_tls_server_context(const TlsServerOptions& options);

// The CA that the server's certificate must chain to, and the client's own
// certificate if it has one.
StatusOr<TlsContextPtr> make_tls_client_context(const TlsClientOptions& options);

}  // namespace clusterctl
