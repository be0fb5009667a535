#include "tests/support/http_test_server.hpp"

#include "core/asio.hpp"

namespace clusterctl {

using asio::ip::tcp;

struct HttpTestServer::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  mutable std::mutex mutex;
  std::map<std::string, Route> routes;
  std::map<std::string, int> counts;
};

namespace {

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 503:
      return "Service Unavailable";
  }
  return "Status";
}

// The coroutines hold the state by plain pointer: the io_context in it owns
// their frames, so a shared_ptr there would be a cycle that never frees (as
// LeakSanitizer found); destroying the state destroys the frames.
asio::awaitable<void> serve(HttpTestServer::State* state, tcp::socket socket) {
  boost::system::error_code error;
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    size_t size = co_await socket.async_read_some(asio::buffer(buffer),
                                                  asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    request.append(buffer, size);
  }
  size_t start = request.find(' ') + 1;
  std::string target = request.substr(start, request.find(' ', start) - start);
  std::string path = target.substr(0, target.find('?'));
  HttpTestServer::Route route;
  route.status = 404;
  route.body = "not here";
  {
    std::lock_guard lock(state->mutex);
    int seen = state->counts[path]++;
    auto found = state->routes.find(path);
    if (found != state->routes.end()) {
      route = found->second;
      if (seen < route.fail_first) {
        route.status = 503;
        route.body = "try later";
        route.stall_after = std::string::npos;
      }
    }
  }
  if (route.delay_millis > 0) {
    asio::steady_timer wait(socket.get_executor(), std::chrono::milliseconds(route.delay_millis));
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, error));
  }
  std::string head = "HTTP/1.1 " + std::to_string(route.status) + " " + reason(route.status) +
                     "\r\nContent-Type: application/octet-stream\r\n";
  if (!route.endless) head += "Content-Length: " + std::to_string(route.body.size()) + "\r\n";
  head += "Connection: close\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(head),
                             asio::redirect_error(asio::use_awaitable, error));
  if (route.endless && !route.body.empty()) {
    while (!error) {
      co_await asio::async_write(socket, asio::buffer(route.body),
                                 asio::redirect_error(asio::use_awaitable, error));
    }
    co_return;
  }
  size_t send = std::min(route.stall_after, route.body.size());
  if (route.bytes_per_second > 0) {
    asio::steady_timer tick(socket.get_executor());
    for (size_t i = 0; i < send && !error; ++i) {
      co_await asio::async_write(socket, asio::buffer(route.body.data() + i, 1),
                                 asio::redirect_error(asio::use_awaitable, error));
      tick.expires_after(std::chrono::milliseconds(1000 / route.bytes_per_second));
      co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
    if (error) co_return;
  } else {
    co_await asio::async_write(socket, asio::buffer(route.body.data(), send),
                               asio::redirect_error(asio::use_awaitable, error));
  }
  if (send < route.body.size()) {
    // Stalled: hold the connection until the client gives up.
    co_await socket.async_read_some(asio::buffer(buffer),
                                    asio::redirect_error(asio::use_awaitable, error));
  }
  socket.shutdown(tcp::socket::shutdown_both, error);
}

asio::awaitable<void> accept(HttpTestServer::State* state) {
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return;
    asio::co_spawn(state->io, serve(state, std::move(socket)), asio::detached);
  }
}

}  // namespace

HttpTestServer::HttpTestServer() : state_(std::make_shared<State>()) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  asio::co_spawn(state_->io, accept(state_.get()), asio::detached);
  thread_ = std::thread([state = state_] { state->io.run(); });
}

HttpTestServer::~HttpTestServer() {
  state_->io.stop();
  thread_.join();
}

void HttpTestServer::add(const std::string& path, Route route) {
  std::lock_guard lock(state_->mutex);
  state_->routes[path] = std::move(route);
}

std::string HttpTestServer::url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
}

int HttpTestServer::requests(const std::string& path) const {
  std::lock_guard lock(state_->mutex);
  auto found = state_->counts.find(path);
  return found == state_->counts.end() ? 0 : found->second;
}

}  // namespace clusterctl
