// rpc_connect: resolve, connect with a timeout, TLS if asked, say hello,
// hand over the connection. split_host_port.
#include <charconv>

#include "core/log.hpp"
#include "core/rpc/rpc.hpp"
#include "core/rpc/tcp_connection.hpp"

namespace clusterctl {

namespace {

using asio::ip::tcp;
using ConnectDone = std::function<void(StatusOr<RpcConnectionPtr>)>;

struct HelloCall {
  uint32_t protocol_version = kProtocolVersion;
  MSGPACK_DEFINE_MAP(protocol_version);
};

Status cannot_connect(const std::string& host_port, const std::string& why) {
  return Status::unavailable("cannot connect to " + host_port + ": " + why);
}

// The TLS handshake of a client that has a CA (`tls.enabled()`).
asio::awaitable<Status> start_tls(ByteStream& stream, const std::string& host,
                                  const TlsClientOptions& tls) {
  if (!tls.enabled()) co_return Status::ok();
  auto context = make_tls_client_context(tls);
  if (!context) co_return context.status();
  co_return co_await stream.start_tls_client(*context, host, tls.verify_host);
}

// Resolves, connects and runs the TLS handshake; the timer closes the socket
// when time runs out.
asio::awaitable<void> connect_and_greet(asio::io_context& io, std::string host_port,
                                        RpcHandlers handlers, Duration timeout, ConnectDone done,
                                        size_t max_frame_bytes, TlsClientOptions tls) {
  std::string host;
  uint16_t port = 0;
  Status valid = split_host_port(host_port, &host, &port);
  if (!valid) {
    done(valid);
    co_return;
  }
  auto timed_out = std::make_shared<bool>(false);
  auto stream = std::make_shared<ByteStream>(tcp::socket(io));
  auto resolver = std::make_shared<tcp::resolver>(io);
  asio::steady_timer deadline(io, timeout);
  deadline.async_wait([timed_out, stream, resolver](const boost::system::error_code& error) {
    if (error) return;
    *timed_out = true;
    resolver->cancel();
    stream->close();
  });
  boost::system::error_code error;
  auto endpoints = co_await resolver->async_resolve(
      host, std::to_string(port), asio::redirect_error(asio::use_awaitable, error));
  if (!error) {
    co_await asio::async_connect(stream->socket(), endpoints,
                                 asio::redirect_error(asio::use_awaitable, error));
  }
  Status secured = Status::ok();
  if (!error && !*timed_out) secured = co_await start_tls(*stream, host, tls);
  deadline.cancel();
  if (*timed_out) {
    done(cannot_connect(host_port, "no answer within " + format_duration(timeout)));
    co_return;
  }
  if (error) {
    done(cannot_connect(host_port, error.message()));
    co_return;
  }
  if (!secured) {
    stream->close();
    done(Status(secured.kind(), "cannot connect to " + host_port + ": " + secured.message()));
    co_return;
  }
  TcpConnectionOptions options;
  options.max_frame_bytes = max_frame_bytes;
  auto connection = std::make_shared<TcpConnection>(io, std::move(stream), options);
  connection->start("");
  // Handlers are installed only once hello succeeded: a connection that never
  // became ready is never reported as closed.
  connection->call("hello", pack_payload(HelloCall{}), timeout,
                   [connection, host_port, handlers = std::move(handlers),
                    done = std::move(done)](StatusOr<RpcValue> reply) mutable {
                     if (!reply) {
                       connection->close("hello failed");
                       done(cannot_connect(host_port, "hello failed: " + reply.status().message()));
                       return;
                     }
                     connection->set_handlers(std::move(handlers));
                     done(RpcConnectionPtr(connection));
                   });
}

}  // namespace

void rpc_connect(asio::io_context& io, const std::string& host_port, RpcHandlers handlers,
                 Duration timeout, std::function<void(StatusOr<RpcConnectionPtr>)> done,
                 size_t max_frame_bytes, TlsClientOptions tls) {
  asio::co_spawn(io,
                 connect_and_greet(io, host_port, std::move(handlers), timeout, std::move(done),
                                   max_frame_bytes, std::move(tls)),
                 asio::detached);
}

std::vector<std::string> split_address_list(const std::string& list) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) items.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

Status split_host_port(const std::string& host_port, std::string* host, uint16_t* port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return Status::invalid("missing port in '" + host_port + "' (expected host:port)");
  }
  std::string name = host_port.substr(0, colon);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);  // [::1]:5050
  }
  if (name.empty()) return Status::invalid("missing host in '" + host_port + "'");
  std::string digits = host_port.substr(colon + 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      value > 65535) {
    return Status::invalid("invalid port '" + digits + "' in '" + host_port +
                           "' (expected 0-65535)");
  }
  *host = name;
  *port = static_cast<uint16_t>(value);
  return Status::ok();
}

}  // namespace clusterctl
