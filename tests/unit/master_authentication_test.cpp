// The master's authentication gate (daemons/master/authentication.hpp) with
// the client's side (core/auth/client_authentication.hpp) over real RPC on
// loopback and the real plugins: who gets through, what the refusals say,
// and that a failure is answered late without holding up other connections.
#include "daemons/master/authentication.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "core/auth/client_authentication.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

const std::string kPluginDir = std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl";

struct Outcome {
  bool finished = false;
  Status authenticated;
  StatusOr<RpcValue> call = Status::internal("not called");
  int64_t auth_millis = 0;
};

class MasterAuthentication : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/authn-test-XXXXXX";
    dir_ = mkdtemp(pattern);
    store_ = dir_ + "/store.json";
    std::ofstream(store_) << R"({"credentials":[{"principal":"alice","secret":"wonderland"}]})";
    chmod(store_.c_str(), 0600);
  }
  void TearDown() override {
    if (server_) server_->stop();
    unlink(store_.c_str());
    rmdir(dir_.c_str());
  }

  void start(std::vector<std::string> authenticators, bool frameworks, bool operators) {
    AuthenticationOptions options;
    options.frameworks = frameworks;
    options.operators = operators;
    options.authenticators = std::move(authenticators);
    options.credentials_file = store_;
    options.plugin_dir = kPluginDir;
    options.failure_delay = Duration(500);
    auto gate = AuthenticationGate::create(options);
    ASSERT_TRUE(gate.is_ok()) << gate.status().message();
    gate_ = *gate;
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      if (gate_->intercept(io_, connection, message, responder)) return;
      responder.reply(
          pack_payload(std::map<std::string, std::string>{{"principal", connection->principal()}}));
    };
    handlers.on_close = [this](const RpcConnectionPtr& connection, const Status&) {
      gate_->forget(connection->id());
    };
    RpcServerOptions server_options;
    server_options.authentication = gate_->mechanisms();
    server_options.authentication_required = gate_->required();
    auto server = rpc_listen(io_, "127.0.0.1:0", handlers, server_options);
    ASSERT_TRUE(server.is_ok());
    server_ = std::move(server).value();
  }

  // Connects, authenticates as `credential` (if any), then calls `method`.
  std::shared_ptr<Outcome> attempt(std::optional<Credential> credential,
                                   const std::string& method) {
    auto outcome = std::make_shared<Outcome>();
    rpc_connect(io_, server_->address(), RpcHandlers(), Duration(5000),
                [this, outcome, credential, method](StatusOr<RpcConnectionPtr> connected) {
                  ASSERT_TRUE(connected.is_ok());
                  RpcConnectionPtr connection = *connected;
                  auto began = std::chrono::steady_clock::now();
                  authenticate_connection(
                      connection, credential, Duration(5000),
                      [outcome, connection, method, began](Status status) {
                        outcome->auth_millis =
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - began)
                                .count();
                        outcome->authenticated = status;
                        connection->call(method, empty_payload(), Duration(5000),
                                         [outcome, connection](StatusOr<RpcValue> reply) {
                                           outcome->call = std::move(reply);
                                           outcome->finished = true;
                                           connection->close("test done");
                                         });
                      },
                      kPluginDir);
                });
    return outcome;
  }

  asio::io_context io_;
  std::string dir_;
  std::string store_;
  std::shared_ptr<AuthenticationGate> gate_;
  std::unique_ptr<RpcServer> server_;
};

const char* const kFrameworksFirst =
    "authenticate first: this master requires frameworks to authenticate "
    "(--authenticate-frameworks); give --principal and --secret-file";

TEST_F(MasterAuthentication, RightSecretGetsThroughWithEitherMechanism) {
  for (const char* plugin : {"crammd5", "scram-sha256"}) {
    start({plugin}, true, false);
    auto outcome = attempt(Credential{"alice", "wonderland"}, "framework.subscribe");
    ASSERT_TRUE(run_io_until(io_, [&] { return outcome->finished; }));
    EXPECT_TRUE(outcome->authenticated.is_ok())
        << plugin << ": " << outcome->authenticated.message();
    ASSERT_TRUE(outcome->call.is_ok()) << outcome->call.status().message();
    auto answer = outcome->call->as<std::map<std::string, std::string>>();
    EXPECT_EQ((*answer)["principal"], "alice");
    server_->stop();
  }
}

TEST_F(MasterAuthentication, WrongSecretAndUnknownPrincipalAreRefusedLate) {
  start({"scram-sha256", "crammd5"}, true, false);
  auto right = attempt(Credential{"alice", "wonderland"}, "framework.subscribe");
  auto wrong = attempt(Credential{"alice", "guess"}, "framework.subscribe");
  auto unknown = attempt(Credential{"mallory", "wonderland"}, "framework.subscribe");
  ASSERT_TRUE(
      run_io_until(io_, [&] { return right->finished && wrong->finished && unknown->finished; }));
  EXPECT_TRUE(right->call.is_ok());
  EXPECT_LT(right->auth_millis, 500);  // not held up by the others' delays
  EXPECT_EQ(wrong->authenticated.kind(), ErrorKind::kUnauthenticated);
  EXPECT_EQ(wrong->authenticated.message(),
            "authentication of principal 'alice' failed (SCRAM-SHA-256): wrong principal or "
            "secret");
  EXPECT_GE(wrong->auth_millis, 450);
  EXPECT_EQ(unknown->authenticated.message(),
            "authentication of principal 'mallory' failed (SCRAM-SHA-256): wrong principal or "
            "secret");
  EXPECT_GE(unknown->auth_millis, 450);
  // Not authenticated: the call is refused, saying what to give.
  ASSERT_FALSE(wrong->call.is_ok());
  EXPECT_EQ(wrong->call.status().kind(), ErrorKind::kUnauthenticated);
  EXPECT_EQ(wrong->call.status().message(), kFrameworksFirst);
}

TEST_F(MasterAuthentication, CallsBeforeAuthenticationAreRefusedByKind) {
  start({"crammd5"}, true, false);
  auto framework = attempt(std::nullopt, "framework.subscribe");
  auto reader = attempt(std::nullopt, "state.tasks");  // --authenticate-http is off
  ASSERT_TRUE(run_io_until(io_, [&] { return framework->finished && reader->finished; }));
  ASSERT_FALSE(framework->call.is_ok());
  EXPECT_EQ(framework->call.status().message(), kFrameworksFirst);
  EXPECT_TRUE(reader->call.is_ok());
}

TEST_F(MasterAuthentication, OperatorCallsNeedAuthenticationWithAuthenticateHttp) {
  start({"crammd5"}, false, true);
  auto reader = attempt(std::nullopt, "state.tasks");
  auto framework = attempt(std::nullopt, "framework.subscribe");
  ASSERT_TRUE(run_io_until(io_, [&] { return framework->finished && reader->finished; }));
  ASSERT_FALSE(reader->call.is_ok());
  EXPECT_EQ(reader->call.status().message(),
            "authenticate first: this master requires operator calls to authenticate "
            "(--authenticate-http); give --principal and --secret-file");
  EXPECT_TRUE(framework->call.is_ok());
}

TEST(MasterAuthenticationOptions, RequiredAuthenticationNeedsCredentials) {
  AuthenticationOptions options;
  options.agents = true;
  auto gate = AuthenticationGate::create(options);
  ASSERT_FALSE(gate.is_ok());
  EXPECT_NE(gate.status().message().find("need --credentials FILE"), std::string::npos);
  options.agents = false;
  gate = AuthenticationGate::create(options);  // off: nothing to load
  ASSERT_TRUE(gate.is_ok());
  EXPECT_FALSE((*gate)->required_any());
  EXPECT_TRUE((*gate)->mechanisms().empty());
}

}  // namespace
}  // namespace clusterctl
