// Clients following the leading master, against fake standby masters on
// loopback: a standby is an RpcServer that answers every call with not_leader
// naming the leader (or none, while no leader is elected). The CLI's
// BlockingRpcClient and the agent's MasterLink must end up at the leader,
// within bounded hops and time, and back off while no leader is elected.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/asio.hpp"
#include "core/messages.hpp"
#include "core/rpc/blocking_client.hpp"
#include "core/rpc/rpc.hpp"
#include "core/zk/master_candidates.hpp"
#include "daemons/agent/master_link.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

using Clock = std::chrono::steady_clock;

struct Echo {
  std::string text;
  MSGPACK_DEFINE_MAP(text);
};

// Answers every call with not_leader naming `leader` ("" for none).
class FakeStandby {
 public:
  FakeStandby(asio::io_context& io, std::string leader) : leader_(std::move(leader)) {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr&, const RpcMessage&,
                                 RpcResponder responder) {
      ++calls_;
      responder.fail(Status::not_leader(this->leader()));
    };
    auto server = rpc_listen(io, "127.0.0.1:0", handlers);
    EXPECT_TRUE(server.is_ok()) << server.status().message();
    if (server) server_ = std::move(server).value();
  }

  std::string address() const { return server_->address(); }
  void name(std::string leader) {
    std::lock_guard<std::mutex> lock(mutex_);
    leader_ = std::move(leader);
  }
  std::string leader() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return leader_;
  }
  int calls() const { return calls_; }
  void stop() { server_->stop(); }

 private:
  mutable std::mutex mutex_;
  std::string leader_;
  std::atomic<int> calls_{0};
  std::unique_ptr<RpcServer> server_;
};

// The leader: answers agent.register like a master, anything else with
// {"text": "leader"}.
class FakeLeader {
 public:
  explicit FakeLeader(asio::io_context& io) {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      if (message.method == "agent.register") {
        ++registrations;
        last_agent = connection;
        registered_at = Clock::now();
        responder.reply(pack_payload(RegisterAgentReply{"agent-1", 1000}));
        return;
      }
      ++calls;
      responder.reply(pack_payload(Echo{"leader"}));
    };
    auto server = rpc_listen(io, "127.0.0.1:0", handlers);
    EXPECT_TRUE(server.is_ok()) << server.status().message();
    if (server) server_ = std::move(server).value();
  }

  std::string address() const { return server_->address(); }
  void stop() { server_->stop(); }

  std::atomic<int> calls{0};
  std::atomic<int> registrations{0};
  RpcConnectionPtr last_agent;  // io thread only
  Clock::time_point registered_at;

 private:
  std::unique_ptr<RpcServer> server_;
};

// A port with nothing listening on it.
std::string closed_address() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
}

// The fake masters on their own thread, for the blocking client.
class BlockingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leader_ = std::make_unique<FakeLeader>(io_);
    work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
        io_.get_executor());
  }
  void TearDown() override {
    work_.reset();
    asio::post(io_, [this] {
      for (auto& standby : standbys_) standby->stop();
      leader_->stop();
      io_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }
  FakeStandby& add_standby(const std::string& leader) {
    standbys_.push_back(std::make_unique<FakeStandby>(io_, leader));
    return *standbys_.back();
  }
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }

  asio::io_context io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<FakeLeader> leader_;
  std::vector<std::unique_ptr<FakeStandby>> standbys_;
  std::thread thread_;
};

TEST_F(BlockingClientTest, FollowsAStandbyToTheLeader) {
  FakeStandby& standby = add_standby(leader_->address());
  run();
  auto client = BlockingRpcClient::connect(standby.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto reply = client->call("state.tasks", empty_payload(), Duration(5000));
  ASSERT_TRUE(reply.is_ok()) << reply.status().message();
  EXPECT_EQ(reply->as<Echo>()->text, "leader");
  EXPECT_EQ(client->address(), leader_->address());
  EXPECT_EQ(standby.calls(), 1);
  EXPECT_EQ(leader_->calls, 1);
  // Later calls go to the leader at once.
  ASSERT_TRUE(client->call("state.tasks", empty_payload(), Duration(5000)).is_ok());
  EXPECT_EQ(standby.calls(), 1);
}

TEST_F(BlockingClientTest, AListWhoseFirstMasterStandsByReachesTheLeader) {
  FakeStandby& standby = add_standby(leader_->address());
  run();
  auto client =
      BlockingRpcClient::connect(standby.address() + "," + leader_->address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  EXPECT_EQ(client->address(), standby.address());  // the first reachable
  auto reply = client->call("state.tasks", empty_payload(), Duration(5000));
  ASSERT_TRUE(reply.is_ok()) << reply.status().message();
  EXPECT_EQ(client->address(), leader_->address());
}

TEST_F(BlockingClientTest, WaitsForAnElectionWithinTheTimeout) {
  FakeStandby& standby = add_standby("");
  run();
  auto client = BlockingRpcClient::connect(standby.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  std::thread elect([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    standby.name(leader_->address());
  });
  auto start = Clock::now();
  auto reply = client->call("state.tasks", empty_payload(), Duration(5000));
  elect.join();
  ASSERT_TRUE(reply.is_ok()) << reply.status().message();
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_GE(standby.calls(), 2);
  EXPECT_LE(standby.calls(), 6);  // backed off, not hammered
}

TEST_F(BlockingClientTest, SaysPlainlyThatNoLeaderIsElected) {
  FakeStandby& standby = add_standby("");
  run();
  auto client = BlockingRpcClient::connect(standby.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto start = Clock::now();
  auto reply = client->call("state.tasks", empty_payload(), Duration(1000));
  auto took = Clock::now() - start;
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(reply.status().message(), "no master leads: " + standby.address() +
                                          " stands by and no leader was elected within 1s");
  EXPECT_GE(took, std::chrono::milliseconds(500));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST_F(BlockingClientTest, StandbysNamingEachOtherAreFollowedAtMostThreeTimes) {
  FakeStandby& first = add_standby("");
  FakeStandby& second = add_standby(first.address());
  first.name(second.address());
  run();
  auto client = BlockingRpcClient::connect(first.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto reply = client->call("state.tasks", empty_payload(), Duration(5000));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_NE(reply.status().message().find("keep naming another leader"), std::string::npos)
      << reply.status().message();
  EXPECT_EQ(first.calls() + second.calls(), 1 + kMaxLeaderHops);
}

TEST_F(BlockingClientTest, ALeaderThatCannotBeReachedIsNamed) {
  std::string gone = closed_address();
  FakeStandby& standby = add_standby(gone);
  run();
  auto client = BlockingRpcClient::connect(standby.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto reply = client->call("state.tasks", empty_payload(), Duration(3000));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_NE(
      reply.status().message().find("the master at " + standby.address() + " stands by and names " +
                                    gone + " as the leader, which cannot be reached"),
      std::string::npos)
      << reply.status().message();
}

TEST_F(BlockingClientTest, CallHereAsksTheMasterItself) {
  FakeStandby& standby = add_standby(leader_->address());
  run();
  auto client = BlockingRpcClient::connect(standby.address(), Duration(5000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  auto reply = client->call_here("weights.get", empty_payload(), Duration(5000));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().kind(), ErrorKind::kNotLeader);
  EXPECT_EQ(reply.status().leader(), leader_->address());
  EXPECT_EQ(leader_->calls, 0);
}

// The agent's link, everything on the test thread's io_context.
class MasterLinkTest : public ::testing::Test {
 protected:
  void SetUp() override { leader_ = std::make_unique<FakeLeader>(io_); }
  void TearDown() override {
    if (link_) link_->stop();
    link_.reset();
    run_io_for(io_, Duration(50));
  }

  void start_link(const std::string& masters, Duration backoff_max = Duration(2000)) {
    MasterLink::Callbacks callbacks;
    callbacks.registration = [] {
      RegisterAgentCall call;
      call.agent.hostname = "test";
      return call;
    };
    callbacks.on_request = [](const RpcConnectionPtr&, const RpcMessage&, RpcResponder responder) {
      responder.reply(empty_payload());
    };
    callbacks.on_registered = [this](const RpcConnectionPtr&) { ++registered_; };
    callbacks.on_lost = [this] {
      ++lost_;
      lost_at_ = Clock::now();
    };
    link_ = std::make_unique<MasterLink>(io_, masters, backoff_max, callbacks);
    link_->start();
  }

  asio::io_context io_;
  std::unique_ptr<FakeLeader> leader_;
  std::unique_ptr<MasterLink> link_;
  int registered_ = 0;
  int lost_ = 0;
  Clock::time_point lost_at_;
};

TEST_F(MasterLinkTest, ARegistrationAnsweredByAStandbyGoesToTheLeader) {
  FakeStandby standby(io_, leader_->address());
  start_link(standby.address());
  ASSERT_TRUE(run_io_until(io_, [&] { return registered_ == 1; }));
  EXPECT_EQ(standby.calls(), 1);
  EXPECT_EQ(leader_->registrations, 1);
  EXPECT_TRUE(link_->registered());
  EXPECT_EQ(link_->agent_id(), "agent-1");
  EXPECT_EQ(link_->connection()->peer_address(), leader_->address());
}

TEST_F(MasterLinkTest, NoLeaderElectedMeansBackingOffUntilOneIs) {
  FakeStandby standby(io_, "");
  start_link(standby.address(), Duration(400));
  run_io_for(io_, Duration(1000));
  EXPECT_EQ(registered_, 0);
  // 100, 200, 400, 400 ms at most, each at least half: 2 to 8 attempts in 1 s.
  EXPECT_GE(standby.calls(), 2);
  EXPECT_LE(standby.calls(), 8);
  standby.name(leader_->address());
  ASSERT_TRUE(run_io_until(
      io_, [&] { return registered_ == 1; }, Duration(2000)));
  EXPECT_EQ(leader_->registrations, 1);
}

TEST_F(MasterLinkTest, ALostLeaderIsRegisteredWithAgainAfterAJitteredBackoff) {
  start_link(leader_->address());
  ASSERT_TRUE(run_io_until(io_, [&] { return registered_ == 1; }));
  leader_->last_agent->close("master going away");
  ASSERT_TRUE(run_io_until(io_, [&] { return registered_ == 2; }));
  EXPECT_EQ(lost_, 1);
  // The first wait is drawn within [50 ms, 100 ms].
  auto gap = leader_->registered_at - lost_at_;
  EXPECT_GE(gap, std::chrono::milliseconds(50));
  EXPECT_LT(gap, std::chrono::milliseconds(1000));
  EXPECT_EQ(leader_->registrations, 2);
}

TEST_F(MasterLinkTest, AListIsTriedInTurn) {
  start_link(closed_address() + "," + leader_->address());
  ASSERT_TRUE(run_io_until(io_, [&] { return registered_ == 1; }));
  EXPECT_EQ(link_->connection()->peer_address(), leader_->address());
}

}  // namespace
}  // namespace clusterctl
