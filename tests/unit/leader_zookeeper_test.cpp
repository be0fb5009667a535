// Following the leader through a real ZooKeeper server (started by the
// tests). Contenders are election znodes the test writes itself (an
// ephemeral sequential member_ node with a master record), naming fake
// masters on loopback: MasterLocator names the lowest one, the agent's
// MasterLink leaves a master that no longer leads, and the CLI's
// BlockingRpcClient resolves zk:// to the leader.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "core/asio.hpp"
#include "core/messages.hpp"
#include "core/rpc/blocking_client.hpp"
#include "core/rpc/rpc.hpp"
#include "core/zk/master_locator.hpp"
#include "core/zk/master_record.hpp"
#include "daemons/agent/master_link.hpp"
#include "tests/support/zk_test_server.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

constexpr Duration kWait{15000};

// A contending master's election znode, held by a session of its own: it
// goes at once when the contender is destroyed (the session closes).
class Contender {
 public:
  Contender(asio::io_context& io, const std::string& url, const std::string& master_address)
      : io_(io) {
    auto address = parse_zk_address(url);
    EXPECT_TRUE(address.is_ok()) << address.status().to_string();
    ZkClient::Options options{*address, Duration(4000), nullptr};
    auto client = ZkClient::start(io, options);
    EXPECT_TRUE(client.is_ok()) << client.status().to_string();
    client_ = std::move(client).value();
    EXPECT_TRUE(run_io_until(
        io, [&] { return client_->connected(); }, kWait));
    std::optional<Status> ensured;
    client_->ensure_path(address->path, [&](Status status) { ensured = status; });
    EXPECT_TRUE(run_io_until(
        io, [&] { return ensured.has_value(); }, kWait));
    MasterRecord record{master_address, "0.1.0", "test-host", 4242, 1765000000.5};
    std::optional<StatusOr<std::string>> created;
    client_->create(address->path + "/" + kElectionMemberPrefix, master_record_json(record),
                    ZkCreateMode::kEphemeralSequential,
                    [&](StatusOr<std::string> path) { created = std::move(path); });
    EXPECT_TRUE(run_io_until(
        io, [&] { return created.has_value(); }, kWait));
    EXPECT_TRUE(created->is_ok()) << created->status().to_string();
  }

 private:
  asio::io_context& io_;
  std::unique_ptr<ZkClient> client_;
};

// Answers agent.register like a master, anything else with {"who": address}.
class FakeMaster {
 public:
  explicit FakeMaster(asio::io_context& io) {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      if (message.method == "agent.register") {
        ++registrations;
        agent = connection;
        responder.reply(pack_payload(RegisterAgentReply{"agent-1", 1000}));
        return;
      }
      ++calls;
      responder.reply(pack_payload(std::map<std::string, std::string>{{"who", address()}}));
    };
    handlers.on_close = [this](const RpcConnectionPtr& connection, const Status&) {
      if (connection == agent) agent.reset();
    };
    auto server = rpc_listen(io, "127.0.0.1:0", handlers);
    EXPECT_TRUE(server.is_ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  std::string address() const { return server_->address(); }
  void stop() { server_->stop(); }

  std::atomic<int> registrations{0};
  std::atomic<int> calls{0};
  RpcConnectionPtr agent;  // the registered agent's connection, while open

 private:
  std::unique_ptr<RpcServer> server_;
};

class LeaderZooKeeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (zk_server_unavailable()) return;
    server_ = new ZkTestServer();
    start_status_ = new Status(server_->start());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete start_status_;
    server_ = nullptr;
    start_status_ = nullptr;
  }
  void SetUp() override {
    SKIP_WITHOUT_ZOOKEEPER();
    ASSERT_TRUE(start_status_->is_ok()) << start_status_->to_string();
    url_ = server_->zk_url(std::string("/") +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  static ZkTestServer* server_;
  static Status* start_status_;
  asio::io_context io_;
  // ZkClient completions are posted from the C client's threads: the loop
  // must not stop for lack of work in between (a daemon's loop never does).
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::string url_;
};

ZkTestServer* LeaderZooKeeperTest::server_ = nullptr;
Status* LeaderZooKeeperTest::start_status_ = nullptr;

TEST_F(LeaderZooKeeperTest, TheLocatorNamesTheLowestContenderAndFollowsChanges) {
  std::vector<std::optional<std::string>> told;
  MasterLocator locator(io_, url_,
                        [&](const std::optional<std::string>& leader) { told.push_back(leader); });
  EXPECT_TRUE(locator.zookeeper());
  locator.start();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return locator.connected_to_zookeeper(); }, kWait));
  run_io_for(io_, Duration(300));
  EXPECT_EQ(locator.next(), std::nullopt);  // nobody contends yet
  auto first = std::make_unique<Contender>(io_, url_, "127.0.0.1:1001");
  ASSERT_TRUE(run_io_until(
      io_, [&] { return locator.leader().has_value(); }, kWait));
  EXPECT_EQ(locator.next(), "127.0.0.1:1001");
  Contender second(io_, url_, "127.0.0.1:1002");
  run_io_for(io_, Duration(300));
  EXPECT_EQ(locator.leader(), "127.0.0.1:1001");  // the lowest still leads
  first.reset();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return locator.leader() == "127.0.0.1:1002"; }, kWait));
  EXPECT_EQ(locator.next(), "127.0.0.1:1002");
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0], "127.0.0.1:1001");
  EXPECT_EQ(told[1], "127.0.0.1:1002");
}

class LinkOnZooKeeperTest : public LeaderZooKeeperTest {
 protected:
  void TearDown() override {
    if (link_) link_->stop();
    link_.reset();
    run_io_for(io_, Duration(50));
  }
  void start_link() {
    MasterLink::Callbacks callbacks;
    callbacks.registration = [] { return RegisterAgentCall{}; };
    callbacks.on_request = [](const RpcConnectionPtr&, const RpcMessage&, RpcResponder responder) {
      responder.reply(empty_payload());
    };
    callbacks.on_registered = [this](const RpcConnectionPtr& master) {
      registered_with_.push_back(master->peer_address());
    };
    callbacks.on_lost = [this] { ++lost_; };
    link_ = std::make_unique<MasterLink>(io_, url_, Duration(2000), callbacks);
    link_->start();
  }

  std::unique_ptr<MasterLink> link_;
  std::vector<std::string> registered_with_;
  int lost_ = 0;
};

TEST_F(LinkOnZooKeeperTest, WaitsForALeaderAndRegistersWithIt) {
  FakeMaster master(io_);
  start_link();
  run_io_for(io_, Duration(500));
  EXPECT_TRUE(registered_with_.empty());
  Contender contender(io_, url_, master.address());
  ASSERT_TRUE(run_io_until(
      io_, [&] { return !registered_with_.empty(); }, kWait));
  EXPECT_EQ(registered_with_.front(), master.address());
  EXPECT_EQ(master.registrations, 1);
  EXPECT_EQ(link_->masters(), url_);
}

TEST_F(LinkOnZooKeeperTest, LeavesAMasterThatNoLongerLeadsForTheNewLeader) {
  FakeMaster old_leader(io_);
  FakeMaster new_leader(io_);
  auto first = std::make_unique<Contender>(io_, url_, old_leader.address());
  Contender second(io_, url_, new_leader.address());
  start_link();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return registered_with_.size() == 1; }, kWait));
  EXPECT_EQ(registered_with_[0], old_leader.address());
  ASSERT_TRUE(old_leader.agent);
  // The old leader still runs and keeps the connection open; ZooKeeper names
  // another leader: the link leaves it (within the spread of at most 1 s).
  first.reset();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return registered_with_.size() == 2; }, kWait));
  EXPECT_EQ(registered_with_[1], new_leader.address());
  EXPECT_EQ(lost_, 1);
  ASSERT_TRUE(run_io_until(
      io_, [&] { return old_leader.agent == nullptr; }, Duration(2000)))
      << "the connection to the old leader is still open";
  EXPECT_EQ(old_leader.registrations, 1);
  EXPECT_EQ(new_leader.registrations, 1);
}

TEST_F(LinkOnZooKeeperTest, ALeaderThatDiesIsLeftForTheNextOne) {
  auto old_leader = std::make_unique<FakeMaster>(io_);
  FakeMaster new_leader(io_);
  auto first = std::make_unique<Contender>(io_, url_, old_leader->address());
  Contender second(io_, url_, new_leader.address());
  start_link();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return registered_with_.size() == 1; }, kWait));
  // The old leader dies; its znode goes only with its session, a little later.
  old_leader->stop();
  run_io_for(io_, Duration(300));
  first.reset();
  ASSERT_TRUE(run_io_until(
      io_, [&] { return registered_with_.size() == 2; }, kWait));
  EXPECT_EQ(registered_with_[1], new_leader.address());
}

TEST_F(LeaderZooKeeperTest, TheBlockingClientResolvesZkToTheLeader) {
  asio::io_context masters_io;
  FakeMaster standby_master(masters_io);
  FakeMaster leader(masters_io);
  Contender first(io_, url_, leader.address());
  Contender second(io_, url_, standby_master.address());
  auto work = asio::make_work_guard(masters_io);
  std::thread thread([&] { masters_io.run(); });
  auto client = BlockingRpcClient::connect(url_, Duration(10000));
  ASSERT_TRUE(client.is_ok()) << client.status().message();
  EXPECT_EQ(client->address(), leader.address());
  auto reply = client->call("state.tasks", empty_payload(), Duration(5000));
  EXPECT_TRUE(reply.is_ok()) << reply.status().message();
  EXPECT_EQ(leader.calls, 1);
  EXPECT_EQ(standby_master.calls, 0);
  work.reset();
  asio::post(masters_io, [&] {
    leader.stop();
    standby_master.stop();
    masters_io.stop();
  });
  thread.join();
}

TEST_F(LeaderZooKeeperTest, TheBlockingClientSaysWhenNoMasterLeads) {
  auto client = BlockingRpcClient::connect(url_, Duration(1500));
  ASSERT_FALSE(client.is_ok());
  EXPECT_NE(client.status().message().find("no master leads under " + url_), std::string::npos)
      << client.status().message();
}

}  // namespace
}  // namespace clusterctl
