// The registry's ZooKeeper layout without a server: znode names for any key,
// records and their checks, the difference between two states as
// operations, and the batches they are cut into.
#include "daemons/master/zk_registry_records.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "core/file_frame.hpp"
#include "core/rpc/message.hpp"
#include "core/zk/znode_name.hpp"
#include "daemons/master/zk_registry_writes.hpp"

namespace clusterctl {
namespace {

const std::string kBase = "/clusterctl";

TEST(ZnodeNameTest, HostileKeysRoundTripAsPlainNames) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  const std::vector<std::string> keys = {
      "",       ".",           "..",         "...",     "eng/ml",   "/",
      "a/../b", "zookeeper",   "%",          "%2F",     "a b\tc\n", std::string(1, '\0'),
      "*",      "r\xC3\xA9le", "agent-0f1e", all_bytes, "100%",     "%%",
      "-.-_"};
  std::set<std::string> names;
  for (const std::string& key : keys) {
    std::string name = encode_znode_name(key);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_EQ(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789._-%"),
              std::string::npos)
        << name;
    auto decoded = decode_znode_name(name);
    ASSERT_TRUE(decoded.has_value()) << name;
    EXPECT_EQ(*decoded, key) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), keys.size()) << "two keys share a name";
  EXPECT_EQ(encode_znode_name("eng/ml"), "eng%2Fml");
  EXPECT_EQ(encode_znode_name("agent-1.b_c"), "agent-1.b_c");
  EXPECT_EQ(encode_znode_name(".."), "%2E%2E");
}

TEST(ZnodeNameTest, NamesEncodingNeverMakesAreRefused) {
  for (const char* name :
       {"%41", "%2f", "%2", "%", "a%", "%zz", "eng/ml", ".", "..", "a b", "%2E."}) {
    if (std::string(name) == "%") continue;  // the empty key
    EXPECT_FALSE(decode_znode_name(name).has_value()) << name;
  }
  EXPECT_EQ(decode_znode_name("%"), std::string());
  EXPECT_EQ(decode_znode_name("..."), std::string("..."));
}

RegistryState varied_state() {
  RegistryState state;
  AgentInfo agent;
  agent.id = "agent-1";
  agent.hostname = "h1";
  agent.address = "127.0.0.1:5051";
  agent.resources = *Resources::parse("cpus:4;mem:1024;ports:[31000-32000]");
  agent.attributes = {{"rack", "r1"}, {"zone", "eu/1"}};
  state.agents["agent-1"] = agent;
  agent.id = "agent/2";
  state.agents["agent/2"] = agent;
  state.unreachable["agent/2"] = 1700000000.25;
  state.reservations["agent-1"] = *Resources::parse("cpus(eng/ml):1");
  // Reservations and an unreachable time of an agent no longer admitted.
  state.reservations["gone"] = *Resources::parse("mem(batch):64");
  state.unreachable["gone"] = 1600000000;
  FrameworkInfo framework;
  framework.id = "fw-1";
  framework.name = "spark";
  framework.roles = {"eng/ml", "*"};
  framework.partition_aware = true;
  framework.failover_timeout = 60;
  state.frameworks["fw-1"] = framework;
  state.quotas["eng/ml"] = {"eng/ml", *Resources::parse("cpus:2"), *Resources::parse("cpus:8")};
  state.weights["eng/ml"] = 2.5;
  state.weights["*"] = 1;
  state.weights[".."] = 0.5;
  return state;
}

// Every record of `state` through bytes and back.
RegistryState through_records(const RegistryState& state) {
  RegistryState empty;
  RegistryState loaded;
  for (const RecordKey& key : changed_records(empty, state)) {
    auto bytes = encode_record(state, key);
    EXPECT_TRUE(bytes.has_value());
    std::string path = zk_record_path(kBase, key);
    std::string name = path.substr(path.rfind('/') + 1);
    Status added = decode_record_into(key.kind, name, *bytes, path, loaded);
    EXPECT_TRUE(added.is_ok()) << added.to_string();
  }
  return loaded;
}

TEST(ZkRegistryRecordsTest, EveryRecordRoundTrips) {
  RegistryState state = varied_state();
  EXPECT_EQ(through_records(state), state);
  EXPECT_EQ(changed_records(RegistryState{}, state).size(), 3u + 1 + 1 + 3);
}

TEST(ZkRegistryRecordsTest, PathsAreUnderTheirDirectories) {
  EXPECT_EQ(zk_record_path(kBase, {RecordKind::kWeight, "eng/ml"}),
            "/clusterctl/registry/weights/eng%2Fml");
  EXPECT_EQ(zk_record_path(kBase, {RecordKind::kFramework, "fw-1"}),
            "/clusterctl/registry/frameworks/fw-1");
  std::string agent = zk_record_path(kBase, {RecordKind::kAgent, "agent-1"});
  EXPECT_EQ(agent, "/clusterctl/registry/agents/" + zk_agent_bucket("agent-1") + "/agent-1");
  auto directories = zk_registry_directories(kBase);
  EXPECT_EQ(directories.size(), 1u + kZkAgentBuckets + 3);
  EXPECT_NE(std::find(directories.begin(), directories.end(),
                      "/clusterctl/registry/agents/" + zk_agent_bucket("agent-1")),
            directories.end());
  // Ids spread over the buckets.
  std::set<std::string> buckets;
  for (int i = 0; i < 1000; ++i) buckets.insert(zk_agent_bucket("agent-" + std::to_string(i)));
  EXPECT_EQ(buckets.size(), size_t(kZkAgentBuckets));
}

TEST(ZkRegistryRecordsTest, ADamagedRecordIsRefusedWithItsPath) {
  RegistryState state = varied_state();
  RecordKey key{RecordKind::kAgent, "agent-1"};
  std::string bytes = *encode_record(state, key);
  std::string path = zk_record_path(kBase, key);
  std::string name = path.substr(path.rfind('/') + 1);
  for (size_t at = 0; at < bytes.size(); ++at) {
    std::string changed = bytes;
    changed[at] ^= 0x10;
    RegistryState loaded;
    Status refused = decode_record_into(key.kind, name, changed, path, loaded);
    ASSERT_FALSE(refused.is_ok()) << "byte " << at;
    EXPECT_EQ(refused.message().rfind("registry record " + path + " is corrupt: ", 0), 0u)
        << refused.message();
    EXPECT_TRUE(loaded.agents.empty());
  }
}

TEST(ZkRegistryRecordsTest, ARecordUnderAnotherNameOrBucketIsRefused) {
  RegistryState state = varied_state();
  std::string bytes = *encode_record(state, {RecordKind::kWeight, "eng/ml"});
  RegistryState loaded;
  Status misnamed = decode_record_into(RecordKind::kWeight, "other", bytes,
                                       "/clusterctl/registry/weights/other", loaded);
  EXPECT_NE(misnamed.message().find("it holds 'eng/ml', not the 'other' its name says"),
            std::string::npos)
      << misnamed.message();
  std::string agent = *encode_record(state, {RecordKind::kAgent, "agent-1"});
  std::string wrong_bucket = zk_agent_bucket("agent-1") == "00" ? "01" : "00";
  Status misplaced =
      decode_record_into(RecordKind::kAgent, "agent-1", agent,
                         "/clusterctl/registry/agents/" + wrong_bucket + "/agent-1", loaded);
  EXPECT_NE(misplaced.message().find("belongs in bucket " + zk_agent_bucket("agent-1")),
            std::string::npos)
      << misplaced.message();
  Status badly_named = decode_record_into(RecordKind::kWeight, "eng/ml", bytes, "/x", loaded);
  EXPECT_NE(badly_named.message().find("not an encoded key"), std::string::npos);
  EXPECT_TRUE(loaded.weights.empty());
  EXPECT_TRUE(loaded.agents.empty());
}

TEST(ZkRegistryRecordsTest, ANewerFormatIsRefused) {
  EXPECT_EQ(*decode_format_record(encode_format_record(), "/f"), kZkRegistryFormat);
  FormatRecord newer{kZkRegistryFormat + 1};
  auto refused = decode_format_record(frame_file(pack_payload(newer)), "/c/registry/format");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "the registry in ZooKeeper (/c/registry/format) has format version 2; this "
            "clusterctl reads up to 1: upgrade clusterctl");
}

TEST(ZkRegistryWritesTest, OnlyChangedRecordsAreWritten) {
  RegistryState before = varied_state();
  RegistryState after = before;
  EXPECT_TRUE(changed_records(before, after).empty());
  after.unreachable.erase("agent/2");      // agent/2: set
  after.reservations.erase("gone");        // gone: still unreachable, set
  after.agents["agent-3"].id = "agent-3";  // agent-3: create
  after.frameworks.erase("fw-1");          // fw-1: delete
  after.weights["eng/ml"] = 3;             // set
  std::vector<RecordWrite> writes = record_writes(before, after, {});
  std::vector<RecordOp> ops = record_ops(kBase, writes, {});
  std::map<std::string, ZkOp::Type> by_path;
  for (const RecordOp& op : ops) by_path[op.op.path] = op.op.type;
  std::map<std::string, ZkOp::Type> expected = {
      {zk_record_path(kBase, {RecordKind::kAgent, "agent/2"}), ZkOp::Type::kSet},
      {zk_record_path(kBase, {RecordKind::kAgent, "gone"}), ZkOp::Type::kSet},
      {zk_record_path(kBase, {RecordKind::kAgent, "agent-3"}), ZkOp::Type::kCreate},
      {zk_record_path(kBase, {RecordKind::kFramework, "fw-1"}), ZkOp::Type::kDelete},
      {zk_record_path(kBase, {RecordKind::kWeight, "eng/ml"}), ZkOp::Type::kSet},
  };
  EXPECT_EQ(by_path, expected);
  for (const RecordOp& op : ops) {
    EXPECT_EQ(op.exists_after, op.op.type != ZkOp::Type::kDelete);
    if (op.op.type == ZkOp::Type::kDelete) continue;
    EXPECT_EQ(op.op.data, *encode_record(after, op.key));
  }
}

TEST(ZkRegistryWritesTest, WhatAPartialWriteLeftDecidesCreateOrSet) {
  RegistryState before;
  RegistryState after;
  after.weights["a"] = 2;
  after.weights["b"] = 3;
  // An earlier store created "a" and deleted "c" before it failed; "c" was in
  // neither state since.
  std::vector<RecordKey> also = {{RecordKind::kWeight, "a"}, {RecordKind::kWeight, "c"}};
  std::map<RecordKey, bool> known = {{also[0], true}, {also[1], false}};
  auto ops = record_ops(kBase, record_writes(before, after, also), known);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].op.type, ZkOp::Type::kSet);     // a: exists, though `before` lacks it
  EXPECT_EQ(ops[1].op.type, ZkOp::Type::kCreate);  // b
  // The same with "c" left behind by the partial write: it goes.
  known[also[1]] = true;
  ops = record_ops(kBase, record_writes(before, after, also), known);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[2].op.type, ZkOp::Type::kDelete);
  EXPECT_EQ(ops[2].op.path, zk_record_path(kBase, {RecordKind::kWeight, "c"}));
}

RegistryState many_agents(int count) {
  RegistryState state;
  for (int i = 0; i < count; ++i) {
    AgentInfo& agent = state.agents["agent-" + std::to_string(i)];
    agent.id = "agent-" + std::to_string(i);
    agent.hostname = "host-" + std::to_string(i) + ".example.org";
    agent.address = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":5051";
    agent.resources = *Resources::parse("cpus:16;mem:65536;disk:100000;ports:[31000-32000]");
  }
  return state;
}

TEST(ZkRegistryWritesTest, EveryBatchStaysUnderTheLimitAndStartsWithTheFencingCheck) {
  RegistryState after = many_agents(5000);
  auto ops = record_ops(kBase, record_writes(RegistryState{}, after, {}), {});
  ASSERT_EQ(ops.size(), 5000u);
  const size_t limit = 64 * 1024;
  auto batches = make_batches(ops, "/clusterctl/leader/member_0000000007", limit);
  ASSERT_TRUE(batches.is_ok()) << batches.status().to_string();
  ASSERT_GT(batches->size(), 5u);
  size_t records = 0;
  for (const ZkBatch& batch : *batches) {
    ASSERT_GE(batch.ops.size(), 2u);
    EXPECT_EQ(batch.ops[0].type, ZkOp::Type::kCheck);
    EXPECT_EQ(batch.ops[0].path, "/clusterctl/leader/member_0000000007");
    EXPECT_EQ(batch.ops[0].version, 0);
    size_t bytes = 0;
    for (const ZkOp& op : batch.ops) bytes += op.path.size() + op.data.size();
    EXPECT_LE(bytes, limit);
    EXPECT_LE(batch.bytes, limit);
    EXPECT_EQ(batch.keys.size(), batch.ops.size() - 1);
    for (size_t i = 0; i < batch.keys.size(); ++i) {
      EXPECT_EQ(batch.ops[i + 1].path, zk_record_path(kBase, batch.keys[i]));
    }
    records += batch.keys.size();
  }
  EXPECT_EQ(records, 5000u);  // in order, none lost
  EXPECT_EQ((*batches)[0].keys[0], ops[0].key);
  EXPECT_EQ(batches->back().keys.back(), ops.back().key);
}

TEST(ZkRegistryWritesTest, ARecordTooBigForANodeIsRefusedBeforeAnyWrite) {
  RegistryState after;
  after.agents["big"].id = "big";
  after.agents["big"].attributes["blob"] = std::string(kZkRecordLimit + 1, 'x');
  after.weights["w"] = 2;
  auto batches =
      make_batches(record_ops(kBase, record_writes(RegistryState{}, after, {}), {}), "/f");
  ASSERT_FALSE(batches.is_ok());
  EXPECT_NE(batches.status().message().find("registry record of agent 'big' takes"),
            std::string::npos)
      << batches.status().message();
  // A record over the batch limit but under the node limit goes alone.
  after.agents["big"].attributes["blob"] = std::string(kZkBatchLimit, 'x');
  batches = make_batches(record_ops(kBase, record_writes(RegistryState{}, after, {}), {}), "/f");
  ASSERT_TRUE(batches.is_ok());
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ((*batches)[0].ops.size(), 2u);
}

TEST(ZkRegistryWritesTest, TheDifferenceOf50000AgentsIsTheOneChangedRecord) {
  RegistryState before = many_agents(50000);
  RegistryState after = before;
  after.unreachable["agent-777"] = 1700000000;
  auto writes = record_writes(before, after, {});
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].key, (RecordKey{RecordKind::kAgent, "agent-777"}));
}

}  // namespace
}  // namespace clusterctl
