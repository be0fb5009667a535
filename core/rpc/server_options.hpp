// RpcServerOptions: what one peer may cost a server (rpc_listen), apart from
// the frame limits of core/rpc/message.hpp. A light header, so that daemon
// options can hold it. Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/rpc/tls_options.hpp"

namespace clusterctl {

// What one peer may cost a server (see docs/PROTOCOL.md, "Limits"). The
// connection caps and deadlines are daemon flags; the defaults suit a cluster
// of thousands of agents, all of whose executors reach their agent from
// 127.0.0.1 (a peer is an IP address).
constexpr size_t kDefaultMaxConnections = 16384;
constexpr size_t kDefaultMaxConnectionsPerPeer = 4096;
// Bytes of unfinished frames all connections hold together; past it the
// connection with the largest is closed.
constexpr size_t kDefaultMaxUnfinishedFrameBytes = 64 * 1024 * 1024;
constexpr Duration kDefaultHelloTimeout{10 * 1000};
constexpr Duration kDefaultHttpHeadTimeout{10 * 1000};
constexpr Duration kDefaultHttpIdleTimeout{30 * 1000};

struct RpcServerOptions {
  size_t max_frame_bytes = 16 * 1024 * 1024;  // kDefaultMaxFrameBytes
  std::string server_name = "clusterctl";     // reported in the hello reply
  // Reported in the hello reply (docs/PROTOCOL.md, "Authentication"): the
  // SASL mechanisms the server offers and who must authenticate.
  std::vector<std::string> authentication;
  std::vector<std::string> authentication_required;
  size_t max_connections = kDefaultMaxConnections;
  size_t max_connections_per_peer = kDefaultMaxConnectionsPerPeer;
  size_t max_unfinished_frame_bytes = kDefaultMaxUnfinishedFrameBytes;
  // From accept to a successful hello (RPC); from accept to the end of the
  // request head (HTTP); and the longest an HTTP request or response may make
  // no progress.
  Duration hello_timeout = kDefaultHelloTimeout;
  Duration http_head_timeout = kDefaultHttpHeadTimeout;
  Duration http_idle_timeout = kDefaultHttpIdleTimeout;
  // TLS on the port (off without a certificate).
  TlsServerOptions tls;
};

}  // namespace clusterctl
