// TLS on the shared port: the server tells a ClientHello (0x16) from RPC and
// HTTP, the handshake runs within the hello deadline, a --tls-required port
// refuses plain peers with a reason, and clients name certificate problems.
// Real loopback sockets and certificates made by the openssl tool.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "core/asio.hpp"
#include "core/rpc/rpc.hpp"
#include "tests/support/tls_test_files.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

using asio::ip::tcp;

class RpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/clusterctl-tls-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto files = make_tls_test_files(dir_);
    ASSERT_TRUE(files.is_ok()) << files.status().message();
    files_ = *files;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  TlsServerOptions server_tls(bool required) const {
    TlsServerOptions tls;
    tls.cert_file = files_.cert;
    tls.key_file = files_.key;
    tls.required = required;
    return tls;
  }

  Status listen(TlsServerOptions tls, Duration hello_timeout = Duration(5000)) {
    RpcHandlers handlers;
    handlers.on_request = [](const RpcConnectionPtr&, const RpcMessage&, RpcResponder responder) {
      responder.reply(empty_payload());
    };
    handlers.on_http = [](const HttpRequest&) { return HttpResponse(); };
    RpcServerOptions options;
    options.hello_timeout = options.http_head_timeout = hello_timeout;
    options.tls = std::move(tls);
    auto server = rpc_listen(io_, "127.0.0.1:0", handlers, options);
    if (!server) return server.status();
    server_ = std::move(server).value();
    return Status::ok();
  }

  StatusOr<RpcConnectionPtr> connect(const TlsClientOptions& tls) {
    std::optional<StatusOr<RpcConnectionPtr>> result;
    rpc_connect(
        io_, server_->address(), {}, Duration(5000),
        [&](StatusOr<RpcConnectionPtr> connection) { result = std::move(connection); },
        kDefaultMaxFrameBytes, tls);
    run_io_until(
        io_, [&] { return result.has_value(); }, Duration(8000));
    if (!result) return Status::timeout("no answer");
    return std::move(*result);
  }

  StatusOr<RpcValue> echo(const RpcConnectionPtr& connection) {
    std::optional<StatusOr<RpcValue>> reply;
    connection->call("echo", empty_payload(), Duration(5000),
                     [&](StatusOr<RpcValue> value) { reply = std::move(value); });
    run_io_until(io_, [&] { return reply.has_value(); });
    if (!reply) return Status::timeout("no reply");
    return std::move(*reply);
  }

  TlsClientOptions client_tls(const std::string& ca) const {
    TlsClientOptions tls;
    tls.ca_file = ca;
    return tls;
  }

  tcp::socket raw_socket() {
    tcp::socket socket(io_);
    std::string host;
    uint16_t port = 0;
    EXPECT_TRUE(split_host_port(server_->address(), &host, &port).is_ok());
    socket.connect({asio::ip::make_address(host), port});
    return socket;
  }

  std::string dir_;
  TlsTestFiles files_;
  asio::io_context io_;
  std::unique_ptr<RpcServer> server_;
};

TEST_F(RpcTlsTest, TlsAndPlainClientsShareAPortWithoutTlsRequired) {
  ASSERT_TRUE(listen(server_tls(false)).is_ok());
  auto secure = connect(client_tls(files_.ca));
  ASSERT_TRUE(secure.is_ok()) << secure.status().message();
  EXPECT_TRUE(echo(*secure).is_ok());
  auto plain = connect(TlsClientOptions());
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  EXPECT_TRUE(echo(*plain).is_ok());
}

TEST_F(RpcTlsTest, APlainClientOfATlsRequiredPortIsToldWhyAtOnce) {
  ASSERT_TRUE(listen(server_tls(true)).is_ok());
  auto start = std::chrono::steady_clock::now();
  auto plain = connect(TlsClientOptions());
  ASSERT_FALSE(plain.is_ok());
  EXPECT_NE(plain.status().message().find(kTlsRequiredMessage), std::string::npos)
      << plain.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  auto secure = connect(client_tls(files_.ca));
  ASSERT_TRUE(secure.is_ok()) << secure.status().message();
  EXPECT_TRUE(echo(*secure).is_ok());
}

TEST_F(RpcTlsTest, PlainHttpToATlsRequiredPortGets426) {
  ASSERT_TRUE(listen(server_tls(true)).is_ok());
  auto socket = raw_socket();
  asio::write(socket, asio::buffer(std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string answer;
  socket.non_blocking(true);
  bool closed = run_io_until(io_, [&] {
    char buffer[4096];
    boost::system::error_code error;
    size_t size = socket.read_some(asio::buffer(buffer), error);
    answer.append(buffer, error ? 0 : size);
    return error && error != asio::error::would_block;
  });
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 426", 0), 0u) << answer;
  EXPECT_NE(answer.find(kTlsRequiredMessage), std::string::npos) << answer;
}

TEST_F(RpcTlsTest, AWrongCaIsRefusedNamingTheCertificateProblem) {
  ASSERT_TRUE(listen(server_tls(false)).is_ok());
  auto wrong = connect(client_tls(files_.other_ca));
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find(
                "certificate verify failed: unable to get local issuer certificate"),
            std::string::npos)
      << wrong.status().message();
}

TEST_F(RpcTlsTest, ACertificateForAnotherAddressIsRefused) {
  ASSERT_TRUE(listen(server_tls(false)).is_ok());
  std::string address = server_->address();
  std::string port = address.substr(address.rfind(':') + 1);
  std::optional<StatusOr<RpcConnectionPtr>> result;
  rpc_connect(
      io_, "localhost:" + port, {}, Duration(5000),
      [&](StatusOr<RpcConnectionPtr> connection) { result = std::move(connection); },
      kDefaultMaxFrameBytes, client_tls(files_.ca));
  ASSERT_TRUE(run_io_until(io_, [&] { return result.has_value(); }));
  ASSERT_FALSE(result->is_ok());
  EXPECT_NE(result->status().message().find("hostname mismatch"), std::string::npos)
      << result->status().message();
}

TEST_F(RpcTlsTest, AStalledHandshakeIsClosedAtTheHelloDeadline) {
  ASSERT_TRUE(listen(server_tls(false), Duration(300)).is_ok());
  auto socket = raw_socket();
  asio::write(socket, asio::buffer(std::string("\x16\x03\x01", 3)));  // a ClientHello begun
  auto start = std::chrono::steady_clock::now();
  bool closed = run_io_until(io_, [&] {
    char buffer[64];
    boost::system::error_code error;
    socket.non_blocking(true);
    socket.read_some(asio::buffer(buffer), error);
    return error && error != asio::error::would_block;
  });
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(RpcTlsTest, AHandshakeToAPortWithoutTlsIsClosedAndExplained) {
  ASSERT_TRUE(listen(TlsServerOptions()).is_ok());
  auto secure = connect(client_tls(files_.ca));
  ASSERT_FALSE(secure.is_ok());
  EXPECT_NE(secure.status().message().find("TLS handshake failed"), std::string::npos)
      << secure.status().message();
}

TEST_F(RpcTlsTest, BadFilesStopTheServerNamingThem) {
  ASSERT_EQ(chmod(files_.key.c_str(), 0644), 0);
  Status readable = listen(server_tls(false));
  EXPECT_NE(readable.message().find("--tls-key " + files_.key + " has mode 0644"),
            std::string::npos)
      << readable.message();
  ASSERT_EQ(chmod(files_.key.c_str(), 0600), 0);
  TlsServerOptions wrong_cert = server_tls(false);
  wrong_cert.cert_file = files_.other_ca;  // a certificate, but not the key's
  Status mismatch = listen(wrong_cert);
  EXPECT_NE(mismatch.message().find("is not the key of the certificate"), std::string::npos)
      << mismatch.message();
  TlsServerOptions missing = server_tls(false);
  missing.cert_file = dir_ + "/none.pem";
  Status absent = listen(missing);
  EXPECT_NE(absent.message().find("--tls-cert " + dir_ + "/none.pem cannot be read"),
            std::string::npos)
      << absent.message();
}

TEST_F(RpcTlsTest, ClientCertificatesAreCheckedWithVerifyPeer) {
  TlsServerOptions tls = server_tls(true);
  tls.ca_file = files_.ca;
  tls.verify_peer = true;
  ASSERT_TRUE(listen(tls).is_ok());
  auto anonymous = connect(client_tls(files_.ca));
  EXPECT_FALSE(anonymous.is_ok());
  TlsClientOptions with_cert = client_tls(files_.ca);
  with_cert.cert_file = files_.cert;
  with_cert.key_file = files_.key;
  auto known = connect(with_cert);
  ASSERT_TRUE(known.is_ok()) << known.status().message();
  EXPECT_TRUE(echo(*known).is_ok());
}

}  // namespace
}  // namespace clusterctl
