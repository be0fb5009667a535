// What one peer may cost a server: deadlines for the first request and the
// HTTP head, caps on connections per peer and in total, and the cap on the
// bytes of unfinished frames. Real loopback sockets, short deadlines.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <optional>

#include "core/asio.hpp"
#include "core/rpc/rpc.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

using asio::ip::tcp;

class RpcServerBoundsTest : public ::testing::Test {
 protected:
  void listen(RpcServerOptions options) {
    RpcHandlers handlers;
    handlers.on_request = [](const RpcConnectionPtr&, const RpcMessage&, RpcResponder responder) {
      responder.reply(empty_payload());
    };
    handlers.on_http = [](const HttpRequest&) { return HttpResponse(); };
    auto server = rpc_listen(io_, "127.0.0.1:0", handlers, options);
    ASSERT_TRUE(server.is_ok()) << server.status().message();
    server_ = std::move(server).value();
  }

  tcp::socket raw_socket() {
    tcp::socket socket(io_);
    std::string host;
    uint16_t port = 0;
    EXPECT_TRUE(split_host_port(server_->address(), &host, &port).is_ok());
    socket.connect({asio::ip::make_address(host), port});
    return socket;
  }

  // Whether the server closed `socket` (what it sent before is skipped).
  static bool closed_by_server(tcp::socket& socket) {
    char buffer[4096];
    boost::system::error_code error;
    socket.non_blocking(true);
    socket.read_some(asio::buffer(buffer), error);
    socket.non_blocking(false);
    return error && error != asio::error::would_block;
  }

  bool wait_closed(tcp::socket& socket) {
    return run_io_until(io_, [&] { return closed_by_server(socket); });
  }

  StatusOr<RpcConnectionPtr> connect() {
    std::optional<StatusOr<RpcConnectionPtr>> result;
    rpc_connect(io_, server_->address(), {}, Duration(5000),
                [&](StatusOr<RpcConnectionPtr> connection) { result = std::move(connection); });
    run_io_until(io_, [&] { return result.has_value(); });
    if (!result) return Status::timeout("no answer");
    return std::move(*result);
  }

  asio::io_context io_;
  std::unique_ptr<RpcServer> server_;
};

std::string hello_frame() {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, std::map<std::string, int>{{"protocol_version", 1}});
  return encode_request(1, "hello", Payload(buffer.data(), buffer.size()));
}

TEST_F(RpcServerBoundsTest, ASilentConnectionIsClosedAfterTheHelloDeadline) {
  RpcServerOptions options;
  options.hello_timeout = Duration(200);
  listen(options);
  auto silent = raw_socket();
  auto half_frame = raw_socket();
  asio::write(half_frame, asio::buffer(std::string("\x94\x00", 2)));
  auto client = connect();
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  EXPECT_TRUE(wait_closed(silent));
  EXPECT_TRUE(wait_closed(half_frame));
  // A connection that said hello stays.
  run_io_for(io_, Duration(300));
  EXPECT_TRUE((*client)->is_open());
}

TEST_F(RpcServerBoundsTest, ASlowHttpHeadIsClosedAfterItsDeadline) {
  RpcServerOptions options;
  options.http_head_timeout = Duration(300);
  listen(options);
  auto slow = raw_socket();
  asio::write(slow, asio::buffer(std::string("GET /health HTTP/1.1\r\nHost: x\r\n")));
  EXPECT_TRUE(wait_closed(slow));
}

TEST_F(RpcServerBoundsTest, AnHttpBodyThatStopsIsClosedAfterTheIdleTimeout) {
  RpcServerOptions options;
  options.http_idle_timeout = Duration(300);
  listen(options);
  auto slow = raw_socket();
  asio::write(slow, asio::buffer(std::string("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nab")));
  EXPECT_TRUE(wait_closed(slow));
}

TEST_F(RpcServerBoundsTest, ThePerPeerCapRefusesTheNextConnection) {
  RpcServerOptions options;
  options.max_connections_per_peer = 2;
  listen(options);
  auto first = connect();
  auto second = connect();
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  auto third = connect();
  ASSERT_FALSE(third.is_ok());
  EXPECT_EQ(third.status().kind(), ErrorKind::kUnavailable);
  (*first)->close("done");
  // Once the server saw it go, its place is free again.
  StatusOr<RpcConnectionPtr> another = Status::unavailable("not tried");
  run_io_until(io_, [&] {
    if (!another.is_ok()) another = connect();
    return another.is_ok();
  });
  EXPECT_TRUE(another.is_ok()) << another.status().message();
}

TEST_F(RpcServerBoundsTest, AtTheTotalCapAnIdleConnectionMakesRoom) {
  RpcServerOptions options;
  options.max_connections = 2;
  listen(options);
  auto idle = raw_socket();
  auto first = connect();
  ASSERT_TRUE(first.is_ok());
  auto second = connect();  // the idle one is shed for it
  ASSERT_TRUE(second.is_ok()) << second.status().message();
  EXPECT_TRUE(wait_closed(idle));
  auto third = connect();  // nothing idle is left: refused
  EXPECT_FALSE(third.is_ok());
  EXPECT_TRUE((*first)->is_open() && (*second)->is_open());
}

TEST_F(RpcServerBoundsTest, BeforeHelloAFrameMayHoldLittle) {
  listen(RpcServerOptions());
  auto socket = raw_socket();
  std::string frame("\x94\x00\x01\xa1x\x91\xdb\x00\x10\x00\x00", 11);  // a 1 MiB string
  frame += std::string(70 * 1024, 'x');
  boost::system::error_code ignored;
  asio::write(socket, asio::buffer(frame), ignored);
  EXPECT_TRUE(wait_closed(socket));
}

TEST_F(RpcServerBoundsTest, UnfinishedFramesOverTheCapCloseTheLargest) {
  RpcServerOptions options;
  options.max_unfinished_frame_bytes = 64 * 1024;
  listen(options);
  std::string head("\x94\x00\x01\xa1x\x91\xdb\x00\x10\x00\x00", 11);  // a 1 MiB string
  auto large = raw_socket();
  auto small = raw_socket();
  asio::write(large, asio::buffer(hello_frame() + head + std::string(40 * 1024, 'x')));
  run_io_for(io_, Duration(100));
  EXPECT_FALSE(closed_by_server(large));
  asio::write(small, asio::buffer(hello_frame() + head + std::string(30 * 1024, 'x')));
  EXPECT_TRUE(wait_closed(large));
  EXPECT_FALSE(closed_by_server(small));
}

// Sanitizer runtimes need descriptors of their own while the process has
// none left (UBSan's vptr check probes memory through a pipe, and reports
// open a log file), so they report what is not there: run in normal trees.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLUSTERCTL_SANITIZED 1
#endif
#endif

TEST_F(RpcServerBoundsTest, OutOfDescriptorsTheOldestIdleConnectionsAreShed) {
#ifdef CLUSTERCTL_SANITIZED
  GTEST_SKIP() << "sanitizer runtimes need file descriptors of their own";
#endif
  listen(RpcServerOptions());
  size_t open_now = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++open_now;
  }
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct rlimit low = saved;
  low.rlim_cur = open_now + 24;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  // 16 silent clients, then the server accepts: it runs out after 8.
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(split_host_port(server_->address(), &host, &port).is_ok());
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 16; ++i) {
    tcp::socket socket(io_);
    boost::system::error_code error;
    socket.connect({asio::ip::make_address(host), port}, error);
    if (error) break;
    idle.push_back(std::move(socket));
  }
  bool shed = !idle.empty() && wait_closed(idle.front());
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(idle.size(), 16u);
  EXPECT_TRUE(shed);
  idle.clear();
  EXPECT_TRUE(connect().is_ok());
}

}  // namespace
}  // namespace clusterctl
