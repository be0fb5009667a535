// Listener: the state rpc_listen's coroutines share (private to core/rpc):
// the acceptor, the handlers, the ConnectionTable that bounds what peers may
// cost, and the rate limits of the server's warnings. Shared with every
// coroutine, so that destroying the RpcServer while an accept or a read is
// pending leaves nothing dangling. One io_context thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/asio.hpp"
#include "core/log_limiter.hpp"
#include "core/rpc/byte_stream.hpp"
#include "core/rpc/connection_table.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl {

struct Listener {
  Listener(asio::io_context& io_context, RpcHandlers handler_set, RpcServerOptions server_options);

  // A connection of the table is closed for cause: logs why (rate-limited;
  // not while the server stops) and closes it.
  void close_for_cause(uint64_t key, const std::string& reason);
  // The connection closed: out of the table, and if it held a large frame,
  // memory goes back to the system soon.
  void connection_gone(uint64_t key);
  // The connection holds `bytes` of an unfinished request; closes the largest
  // holders while all of them hold more than the server allows.
  void note_unfinished(uint64_t key, size_t bytes);
  // malloc_trim shortly (once for a burst of closes).
  void release_memory_soon();

  asio::io_context& io;
  asio::ip::tcp::acceptor acceptor;
  RpcHandlers handlers;
  RpcServerOptions options;
  TlsContextPtr tls_context;  // set when the port has TLS (options.tls)
  ConnectionTable table;
  std::shared_ptr<LogLimiter> close_log;  // shared with the TcpConnections
  LogLimiter refusal_log;
  LogLimiter accept_log;
  Timer trim_timer;
  bool stopped = false;
};

// Serves one HTTP request whose first bytes (`data`) were read; `deadline`
// bounds the head (from `accepted`) and then each wait for the peer. With
// `refuse_plain` the request is answered 426 (the port requires TLS).
asio::awaitable<void> serve_http(std::shared_ptr<Listener> listener,
                                 std::shared_ptr<ByteStream> stream, std::string data, uint64_t key,
                                 Timer& deadline, std::chrono::steady_clock::time_point accepted,
                                 bool refuse_plain);

// The TLS handshake if the peer's first byte starts one (0x16), within the
// deadline already running for the connection. False if the connection was
// closed (the peer left, the handshake failed, or the port has no TLS: each
// logged as closed for cause).
asio::awaitable<bool> accept_tls(Listener& listener, ByteStream& stream, uint64_t key);

// A plain RPC peer on a port that requires TLS: its first request (within the
// deadline already running, at most kMaxFrameBytesBeforeHello) is answered
// with a protocol error saying so, and the connection is closed.
asio::awaitable<void> refuse_plain_rpc(std::shared_ptr<Listener> listener,
                                       std::shared_ptr<ByteStream> stream, std::string data,
                                       uint64_t key);

// What is left of `timeout` since `since` (at least 1 ms).
Duration remaining(Duration timeout, std::chrono::steady_clock::time_point since);

}  // namespace clusterctl
