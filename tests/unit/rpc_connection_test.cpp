// msgpack-RPC over real loopback TCP: a server and clients in one io_context.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "core/asio.hpp"
#include "core/rpc/blocking_client.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl {
namespace {

struct Echo {
  std::string text;
  MSGPACK_DEFINE_MAP(text);
};

class RpcConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      ++requests_;
      if (message.method == "echo") {
        responder.reply(pack_payload(*message.params.as<Echo>()));
      } else if (message.method == "later") {
        deferred_.emplace(std::move(responder));  // answered by the test
      } else if (message.method == "notify_me") {
        connection->notify("note", pack_payload(Echo{"pushed"}));
        responder.reply(empty_payload());
      } else if (message.method == "throw") {
        throw std::runtime_error("handler bug");
      } else {
        responder.fail(Status::not_found("unknown method '" + message.method + "'"));
      }
    };
    handlers.on_close = [this](const RpcConnectionPtr&, const Status&) { ++server_closes_; };
    handlers.on_http = [](const HttpRequest& request) {
      HttpResponse response;
      response.body =
          "{\"path\": \"" + request.path + "\", \"q\": \"" + request.query.at("q") + "\"}";
      return response;
    };
    auto server = rpc_listen(io_, "127.0.0.1:0", handlers);
    ASSERT_TRUE(server.is_ok()) << server.status().message();
    server_ = std::move(server).value();
  }

  // Runs the loop until `done` is true or 5 s pass.
  void run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(done()) << "timed out";
  }

  RpcConnectionPtr connect(RpcHandlers handlers = {}) {
    std::optional<StatusOr<RpcConnectionPtr>> result;
    rpc_connect(io_, server_->address(), std::move(handlers), Duration(5000),
                [&](StatusOr<RpcConnectionPtr> connection) { result = std::move(connection); });
    run_until([&] { return result.has_value(); });
    EXPECT_TRUE(result->is_ok()) << result->status().message();
    return result->is_ok() ? **result : nullptr;
  }

  StatusOr<RpcValue> call(const RpcConnectionPtr& connection, const std::string& method,
                          const Payload& params, Duration timeout = Duration(5000)) {
    std::optional<StatusOr<RpcValue>> result;
    connection->call(method, params, timeout,
                     [&](StatusOr<RpcValue> reply) { result = std::move(reply); });
    run_until([&] { return result.has_value(); });
    return std::move(*result);
  }

  // A raw socket, to send what a well-behaved client never would.
  asio::ip::tcp::socket raw_socket() {
    asio::ip::tcp::socket socket(io_);
    std::string host;
    uint16_t port = 0;
    EXPECT_TRUE(split_host_port(server_->address(), &host, &port).is_ok());
    socket.connect({asio::ip::make_address(host), port});
    return socket;
  }

  asio::io_context io_;
  std::unique_ptr<RpcServer> server_;
  int requests_ = 0;
  int server_closes_ = 0;
  std::optional<RpcResponder> deferred_;
};

TEST_F(RpcConnectionTest, CallGetsItsResult) {
  auto connection = connect();
  auto reply = call(connection, "echo", pack_payload(Echo{"hi"}));
  ASSERT_TRUE(reply.is_ok()) << reply.status().message();
  EXPECT_EQ(reply->as<Echo>()->text, "hi");
}

TEST_F(RpcConnectionTest, UnknownMethodIsAStructuredErrorAndTheConnectionLives) {
  auto connection = connect();
  auto reply = call(connection, "no.such", empty_payload());
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(connection->is_open());
  EXPECT_TRUE(call(connection, "echo", pack_payload(Echo{"again"})).is_ok());
}

TEST_F(RpcConnectionTest, ThrowingHandlerAnswersRequestDropped) {
  auto connection = connect();
  auto reply = call(connection, "throw", empty_payload());
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kInternal);
  EXPECT_TRUE(call(connection, "echo", pack_payload(Echo{"alive"})).is_ok());
}

TEST_F(RpcConnectionTest, DeferredReplyArrivesLater) {
  auto connection = connect();
  std::optional<StatusOr<RpcValue>> result;
  connection->call("later", empty_payload(), Duration(5000),
                   [&](StatusOr<RpcValue> reply) { result = std::move(reply); });
  run_until([&] { return deferred_.has_value(); });
  EXPECT_FALSE(result.has_value());
  deferred_->reply(pack_payload(Echo{"late"}));
  run_until([&] { return result.has_value(); });
  EXPECT_EQ((*result)->as<Echo>()->text, "late");
}

TEST_F(RpcConnectionTest, UnansweredCallTimesOut) {
  auto connection = connect();
  auto reply = call(connection, "later", empty_payload(), Duration(100));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kTimeout);
  EXPECT_NE(reply.status().message().find("later"), std::string::npos);
}

TEST_F(RpcConnectionTest, NotificationsReachTheClient) {
  std::optional<std::string> note;
  RpcHandlers handlers;
  handlers.on_notification = [&](const RpcConnectionPtr&, const RpcMessage& message) {
    note = message.method + ":" + message.params.as<Echo>()->text;
  };
  auto connection = connect(handlers);
  ASSERT_TRUE(call(connection, "notify_me", empty_payload()).is_ok());
  run_until([&] { return note.has_value(); });
  EXPECT_EQ(*note, "note:pushed");
}

TEST_F(RpcConnectionTest, PendingCallsFailWhenTheServerGoesAway) {
  auto connection = connect();
  std::optional<StatusOr<RpcValue>> result;
  connection->call("later", empty_payload(), Duration(5000),
                   [&](StatusOr<RpcValue> reply) { result = std::move(reply); });
  run_until([&] { return deferred_.has_value(); });
  server_->stop();
  run_until([&] { return result.has_value(); });
  EXPECT_EQ(result->status().kind(), ErrorKind::kUnavailable);
  EXPECT_FALSE(connection->is_open());
}

TEST_F(RpcConnectionTest, ConnectToAClosedPortSaysWhy) {
  std::optional<StatusOr<RpcConnectionPtr>> result;
  std::string address = server_->address();
  server_.reset();  // nothing listens there now
  rpc_connect(io_, address, {}, Duration(2000),
              [&](StatusOr<RpcConnectionPtr> connection) { result = std::move(connection); });
  run_until([&] { return result.has_value(); });
  ASSERT_FALSE(result->is_ok());
  EXPECT_EQ(result->status().message(), "cannot connect to " + address + ": Connection refused");
}

TEST_F(RpcConnectionTest, RequestsBeforeHelloAreRefused) {
  auto socket = raw_socket();
  std::string frame = encode_request(1, "echo", pack_payload(Echo{"x"}));
  asio::write(socket, asio::buffer(frame));
  FrameDecoder decoder;
  std::optional<RpcMessage> response;
  std::atomic<bool> answered{false};
  std::thread reader([&] {
    char buffer[4096];
    while (!response) {
      size_t size = socket.read_some(asio::buffer(buffer));
      decoder.feed(buffer, size);
      auto next = decoder.next();
      if (next.is_ok() && next->has_value()) response = std::move(**next);
    }
    answered = true;
  });
  run_until([&] { return answered.load(); });
  reader.join();
  EXPECT_EQ(response->error.kind(), ErrorKind::kProtocol);
  EXPECT_NE(response->error.message().find("hello"), std::string::npos);
  EXPECT_EQ(requests_, 0);
}

TEST_F(RpcConnectionTest, GarbageClosesOnlyThatConnection) {
  auto good = connect();
  auto bad = raw_socket();
  asio::write(bad, asio::buffer(std::string("\x93\xc1\xc1\xc1", 4)));
  run_until([&] { return server_closes_ == 1; });
  // The bad socket sees end of stream; the good connection still works.
  char byte;
  boost::system::error_code error;
  bad.read_some(asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset);
  EXPECT_TRUE(call(good, "echo", pack_payload(Echo{"still here"})).is_ok());
}

TEST_F(RpcConnectionTest, OversizedFrameClosesTheConnection) {
  RpcHandlers handlers;
  RpcServerOptions options;
  options.max_frame_bytes = 1024;
  options.server_name = "small";
  auto small = rpc_listen(io_, "127.0.0.1:0", handlers, options);
  ASSERT_TRUE(small.is_ok());
  std::optional<StatusOr<RpcConnectionPtr>> connected;
  rpc_connect(io_, (*small)->address(), {}, Duration(5000),
              [&](StatusOr<RpcConnectionPtr> connection) { connected = std::move(connection); });
  run_until([&] { return connected.has_value(); });
  ASSERT_TRUE(connected->is_ok());
  auto reply = call(**connected, "echo", pack_payload(Echo{std::string(4096, 'x')}));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kUnavailable);
}

TEST_F(RpcConnectionTest, HttpSharesThePort) {
  std::string response;
  std::atomic<bool> finished{false};
  std::thread client([&] {
    asio::io_context client_io;
    asio::ip::tcp::socket socket(client_io);
    std::string host;
    uint16_t port = 0;
    split_host_port(server_->address(), &host, &port).is_ok();
    socket.connect({asio::ip::make_address(host), port});
    std::string request = "GET /state?q=a%20b HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    boost::system::error_code error;
    asio::read(socket, asio::dynamic_buffer(response), error);  // until the server closes
    finished = true;
  });
  run_until([&] { return finished.load(); });
  client.join();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("{\"path\": \"/state\", \"q\": \"a b\"}"), std::string::npos);
}

TEST(BlockingRpcClient, TriesEachAddressOfAList) {
  asio::io_context io;
  RpcHandlers handlers;
  handlers.on_request = [](const RpcConnectionPtr&, const RpcMessage&, RpcResponder responder) {
    responder.reply(pack_payload(Echo{"from server"}));
  };
  auto server = rpc_listen(io, "127.0.0.1:0", handlers);
  ASSERT_TRUE(server.is_ok());
  std::thread thread([&] { io.run(); });
  auto client = BlockingRpcClient::connect("127.0.0.1:1," + (*server)->address(), Duration(2000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto reply = client->call("anything", empty_payload(), Duration(2000));
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->as<Echo>()->text, "from server");
  asio::post(io, [&] {
    (*server)->stop();
    io.stop();
  });
  thread.join();
}

TEST(SplitHostPort, AcceptsAndRejects) {
  std::string host;
  uint16_t port = 0;
  EXPECT_TRUE(split_host_port("127.0.0.1:5050", &host, &port).is_ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 5050);
  EXPECT_TRUE(split_host_port("[::1]:0", &host, &port).is_ok());
  EXPECT_EQ(host, "::1");
  EXPECT_NE(split_host_port("foo", &host, &port).message().find("missing port"), std::string::npos);
  EXPECT_FALSE(split_host_port("foo:99999", &host, &port).is_ok());
  EXPECT_FALSE(split_host_port("foo:ab", &host, &port).is_ok());
  EXPECT_FALSE(split_host_port(":80", &host, &port).is_ok());
}

}  // namespace
}  // namespace clusterctl
