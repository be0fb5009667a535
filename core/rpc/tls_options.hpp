// TLS settings of a daemon's port (TlsServerOptions) and of a client
// (TlsClientOptions): file names and switches only, so that option structs
// and flag code can hold them without OpenSSL. core/rpc turns them into
// OpenSSL contexts (tls_context.hpp). Plain values; thread-compatible.
#pragma once

#include <string>

namespace clusterctl {

// A port with a certificate takes TLS (its ClientHello starts with 0x16) and,
// unless `required`, plain connections too; RPC and HTTP both.
struct TlsServerOptions {
  std::string cert_file;     // --tls-cert: PEM chain, leaf first
  std::string key_file;      // --tls-key: PEM, readable by the owner only
  std::string ca_file;       // --tls-ca: verifies client certificates
  bool verify_peer = false;  // --tls-verify-peer: clients must show a certificate of ca_file
  bool required = false;     // --tls-required: plain connections get an error and are closed

  bool enabled() const { return !cert_file.empty(); }
};

// A client speaks TLS when it has a CA to check the server against.
struct TlsClientOptions {
  std::string ca_file;  // --tls-ca / CLUSTERCTL_TLS_CA
  // A certificate to show a server that verifies its peers (daemons only).
  std::string cert_file;
  std::string key_file;
  // The server's certificate must name the host or IP address connected to.
  bool verify_host = true;

  bool enabled() const { return !ca_file.empty(); }
};

// What a plain client is told by a port with --tls-required.
inline constexpr const char* kTlsRequiredMessage =
    "this server requires TLS: give --tls-ca (or use https://)";

}  // namespace clusterctl
