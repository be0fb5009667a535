// msgpack-RPC over TCP with HTTP on the same port, either of them plain or
// over TLS (see docs/PROTOCOL.md, "TLS").
//
// Every daemon has one RpcServer; clients (other daemons, the CLI) connect with
// rpc_connect. Either side of a connection may send requests and
// notifications. The first exchange on every connection is the "hello"
// request carrying {"protocol_version": N}; rpc_connect sends it and the
// server answers it itself (any other request before it gets a protocol error).
//
// Threading: everything here runs on the io_context passed in, which the
// daemon runs on one thread. Callbacks are invoked on that thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/http/http.hpp"
#include "core/rpc/message.hpp"
#include "core/rpc/server_options.hpp"
#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class RpcConnection;
using RpcConnectionPtr = std::shared_ptr<RpcConnection>;

// Answers one request exactly once; may be kept and used later (deferred
// replies). Replying on a closed connection is a no-op. If it is destroyed
// without an answer, the peer gets an "internal: request dropped" error.
class RpcResponder {
 public:
  RpcResponder(std::weak_ptr<RpcConnection> connection, uint32_t msgid);
  RpcResponder(RpcResponder&&) noexcept;
  RpcResponder& operator=(RpcResponder&&) noexcept;
  ~RpcResponder();

  void reply(const Payload& result);
  void fail(const Status& error);

 private:
  std::weak_ptr<RpcConnection> connection_;
  uint32_t msgid_ = 0;
  bool answered_ = true;
};

struct RpcHandlers {
  // A request other than "hello". Answer through the responder.
  std::function<void(const RpcConnectionPtr&, const RpcMessage&, RpcResponder)> on_request;
  std::function<void(const RpcConnectionPtr&, const RpcMessage&)> on_notification;
  // The connection closed (peer gone, protocol error or close()).
  std::function<void(const RpcConnectionPtr&, const Status& why)> on_close;
  // An HTTP request on the RPC port (servers only). Unset: 404 for all.
  std::function<HttpResponse(const HttpRequest&)> on_http;
  // The same for answers that take time (disk reads on a worker thread):
  // call `respond` exactly once, on the io_context thread. When set, it is
  // used instead of on_http.
  std::function<void(const HttpRequest&, std::function<void(HttpResponse)> respond)> on_http_async;
};

using RpcCallback = std::function<void(StatusOr<RpcValue>)>;

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  virtual ~RpcConnection() = default;

  // Sends a request. `done` runs exactly once on the io_context thread: with
  // the result, the peer's error (as a Status of the peer's kind), a timeout,
  // or an unavailable error if the connection closes first.
  virtual void call(const std::string& method, const Payload& params, Duration timeout,
                    RpcCallback done) = 0;
  virtual void notify(const std::string& method, const Payload& params) = 0;
  // Closes the connection; on_close runs once with `reason`.
  virtual void close(const std::string& reason) = 0;
  virtual bool is_open() const = 0;
  // "127.0.0.1:43512"
  virtual std::string peer_address() const = 0;
  // Unique in this process, for logs and lookups.
  virtual uint64_t id() const = 0;

  // Used by RpcResponder.
  virtual void send_response(uint32_t msgid, const Status& error, const Payload& result) = 0;

  // Who the peer proved to be (core/auth): empty until it authenticated.
  // Set once, by the daemon's authentication step, on the loop thread.
  const std::string& principal() const { return principal_; }
  bool authenticated() const { return authenticated_; }
  void set_authenticated(std::string principal) {
    principal_ = std::move(principal);
    authenticated_ = true;
  }

 private:
  std::string principal_;
  bool authenticated_ = false;
};

class RpcServer {
 public:
  virtual ~RpcServer() = default;
  // "127.0.0.1:5050": the bound address (the real port when listening on 0).
  virtual std::string address() const = 0;
  // Stops accepting and closes every connection.
  virtual void stop() = 0;
};

// Binds host:port ("127.0.0.1:0" picks a free port) and starts accepting,
// within the bounds of `options`; every refusal and every connection closed
// for cause is logged (at most a few lines per interval).
StatusOr<std::unique_ptr<RpcServer>> rpc_listen(boost::asio::io_context& io,
                                                const std::string& host_port, RpcHandlers handlers,
                                                RpcServerOptions options = {});

// Connects to host:port, runs the TLS handshake when `tls` is enabled (it
// has a CA), sends hello, and reports the ready connection (or why not, e.g.
// "unavailable: cannot connect to 127.0.0.1:5050: Connection refused") on the
// io_context thread; all within `timeout`.
void rpc_connect(boost::asio::io_context& io, const std::string& host_port, RpcHandlers handlers,
                 Duration timeout, std::function<void(StatusOr<RpcConnectionPtr>)> done,
                 size_t max_frame_bytes = kDefaultMaxFrameBytes, TlsClientOptions tls = {});

// "a:1,b:2" -> {"a:1", "b:2"}; empty items are dropped.
std::vector<std::string> split_address_list(const std::string& list);

// Splits "host:port"; errors say what is wrong ("missing port in 'foo'").
Status split_host_port(const std::string& host_port, std::string* host, uint16_t* port);

}  // namespace clusterctl
