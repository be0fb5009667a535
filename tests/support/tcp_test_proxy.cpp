// TcpTestProxy: accept, connect upstream, copy both ways; cut() closes all.
#include "tests/support/tcp_test_proxy.hpp"

#include <array>
#include <future>
#include <set>

#include "core/asio.hpp"

namespace clusterctl {

using asio::ip::tcp;

// One proxied connection: the client's socket and the upstream one.
struct ProxyPair : std::enable_shared_from_this<ProxyPair> {
  explicit ProxyPair(asio::io_context& io) : client(io), upstream(io) {}
  tcp::socket client;
  tcp::socket upstream;
  std::array<char, 16384> to_upstream{};
  std::array<char, 16384> to_client{};

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
  // Copies `from` into `to` until either side ends.
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buffer) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](
                                                   boost::system::error_code error, size_t n) {
      if (error) return self->close();
      asio::async_write(to, asio::buffer(buffer.data(), n),
                        [self, &from, &to, &buffer](boost::system::error_code error, size_t) {
                          if (error) return self->close();
                          self->pump(from, to, buffer);
                        });
    });
  }
};

struct TcpTestProxy::State : std::enable_shared_from_this<State> {
  explicit State(uint16_t upstream_port)
      : acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        upstream(asio::ip::address_v4::loopback(), upstream_port) {}
  asio::io_context io;
  tcp::acceptor acceptor;
  tcp::endpoint upstream;
  bool cut = false;  // io thread only
  std::set<std::shared_ptr<ProxyPair>> pairs;

  void accept() {
    auto pair = std::make_shared<ProxyPair>(io);
    acceptor.async_accept(pair->client,
                          [self = shared_from_this(), pair](boost::system::error_code error) {
                            if (error == asio::error::operation_aborted) return;
                            if (!error) self->start(pair);
                            self->accept();
                          });
  }
  void start(const std::shared_ptr<ProxyPair>& pair) {
    if (cut) return pair->close();
    pairs.insert(pair);
    pair->upstream.async_connect(
        upstream, [self = shared_from_this(), pair](boost::system::error_code error) {
          if (error || self->cut) return pair->close();
          pair->pump(pair->client, pair->upstream, pair->to_upstream);
          pair->pump(pair->upstream, pair->client, pair->to_client);
        });
  }
  void set_cut(bool value) {
    cut = value;
    if (!cut) return;
    for (const auto& pair : pairs) pair->close();
    pairs.clear();
  }
  // Runs `fn` on the io thread and waits for it.
  template <typename Fn>
  void run(Fn fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

TcpTestProxy::TcpTestProxy(uint16_t upstream_port)
    : state_(std::make_shared<State>(upstream_port)) {
  port_ = state_->acceptor.local_endpoint().port();
  state_->accept();
  thread_ = std::thread([state = state_] { state->io.run(); });
}

TcpTestProxy::~TcpTestProxy() {
  state_->run([state = state_.get()] {
    state->set_cut(true);
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  thread_.join();  // the loop ends once the aborted handlers ran
}

void TcpTestProxy::cut() {
  state_->run([state = state_.get()] { state->set_cut(true); });
}

void TcpTestProxy::resume() {
  state_->run([state = state_.get()] { state->set_cut(false); });
}

}  // namespace clusterctl
