// rpc_listen: accepts connections and tells msgpack-RPC from HTTP by the
// first byte (a letter starts an HTTP request; an RPC frame starts with an
// array byte).
#include <cctype>
#include <optional>
#include <vector>

#include "core/log.hpp"
#include "core/rpc/rpc.hpp"
#include "core/rpc/tcp_connection.hpp"

namespace clusterctl {

namespace {

using asio::ip::tcp;

// The listener's state is shared with its coroutines, so that destroying the
// RpcServer while an accept is pending leaves nothing dangling.
struct Listener {
  Listener(asio::io_context& io_context, RpcHandlers handler_set, RpcServerOptions server_options)
      : io(io_context),
        acceptor(io_context),
        handlers(std::move(handler_set)),
        options(std::move(server_options)) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  RpcHandlers handlers;
  RpcServerOptions options;
  std::vector<std::weak_ptr<RpcConnection>> connections;
  bool stopped = false;
};

// Waits for an asynchronous HTTP handler: `respond` stores the answer and
// cancels a timer that never expires by itself.
asio::awaitable<HttpResponse> answer_later(
    const std::function<void(const HttpRequest&, std::function<void(HttpResponse)>)>& handler,
    const HttpRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  auto wake = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  auto answer = std::make_shared<std::optional<HttpResponse>>();
  try {
    handler(request, [wake, answer](HttpResponse response) {
      *answer = std::move(response);
      wake->cancel();
    });
  } catch (const std::exception& e) {
    LOG(kError) << "HTTP " << request.path << " failed: " << e.what();
    co_return http_error(500, "internal error");
  }
  if (!answer->has_value()) {
    boost::system::error_code ignored;
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return answer->has_value() ? std::move(**answer) : http_error(500, "no answer");
}

asio::awaitable<void> serve_http(std::shared_ptr<Listener> listener, tcp::socket socket,
                                 std::string data) {
  // Read the head, then the body that Content-Length announces.
  char chunk[4096];
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > kMaxHttpHeadBytes) co_return;
    boost::system::error_code error;
    size_t size = co_await socket.async_read_some(asio::buffer(chunk),
                                                  asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    data.append(chunk, size);
  }
  HttpResponse response;
  auto request = parse_http_head(data.substr(0, head_end + 4));
  if (!request) {
    response = http_error(400, request.status().message());
  } else {
    size_t length = 0;
    auto header = request->headers.find("content-length");
    if (header != request->headers.end())
      length = std::strtoull(header->second.c_str(), nullptr, 10);
    if (length > kMaxHttpBodyBytes) {
      response = http_error(413, "request body too large");
    } else {
      std::string body = data.substr(head_end + 4);
      while (body.size() < length) {
        boost::system::error_code error;
        size_t size = co_await socket.async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, error));
        if (error) co_return;
        body.append(chunk, size);
      }
      request->body = body.substr(0, length);
      if (listener->handlers.on_http_async) {
        response = co_await answer_later(listener->handlers.on_http_async, *request);
      } else if (listener->handlers.on_http) {
        try {
          response = listener->handlers.on_http(*request);
        } catch (const std::exception& e) {
          LOG(kError) << "HTTP " << request->path << " failed: " << e.what();
          response = http_error(500, "internal error");
        }
      } else {
        response = http_error(404, "no HTTP endpoints here");
      }
    }
  }
  std::string bytes = format_http_response(response);
  boost::system::error_code error;
  co_await asio::async_write(socket, asio::buffer(bytes),
                             asio::redirect_error(asio::use_awaitable, error));
  socket.shutdown(tcp::socket::shutdown_both, error);
}

asio::awaitable<void> serve(std::shared_ptr<Listener> listener, tcp::socket socket) {
  char first[4096];
  boost::system::error_code error;
  size_t size = co_await socket.async_read_some(asio::buffer(first),
                                                asio::redirect_error(asio::use_awaitable, error));
  if (error || listener->stopped) co_return;
  std::string data(first, size);
  if (std::isalpha(static_cast<unsigned char>(data[0]))) {
    co_await serve_http(listener, std::move(socket), std::move(data));
    co_return;
  }
  TcpConnectionOptions options;
  options.max_frame_bytes = listener->options.max_frame_bytes;
  options.require_hello = true;
  options.server_name = listener->options.server_name;
  auto connection = std::make_shared<TcpConnection>(listener->io, std::move(socket), options);
  connection->set_handlers(listener->handlers);
  std::erase_if(listener->connections, [](const auto& weak) { return weak.expired(); });
  listener->connections.push_back(connection);
  connection->start(data);
}

asio::awaitable<void> accept_loop(std::shared_ptr<Listener> listener) {
  while (!listener->stopped) {
    boost::system::error_code error;
    tcp::socket socket =
        co_await listener->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (listener->stopped) co_return;
    if (error) {
      LOG(kWarning) << "accept failed: " << error.message();
      continue;
    }
    asio::co_spawn(listener->io, serve(listener, std::move(socket)), asio::detached);
  }
}

class TcpRpcServer : public RpcServer {
 public:
  explicit TcpRpcServer(std::shared_ptr<Listener> listener) : listener_(std::move(listener)) {
    auto endpoint = listener_->acceptor.local_endpoint();
    address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~TcpRpcServer() override { stop(); }

  std::string address() const override { return address_; }

  void stop() override {
    if (listener_->stopped) return;
    listener_->stopped = true;
    boost::system::error_code ignored;
    listener_->acceptor.close(ignored);
    auto connections = std::move(listener_->connections);
    for (auto& weak : connections) {
      if (auto connection = weak.lock()) connection->close("server stopping");
    }
  }

 private:
  std::shared_ptr<Listener> listener_;
  std::string address_;
};

}  // namespace

StatusOr<std::unique_ptr<RpcServer>> rpc_listen(asio::io_context& io, const std::string& host_port,
                                                RpcHandlers handlers, RpcServerOptions options) {
  std::string host;
  uint16_t port = 0;
  CLUSTERCTL_RETURN_IF_ERROR(split_host_port(host_port, &host, &port));
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) {
    return Status::invalid("cannot listen on '" + host_port + "': '" + host +
                           "' is not an IP address");
  }
  auto listener = std::make_shared<Listener>(io, std::move(handlers), std::move(options));
  tcp::endpoint endpoint(address, port);
  tcp::acceptor& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::unavailable("cannot listen on " + host_port + ": " + error.message());
  }
  asio::co_spawn(io, accept_loop(listener), asio::detached);
  return std::unique_ptr<RpcServer>(new TcpRpcServer(listener));
}

}  // namespace clusterctl
