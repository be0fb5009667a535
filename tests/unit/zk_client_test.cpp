// ZkClient against a real ZooKeeper server (started by the tests): node
// operations, watches, multi, and session events across server outages.
// Also part of thread_tests (ThreadSanitizer): the C client has threads.
#include "core/zk/zk_client.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "tests/support/tcp_test_proxy.hpp"
#include "tests/support/zk_test_server.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

constexpr Duration kAnswer{15000};

// Runs the loop until `call` answers; the answer, or a timeout error.
template <typename T, typename Call>
T await(asio::io_context& io, Call call) {
  std::optional<T> result;
  call([&result](T answer) { result.emplace(std::move(answer)); });
  if (!run_io_until(
          io, [&] { return result.has_value(); }, kAnswer)) {
    return T(Status::timeout("no answer from the ZkClient"));
  }
  return std::move(*result);
}

// A client, its session events, and blocking helpers for tests.
struct Session {
  asio::io_context& io;
  std::vector<ZkSessionEvent> events;
  std::unique_ptr<ZkClient> client;

  Session(asio::io_context& io, const std::string& url, Duration timeout = Duration(4000))
      : io(io) {
    auto address = parse_zk_address(url);
    EXPECT_TRUE(address.is_ok()) << address.status().to_string();
    if (!address.is_ok()) return;
    ZkClient::Options options{*address, timeout,
                              [this](ZkSessionEvent event) { events.push_back(event); }};
    auto started = ZkClient::start(io, std::move(options));
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    if (started.is_ok()) client = std::move(*started);
  }
  bool saw(ZkSessionEvent event) const {
    return std::find(events.begin(), events.end(), event) != events.end();
  }
  // Until the session reports `event` (counting from events already seen).
  bool wait_for(ZkSessionEvent event, Duration deadline = kAnswer) {
    return run_io_until(
        io, [&] { return saw(event); }, deadline);
  }
  bool connect() { return client && wait_for(ZkSessionEvent::kConnected); }

  StatusOr<std::string> create(const std::string& path, const std::string& data,
                               ZkCreateMode mode = ZkCreateMode::kPersistent) {
    return await<StatusOr<std::string>>(
        io, [&](auto done) { client->create(path, data, mode, std::move(done)); });
  }
  Status ensure(const std::string& path) {
    return await<Status>(io, [&](auto done) { client->ensure_path(path, std::move(done)); });
  }
  StatusOr<ZkNode> get(const std::string& path, ZkClient::Watch watch = nullptr) {
    return await<StatusOr<ZkNode>>(
        io, [&](auto done) { client->get(path, std::move(done), std::move(watch)); });
  }
  Status set(const std::string& path, const std::string& data, int32_t version = -1) {
    return await<Status>(io, [&](auto done) { client->set(path, data, version, std::move(done)); });
  }
  StatusOr<std::vector<std::string>> children(const std::string& path,
                                              ZkClient::Watch watch = nullptr) {
    return await<StatusOr<std::vector<std::string>>>(
        io, [&](auto done) { client->children(path, std::move(done), std::move(watch)); });
  }
  StatusOr<std::optional<ZkStat>> exists(const std::string& path, ZkClient::Watch watch = nullptr) {
    return await<StatusOr<std::optional<ZkStat>>>(
        io, [&](auto done) { client->exists(path, std::move(done), std::move(watch)); });
  }
  Status remove(const std::string& path, int32_t version = -1) {
    return await<Status>(io, [&](auto done) { client->remove(path, version, std::move(done)); });
  }
  Status multi(std::vector<ZkOp> ops) {
    return await<Status>(io, [&](auto done) { client->multi(std::move(ops), std::move(done)); });
  }
};

// One server for the tests that do not stop it; each test under its own root.
class ZkClientTest : public ::testing::Test {
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
    root_ = std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    session_.emplace(io_, server_->zk_url(root_));
    ASSERT_TRUE(session_->connect());
    ASSERT_TRUE(session_->ensure(root_).is_ok());
  }
  Session& zk() { return *session_; }

  static ZkTestServer* server_;
  static Status* start_status_;
  asio::io_context io_;
  // Completions arrive from the C client's thread while the loop waits.
  asio::executor_work_guard<asio::io_context::executor_type> busy_ = asio::make_work_guard(io_);
  std::string root_;
  std::optional<Session> session_;
};

ZkTestServer* ZkClientTest::server_ = nullptr;
Status* ZkClientTest::start_status_ = nullptr;

TEST_F(ZkClientTest, CreateGetSetChildrenExistsRemove) {
  std::string a = root_ + "/a";
  auto created = zk().create(a, "one");
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  EXPECT_EQ(*created, a);

  auto node = zk().get(a);
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  EXPECT_EQ(node->data, "one");
  EXPECT_EQ(node->stat.version, 0);
  EXPECT_EQ(node->stat.ephemeral_owner, 0);
  EXPECT_GT(node->stat.ctime_ms, 1600000000000);

  EXPECT_TRUE(zk().set(a, "two", 0).is_ok());
  node = zk().get(a);
  ASSERT_TRUE(node.is_ok());
  EXPECT_EQ(node->data, "two");
  EXPECT_EQ(node->stat.version, 1);

  ASSERT_TRUE(zk().create(root_ + "/b", "").is_ok());
  auto names = zk().children(root_);
  ASSERT_TRUE(names.is_ok()) << names.status().to_string();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));

  auto stat = zk().exists(a);
  ASSERT_TRUE(stat.is_ok());
  ASSERT_TRUE(stat->has_value());
  EXPECT_EQ((*stat)->version, 1);
  auto root_stat = zk().exists(root_);
  ASSERT_TRUE(root_stat.is_ok() && root_stat->has_value());
  EXPECT_EQ((*root_stat)->num_children, 2);
  auto missing = zk().exists(root_ + "/none");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());

  EXPECT_TRUE(zk().remove(a, 1).is_ok());
  EXPECT_FALSE(zk().exists(a)->has_value());
  EXPECT_EQ(zk().get(root_ + "/b")->data, "");
}

TEST_F(ZkClientTest, ErrorsMapToKindsAndNameThePath) {
  std::string a = root_ + "/a";
  ASSERT_TRUE(zk().create(a, "x").is_ok());

  auto again = zk().create(a, "y");
  EXPECT_EQ(again.status().kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "zookeeper create " + a + ": node exists");

  auto none = zk().get(root_ + "/none");
  EXPECT_EQ(none.status().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(none.status().message(), "zookeeper get " + root_ + "/none: no node");

  auto orphan = zk().create(root_ + "/no/parent", "");
  EXPECT_EQ(orphan.status().kind(), ErrorKind::kNotFound);

  Status stale = zk().set(a, "z", 7);
  EXPECT_EQ(stale.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(stale.message(), "zookeeper set " + a + ": bad version");
  EXPECT_EQ(zk().remove(a, 3).kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(zk().remove(root_ + "/none").kind(), ErrorKind::kNotFound);
  EXPECT_EQ(zk().children(root_ + "/none").status().kind(), ErrorKind::kNotFound);

  Status not_empty = zk().remove(root_);
  EXPECT_EQ(not_empty.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(not_empty.message(), "zookeeper delete " + root_ + ": not empty");

  auto bad_path = zk().get("relative/path");
  EXPECT_EQ(bad_path.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad_path.status().message(), "zookeeper get relative/path: bad arguments");

  auto too_big = zk().create(root_ + "/big", std::string(1024 * 1024, 'x'));
  EXPECT_EQ(too_big.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(zk().client->connected());
}

TEST_F(ZkClientTest, EnsurePathCreatesEveryMissingParent) {
  std::string deep = root_ + "/x/y/z";
  ASSERT_TRUE(zk().ensure(deep).is_ok());
  EXPECT_TRUE(zk().exists(root_ + "/x")->has_value());
  EXPECT_TRUE(zk().exists(deep)->has_value());
  EXPECT_TRUE(zk().ensure(deep).is_ok());  // all there already
  EXPECT_TRUE(zk().ensure(root_ + "/x/w").is_ok());
  auto names = zk().children(root_ + "/x");
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(names->size(), 2u);
}

TEST_F(ZkClientTest, EphemeralNodesVanishWhenTheClientIsDestroyed) {
  Session other(io_, server_->zk_url(root_));
  ASSERT_TRUE(other.connect());
  std::string path = root_ + "/leader";
  ASSERT_TRUE(other.create(path, "me", ZkCreateMode::kEphemeral).is_ok());
  auto stat = zk().exists(path);
  ASSERT_TRUE(stat.is_ok() && stat->has_value());
  EXPECT_EQ((*stat)->ephemeral_owner, other.client->session_id());
  EXPECT_NE(other.client->session_id(), 0);

  other.client.reset();  // closes the session: the node goes at once
  auto after = zk().exists(path);
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(after->has_value());
}

TEST_F(ZkClientTest, SequentialNodesGetIncreasingNames) {
  std::vector<std::string> created;
  for (int i = 0; i < 3; ++i) {
    auto path = zk().create(root_ + "/member-", "m", ZkCreateMode::kEphemeralSequential);
    ASSERT_TRUE(path.is_ok()) << path.status().to_string();
    created.push_back(*path);
  }
  EXPECT_EQ(created,
            (std::vector<std::string>{root_ + "/member-0000000000", root_ + "/member-0000000001",
                                      root_ + "/member-0000000002"}));
  auto names = zk().children(root_);
  ASSERT_TRUE(names.is_ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(names->front(), "member-0000000000");
}

TEST_F(ZkClientTest, AChildrenWatchFiresOnceOnAChange) {
  int fired = 0;
  auto names = zk().children(root_, [&] { ++fired; });
  ASSERT_TRUE(names.is_ok());
  EXPECT_TRUE(names->empty());
  run_io_for(io_, Duration(200));
  EXPECT_EQ(fired, 0);

  ASSERT_TRUE(zk().create(root_ + "/c1", "").is_ok());
  ASSERT_TRUE(run_io_until(io_, [&] { return fired == 1; }));
  ASSERT_TRUE(zk().create(root_ + "/c2", "").is_ok());
  ASSERT_TRUE(zk().remove(root_ + "/c1").is_ok());
  run_io_for(io_, Duration(300));
  EXPECT_EQ(fired, 1);  // one-shot
}

TEST_F(ZkClientTest, AnExistsWatchFiresOnCreationAndAGetWatchOnChange) {
  std::string path = root_ + "/later";
  bool created = false;
  auto none = zk().exists(path, [&] { created = true; });
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(zk().create(path, "v1").is_ok());
  EXPECT_TRUE(run_io_until(io_, [&] { return created; }));

  bool changed = false;
  ASSERT_TRUE(zk().get(path, [&] { changed = true; }).is_ok());
  ASSERT_TRUE(zk().set(path, "v2").is_ok());
  EXPECT_TRUE(run_io_until(io_, [&] { return changed; }));

  bool deleted = false;
  ASSERT_TRUE(zk().exists(path, [&] { deleted = true; }).is_ok());
  ASSERT_TRUE(zk().remove(path).is_ok());
  EXPECT_TRUE(run_io_until(io_, [&] { return deleted; }));
}

TEST_F(ZkClientTest, AGetOfAMissingNodeSetsNoWatch) {
  bool fired = false;
  auto none = zk().get(root_ + "/ghost", [&] { fired = true; });
  EXPECT_EQ(none.status().kind(), ErrorKind::kNotFound);
  ASSERT_TRUE(zk().create(root_ + "/ghost", "").is_ok());
  run_io_for(io_, Duration(300));
  EXPECT_FALSE(fired);
}

TEST_F(ZkClientTest, NothingRunsAfterTheClientIsDestroyed) {
  Session other(io_, server_->zk_url(root_));
  ASSERT_TRUE(other.connect());
  bool answered = false;
  bool watched = false;
  ASSERT_TRUE(zk().create(root_ + "/w", "").is_ok());
  ASSERT_TRUE(other.get(root_ + "/w", [&] { watched = true; }).is_ok());
  other.client->get(root_ + "/w", [&](StatusOr<ZkNode>) { answered = true; });
  other.client.reset();
  ASSERT_TRUE(zk().set(root_ + "/w", "changed").is_ok());
  run_io_for(io_, Duration(300));
  EXPECT_FALSE(answered);
  EXPECT_FALSE(watched);
}

TEST_F(ZkClientTest, AMultiIsAllOrNothing) {
  std::string m = root_ + "/m";
  ASSERT_TRUE(zk().create(m, "v0").is_ok());

  Status failed = zk().multi({ZkOp::create(m + "/a", "a"), ZkOp::set(m, "v1"), ZkOp::check(m, 7)});
  EXPECT_EQ(failed.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(failed.message(),
            "zookeeper multi: operation 3 of 3 (check " + m + ") failed: bad version");
  EXPECT_FALSE(zk().exists(m + "/a")->has_value());
  EXPECT_EQ(zk().get(m)->data, "v0");

  Status exists = zk().multi({ZkOp::create(m + "/b", ""), ZkOp::create(m + "/b", "")});
  EXPECT_EQ(exists.kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(exists.message(),
            "zookeeper multi: operation 2 of 2 (create " + m + "/b) failed: node exists");
  EXPECT_FALSE(zk().exists(m + "/b")->has_value());

  Status missing = zk().multi({ZkOp::remove(m + "/none"), ZkOp::set(m, "v1")});
  EXPECT_EQ(missing.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.message(),
            "zookeeper multi: operation 1 of 2 (delete " + m + "/none) failed: no node");

  Status ok = zk().multi({ZkOp::check(m, 0), ZkOp::create(m + "/a", "a"), ZkOp::set(m, "v1", 0),
                          ZkOp::create(m + "/b", "b"), ZkOp::remove(m + "/b")});
  EXPECT_TRUE(ok.is_ok()) << ok.to_string();
  EXPECT_EQ(zk().get(m + "/a")->data, "a");
  EXPECT_EQ(zk().get(m)->data, "v1");
  EXPECT_FALSE(zk().exists(m + "/b")->has_value());
  EXPECT_TRUE(zk().multi({}).is_ok());
}

TEST_F(ZkClientTest, AMultiNearTheMegabyteLimitWorks) {
  std::string big = root_ + "/big";
  ASSERT_TRUE(zk().create(big, "").is_ok());
  std::vector<ZkOp> ops;
  const size_t part = 200 * 1024;  // five parts: 1000 KB of data in one request
  for (int i = 0; i < 5; ++i) {
    ops.push_back(ZkOp::create(big + "/p" + std::to_string(i), std::string(part, 'a' + i)));
  }
  Status status = zk().multi(ops);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  auto node = zk().get(big + "/p4");
  ASSERT_TRUE(node.is_ok());
  EXPECT_EQ(node->data, std::string(part, 'e'));

  ops.push_back(ZkOp::create(big + "/p5", std::string(part, 'f')));
  Status too_big = zk().multi(ops);
  EXPECT_EQ(too_big.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(too_big.message().find("bytes of requests (at most"), std::string::npos)
      << too_big.message();
  EXPECT_TRUE(zk().exists(big + "/p0")->has_value());  // the session is still fine
}

TEST_F(ZkClientTest, DigestCredentialsProtectWhatTheyCreate) {
  Session owner(io_, "zk://alice:secret@" + server_->connect_string() + root_);
  ASSERT_TRUE(owner.connect());
  std::string path = root_ + "/owned";
  ASSERT_TRUE(owner.create(path, "mine").is_ok());
  EXPECT_TRUE(owner.set(path, "still mine").is_ok());

  EXPECT_EQ(zk().get(path)->data, "still mine");  // anyone reads
  Status other = zk().set(path, "theirs");        // only the creator writes
  EXPECT_EQ(other.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(other.message(), "zookeeper set " + path + ": not authenticated");
}

// Session events, each test with its own server (they stop it).
TEST(ZkSessionTest, ConnectedThenDisconnectedWhileTheServerIsDown) {
  SKIP_WITHOUT_ZOOKEEPER();
  ZkTestServer server;
  ASSERT_TRUE(server.start().is_ok());
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  Session zk(io, server.zk_url("/s"), Duration(4000));
  EXPECT_FALSE(zk.client->connected());
  EXPECT_EQ(zk.client->session_id(), 0);
  ASSERT_TRUE(zk.connect());
  EXPECT_TRUE(zk.client->connected());
  EXPECT_NE(zk.client->session_id(), 0);
  EXPECT_EQ(zk.client->session_timeout(), Duration(4000));
  int64_t session = zk.client->session_id();

  server.stop();
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kDisconnected, Duration(10000)));
  EXPECT_FALSE(zk.client->connected());
  auto down = zk.get("/zookeeper");
  EXPECT_EQ(down.status().kind(), ErrorKind::kUnavailable) << down.status().to_string();

  zk.events.clear();
  ASSERT_TRUE(server.start().is_ok());
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kConnected, Duration(15000)));
  EXPECT_EQ(zk.client->session_id(), session);  // the same session
  EXPECT_TRUE(zk.ensure("/s").is_ok());
}

// ZooKeeper does not expire sessions while it is down (a restarted server
// gives every session a new timeout): a session expires when its client
// cannot reach a server that runs, as behind a cut network.
TEST(ZkSessionTest, ExpiredWhenCutOffLongerThanTheSessionTimeout) {
  SKIP_WITHOUT_ZOOKEEPER();
  ZkTestServer server;
  ASSERT_TRUE(server.start().is_ok());
  TcpTestProxy proxy(server.port());
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  Session zk(io, "zk://" + proxy.address() + "/s", Duration(2000));
  ASSERT_TRUE(zk.connect());
  ASSERT_TRUE(zk.create("/s-owner", "", ZkCreateMode::kEphemeral).is_ok());

  proxy.cut();
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kDisconnected, Duration(10000)));
  run_io_for(io, Duration(4000));                  // the server expires the session meanwhile
  EXPECT_FALSE(zk.saw(ZkSessionEvent::kExpired));  // the client cannot know yet
  proxy.resume();
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kExpired, Duration(15000)));
  EXPECT_FALSE(zk.client->connected());

  auto dead = zk.get("/s-owner");
  EXPECT_EQ(dead.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(dead.status().message(), "zookeeper get /s-owner: invalid zhandle state");

  Session other(io, server.zk_url("/s"));
  ASSERT_TRUE(other.connect());
  EXPECT_FALSE(other.exists("/s-owner")->has_value());  // gone with the session
}

// The same outage with the server itself down does not expire the session.
TEST(ZkSessionTest, AServerDownLongerThanTheSessionTimeoutKeepsTheSession) {
  SKIP_WITHOUT_ZOOKEEPER();
  ZkTestServer server;
  ASSERT_TRUE(server.start().is_ok());
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  Session zk(io, server.zk_url("/s"), Duration(2000));
  ASSERT_TRUE(zk.connect());
  int64_t session = zk.client->session_id();
  ASSERT_TRUE(zk.create("/s-kept", "", ZkCreateMode::kEphemeral).is_ok());
  server.stop();
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kDisconnected, Duration(10000)));
  run_io_for(io, Duration(3000));
  zk.events.clear();
  ASSERT_TRUE(server.start().is_ok());
  ASSERT_TRUE(zk.wait_for(ZkSessionEvent::kConnected, Duration(15000)));
  EXPECT_FALSE(zk.saw(ZkSessionEvent::kExpired));
  EXPECT_EQ(zk.client->session_id(), session);
  EXPECT_TRUE(zk.exists("/s-kept")->has_value());
}

// Through an ensemble, a session lives on while any quorum serves: each node
// in turn goes down and comes back, and the client keeps writing.
TEST(ZkEnsembleTest, ASessionOutlivesTheLossOfAnyOneNode) {
  SKIP_WITHOUT_ZOOKEEPER();
  ZkTestEnsemble ensemble;
  Status started = ensemble.start();
  ASSERT_TRUE(started.is_ok()) << started.to_string();
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  Session zk(io, ensemble.zk_url("/e"), Duration(4000));
  ASSERT_TRUE(zk.connect());
  int64_t session = zk.client->session_id();
  ASSERT_TRUE(zk.ensure("/e").is_ok());
  for (int n = 1; n <= ensemble.size(); ++n) {
    ensemble.stop_node(n);
    std::string path = "/e/without-" + std::to_string(n);
    StatusOr<std::string> created = Status::unavailable("not tried");
    // Two JVMs electing a new leader on a loaded 2-core machine can take
    // most of a minute: the bound is generous, the check is that it happens.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (created.status().kind() == ErrorKind::kUnavailable &&
           std::chrono::steady_clock::now() < deadline) {
      created = zk.create(path, "");
      if (!created.is_ok()) run_io_for(io, Duration(200));
    }
    // A create lost with the connection may have been applied.
    EXPECT_TRUE(created.is_ok() || created.status().kind() == ErrorKind::kAlreadyExists)
        << created.status().to_string();
    Status back = ensemble.start_node(n);
    ASSERT_TRUE(back.is_ok()) << back.to_string();
  }
  EXPECT_FALSE(zk.saw(ZkSessionEvent::kExpired));
  EXPECT_EQ(zk.client->session_id(), session);
  auto names = zk.children("/e");
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(names->size(), 3u);
}

}  // namespace
}  // namespace clusterctl
