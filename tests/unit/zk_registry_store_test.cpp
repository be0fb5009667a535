// The registry in a real ZooKeeper server (started by the tests): round
// trips, writes of changed records only, 50,000 agents, fencing, damaged
// records, partial writes, and the Registry's contract over this store.
#include "daemons/master/zk_registry_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "core/asio.hpp"
#include "core/file_frame.hpp"
#include "core/rpc/message.hpp"
#include "daemons/master/registry.hpp"
#include "tests/support/zk_test_server.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

constexpr Duration kAnswer{30000};

// Runs the loop until `call` answers (or a timeout error).
template <typename T, typename Call>
T wait_for(asio::io_context& io, Call call) {
  std::optional<T> result;
  call([&result](T answer) { result.emplace(std::move(answer)); });
  if (!run_io_until(
          io, [&] { return result.has_value(); }, kAnswer)) {
    return T(Status::timeout("no answer in time"));
  }
  return std::move(*result);
}

std::unique_ptr<ZkClient> connect(asio::io_context& io, const std::string& url) {
  auto address = parse_zk_address(url);
  EXPECT_TRUE(address.is_ok()) << address.status().to_string();
  if (!address) return nullptr;
  auto client = ZkClient::start(io, ZkClient::Options{*address, Duration(4000), nullptr});
  EXPECT_TRUE(client.is_ok()) << client.status().to_string();
  if (!client) return nullptr;
  ZkClient* raw = client->get();
  EXPECT_TRUE(run_io_until(
      io, [raw] { return raw->connected(); }, kAnswer));
  return std::move(client).value();
}

RegistryState varied_state() {
  RegistryState state;
  AgentInfo agent;
  agent.id = "agent-1";
  agent.hostname = "h1";
  agent.address = "127.0.0.1:5051";
  agent.resources = *Resources::parse("cpus:4;mem:1024;ports:[31000-32000]");
  agent.attributes = {{"rack", "r1"}};
  state.agents["agent-1"] = agent;
  agent.id = "agent/2";
  state.agents["agent/2"] = agent;
  state.unreachable["agent/2"] = 1700000000.25;
  state.reservations["agent-1"] = *Resources::parse("cpus(eng/ml):1");
  state.reservations["gone"] = *Resources::parse("mem(batch):64");
  FrameworkInfo framework;
  framework.id = "fw-1";
  framework.name = "spark";
  framework.roles = {"eng/ml", "*"};
  framework.checkpoint = true;
  state.frameworks["fw-1"] = framework;
  state.quotas["eng/ml"] = {"eng/ml", *Resources::parse("cpus:2"), *Resources::parse("cpus:8")};
  state.weights["eng/ml"] = 2.5;
  state.weights[".."] = 0.5;
  state.weights[""] = 3;
  return state;
}

RegistryState many_agents(int count) {
  RegistryState state;
  for (int i = 0; i < count; ++i) {
    std::string id = "agent-" + std::to_string(1000000 + i);
    AgentInfo& agent = state.agents[id];
    agent.id = id;
    agent.hostname = "host-" + std::to_string(i) + ".example.org";
    agent.address = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":5051";
    agent.resources = *Resources::parse("cpus:16;mem:65536;disk:100000;ports:[31000-32000]");
    agent.attributes = {{"rack", "r" + std::to_string(i % 40)}};
  }
  return state;
}

// One server for the suite; each test under its own base path.
class ZkRegistryStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (zk_server_unavailable()) return;
    server_ = new ZkTestServer();
    started_ = new Status(server_->start());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete started_;
    server_ = nullptr;
    started_ = nullptr;
  }
  void SetUp() override {
    SKIP_WITHOUT_ZOOKEEPER();
    ASSERT_TRUE(started_->is_ok()) << started_->to_string();
    base_ = std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    client_ = connect(io_, server_->zk_url(base_));
    ASSERT_NE(client_, nullptr);
    ASSERT_TRUE(ensure(base_ + "/leader").is_ok());
    auto fencing = create(base_ + "/leader/member_", "", ZkCreateMode::kEphemeralSequential);
    ASSERT_TRUE(fencing.is_ok()) << fencing.status().to_string();
    fencing_ = *fencing;
  }

  StatusOr<RegistryState> load() {
    return wait_for<StatusOr<RegistryState>>(
        io_, [&](auto done) { ZkRegistryStore::load(*client_, base_, std::move(done)); });
  }
  Status store(ZkRegistryStore& store, const RegistryState& before, const RegistryState& after) {
    return wait_for<Status>(io_, [&](auto done) { store.store(before, after, std::move(done)); });
  }
  Status ensure(const std::string& path) {
    return wait_for<Status>(io_, [&](auto done) { client_->ensure_path(path, std::move(done)); });
  }
  StatusOr<std::string> create(const std::string& path, const std::string& data,
                               ZkCreateMode mode = ZkCreateMode::kPersistent) {
    return wait_for<StatusOr<std::string>>(
        io_, [&](auto done) { client_->create(path, data, mode, std::move(done)); });
  }
  StatusOr<ZkNode> get(const std::string& path) {
    return wait_for<StatusOr<ZkNode>>(io_, [&](auto done) { client_->get(path, std::move(done)); });
  }
  Status set(const std::string& path, const std::string& data) {
    return wait_for<Status>(io_, [&](auto done) { client_->set(path, data, -1, std::move(done)); });
  }
  Status remove(const std::string& path) {
    return wait_for<Status>(io_, [&](auto done) { client_->remove(path, -1, std::move(done)); });
  }
  // The data version of every record znode, by path.
  std::map<std::string, int32_t> record_versions(const RegistryState& state) {
    std::map<std::string, int32_t> versions;
    for (const RecordKey& key : changed_records(RegistryState{}, state)) {
      std::string path = zk_record_path(base_, key);
      auto node = get(path);
      EXPECT_TRUE(node.is_ok()) << node.status().to_string();
      if (node) versions[path] = node->stat.version;
    }
    return versions;
  }
  std::unique_ptr<ZkRegistryStore> make_store(size_t batch_limit = kZkBatchLimit) {
    return std::make_unique<ZkRegistryStore>(*client_, base_, fencing_, batch_limit);
  }

  static ZkTestServer* server_;
  static Status* started_;
  asio::io_context io_;
  // Answers are posted from the C client's thread: keep the loop waiting.
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<ZkClient> client_;
  std::string base_;
  std::string fencing_;
};

ZkTestServer* ZkRegistryStoreTest::server_ = nullptr;
Status* ZkRegistryStoreTest::started_ = nullptr;

TEST_F(ZkRegistryStoreTest, ANewRegistryIsEmptyAndAVariedStateRoundTrips) {
  auto empty = load();
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_EQ(*empty, RegistryState{});
  auto format = get(zk_registry_format_path(base_));
  ASSERT_TRUE(format.is_ok()) << format.status().to_string();

  auto zk = make_store();
  RegistryState state = varied_state();
  Status stored = store(*zk, RegistryState{}, state);
  ASSERT_TRUE(stored.is_ok()) << stored.to_string();
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, state);
  // Roles are encoded, never paths.
  EXPECT_TRUE(get(base_ + "/registry/weights/eng%2Fml").is_ok());
  EXPECT_TRUE(get(base_ + "/registry/weights/%2E%2E").is_ok());

  // And back to nothing: every record goes.
  ASSERT_TRUE(store(*zk, state, RegistryState{}).is_ok());
  EXPECT_EQ(*load(), RegistryState{});
  EXPECT_EQ(get(base_ + "/registry/weights/eng%2Fml").status().kind(), ErrorKind::kNotFound);
}

TEST_F(ZkRegistryStoreTest, OnlyChangedRecordsAreWritten) {
  ASSERT_TRUE(load().is_ok());
  auto zk = make_store();
  RegistryState before = varied_state();
  ASSERT_TRUE(store(*zk, RegistryState{}, before).is_ok());
  std::map<std::string, int32_t> versions = record_versions(before);
  ASSERT_EQ(versions.size(), 8u);

  RegistryState after = before;
  after.unreachable["agent-1"] = 1700000001;  // agent-1: set
  after.weights.erase("..");                  // deleted
  after.frameworks["fw-2"].id = "fw-2";       // created
  ASSERT_TRUE(store(*zk, before, after).is_ok());

  std::string agent_1 = zk_record_path(base_, {RecordKind::kAgent, "agent-1"});
  std::string dots = zk_record_path(base_, {RecordKind::kWeight, ".."});
  std::string fw_2 = zk_record_path(base_, {RecordKind::kFramework, "fw-2"});
  std::map<std::string, int32_t> expected = versions;
  expected[agent_1] += 1;
  expected.erase(dots);
  expected[fw_2] = 0;
  EXPECT_EQ(record_versions(after), expected);
  EXPECT_EQ(get(dots).status().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(*load(), after);
}

TEST_F(ZkRegistryStoreTest, FiftyThousandAgentsRoundTrip) {
  ASSERT_TRUE(load().is_ok());
  auto zk = make_store();
  RegistryState state = many_agents(50000);
  auto start = std::chrono::steady_clock::now();
  Status stored = store(*zk, RegistryState{}, state);
  auto store_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ASSERT_TRUE(stored.is_ok()) << stored.to_string();

  start = std::chrono::steady_clock::now();
  auto loaded = load();
  auto load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->agents.size(), 50000u);
  EXPECT_TRUE(*loaded == state);

  // One change among them writes one record.
  RegistryState after = state;
  after.unreachable["agent-1000777"] = 1700000000;
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store(*zk, state, after).is_ok());
  auto one_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  std::cout << "50,000 agents: stored in " << store_ms << " ms, loaded in " << load_ms
            << " ms; one agent changed among them stored in " << one_ms << " ms" << std::endl;
  // How fast is for the benchmark (docs/PERFORMANCE.md), not for a unit test.
}

TEST_F(ZkRegistryStoreTest, AStoreWhoseFencingNodeIsGoneWritesNothing) {
  ASSERT_TRUE(load().is_ok());
  auto zk = make_store();
  RegistryState before = varied_state();
  ASSERT_TRUE(store(*zk, RegistryState{}, before).is_ok());
  std::map<std::string, int32_t> versions = record_versions(before);

  ASSERT_TRUE(remove(fencing_).is_ok());  // no longer the leader
  RegistryState after = before;
  after.weights["eng/ml"] = 9;
  after.agents.erase("agent-1");
  after.frameworks["fw-2"].id = "fw-2";
  Status refused = store(*zk, before, after);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(refused.message(), zk->description() +
                                   ": batch 1 of 1 failed (nothing written): this master is no "
                                   "longer the leader: its election node " +
                                   fencing_ + " is gone or changed");
  EXPECT_EQ(record_versions(before), versions);
  EXPECT_EQ(get(zk_record_path(base_, {RecordKind::kFramework, "fw-2"})).status().kind(),
            ErrorKind::kNotFound);
  EXPECT_EQ(*load(), before);
}

TEST_F(ZkRegistryStoreTest, AStoreFencedByAClosedSessionWritesNothing) {
  ASSERT_TRUE(load().is_ok());
  // The election node of another session, which then ends (as on expiry).
  auto other = connect(io_, server_->zk_url(base_));
  ASSERT_NE(other, nullptr);
  auto node = wait_for<StatusOr<std::string>>(io_, [&](auto done) {
    other->create(base_ + "/leader/member_", "", ZkCreateMode::kEphemeralSequential,
                  std::move(done));
  });
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  ZkRegistryStore zk(*client_, base_, *node);
  RegistryState state = varied_state();
  ASSERT_TRUE(store(zk, RegistryState{}, state).is_ok());  // while it lives

  other.reset();
  RegistryState after = state;
  after.weights["late"] = 4;
  Status refused = store(zk, state, after);
  EXPECT_EQ(refused.kind(), ErrorKind::kFailedPrecondition) << refused.to_string();
  EXPECT_EQ(*load(), state);
}

TEST_F(ZkRegistryStoreTest, ADamagedRecordStopsTheLoadAndNamesIt) {
  ASSERT_TRUE(load().is_ok());
  auto zk = make_store();
  RegistryState state = varied_state();
  ASSERT_TRUE(store(*zk, RegistryState{}, state).is_ok());
  std::string path = zk_record_path(base_, {RecordKind::kAgent, "agent/2"});
  auto node = get(path);
  ASSERT_TRUE(node.is_ok());
  std::string bytes = node->data;
  bytes[bytes.size() / 2] ^= 0x04;
  ASSERT_TRUE(set(path, bytes).is_ok());

  auto refused = load();
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(),
            "cannot load the registry at " + base_ + "/registry: registry record " + path +
                " is corrupt: checksum mismatch; restore it from a backup, or delete that znode "
                "to drop the record");
}

TEST_F(ZkRegistryStoreTest, ANewerFormatIsRefused) {
  ASSERT_TRUE(load().is_ok());
  FormatRecord newer{kZkRegistryFormat + 1};
  ASSERT_TRUE(set(zk_registry_format_path(base_), frame_file(pack_payload(newer))).is_ok());
  auto refused = load();
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("has format version 2; this clusterctl reads up to 1"),
            std::string::npos)
      << refused.status().message();
}

TEST_F(ZkRegistryStoreTest, APartialWriteLeavesWholeRecordsAndTheNextStoreCompletesIt) {
  ASSERT_TRUE(load().is_ok());
  auto zk = make_store(4 * 1024);  // a few records per batch
  RegistryState after = many_agents(200);
  // A stray node where a record in a later batch goes makes that batch fail.
  RecordKey stray{RecordKind::kAgent, "agent-1000150"};
  ASSERT_TRUE(create(zk_record_path(base_, stray), "").is_ok());
  Status failed = store(*zk, RegistryState{}, after);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.message().find("batches written"), std::string::npos) << failed.message();
  ASSERT_TRUE(remove(zk_record_path(base_, stray)).is_ok());

  // What is there now is a consistent part of `after`.
  auto partial = load();
  ASSERT_TRUE(partial.is_ok()) << partial.status().to_string();
  EXPECT_GT(partial->agents.size(), 0u);
  EXPECT_LT(partial->agents.size(), after.agents.size());
  for (const auto& [id, agent] : partial->agents) EXPECT_EQ(agent, after.agents.at(id));

  // The next store from the same `before` (what the Registry still holds).
  after.weights["w"] = 2;
  Status stored = store(*zk, RegistryState{}, after);
  ASSERT_TRUE(stored.is_ok()) << stored.to_string();
  EXPECT_EQ(*load(), after);
}

TEST_F(ZkRegistryStoreTest, TheRegistryOverZooKeeperKeepsItsContract) {
  auto loaded = load();
  ASSERT_TRUE(loaded.is_ok());
  auto registry = Registry::with_store(io_, std::move(loaded).value(), make_store());
  EXPECT_NE(registry->description().find(base_ + "/registry"), std::string::npos);
  auto update = [&](Registry::Change change) {
    return wait_for<Status>(
        io_, [&](auto done) { registry->update(std::move(change), std::move(done)); });
  };
  ASSERT_TRUE(update([](RegistryState& state) {
                state = varied_state();
                return Status::ok();
              }).is_ok());
  EXPECT_EQ(registry->state().weights.at("eng/ml"), 2.5);

  ASSERT_TRUE(remove(fencing_).is_ok());
  Status failed = update([](RegistryState& state) {
    state.weights["eng/ml"] = 7;
    state.agents.clear();
    return Status::ok();
  });
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.message().rfind("registry not updated: ", 0), 0u) << failed.message();
  EXPECT_EQ(registry->state(), varied_state());
  registry.reset();
  EXPECT_EQ(*load(), varied_state());
}

}  // namespace
}  // namespace clusterctl
