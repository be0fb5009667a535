// The agent's /files endpoints on real files: reads with offsets, sizes,
// listings, msgpack answers, and every way out of the sandbox root refused.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <msgpack.hpp>

#include "core/asio.hpp"
#include "daemons/agent/file_server.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

class FileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("file_server_test." + std::to_string(::getpid()));
    fs::remove_all(base_);
    root_ = base_ / "agents";
    sandbox_ = root_ / "agent-1/frameworks/fw/executors/t1/runs/c1";
    fs::create_directories(sandbox_ / "sub");
    fs::create_symlink("c1", sandbox_.parent_path() / "latest");
    std::ofstream(sandbox_ / "stdout") << "0123456789";
    std::ofstream(base_ / "secret") << "not yours";
    fs::create_symlink("../../../../../../../../secret", sandbox_ / "escape");
    fs::create_symlink(base_ / "secret", sandbox_ / "absolute");
    fs::create_symlink("stdout", sandbox_ / "inside");
    server_ = std::make_unique<FileServer>(io_, root_.string());
  }
  void TearDown() override { fs::remove_all(base_); }

  HttpResponse get(const std::string& endpoint, std::map<std::string, std::string> query,
                   bool msgpack = false) {
    HttpRequest request;
    request.method = "GET";
    request.path = endpoint;
    request.query = std::move(query);
    if (msgpack) request.headers["accept"] = kMsgpackContentType;
    return server_->handle(request);
  }

  asio::io_context io_;
  fs::path base_;
  fs::path root_;
  fs::path sandbox_;
  std::unique_ptr<FileServer> server_;
};

TEST_F(FileServerTest, ReadsFromAnOffset) {
  std::string latest = (root_ / "agent-1/frameworks/fw/executors/t1/runs/latest/stdout").string();
  HttpResponse response = get("/files/read", {{"path", latest}, {"offset", "3"}, {"length", "4"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"data\": \"3456\""), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("\"size\": 10"), std::string::npos);
  EXPECT_NE(response.body.find("\"offset\": 3"), std::string::npos);
  HttpResponse size_only = get("/files/read", {{"path", latest}, {"offset", "-1"}});
  EXPECT_NE(size_only.body.find("\"data\": \"\""), std::string::npos) << size_only.body;
  EXPECT_NE(size_only.body.find("\"offset\": 10"), std::string::npos);
  HttpResponse packed = get("/files/read", {{"path", latest}}, true);
  EXPECT_EQ(packed.content_type, kMsgpackContentType);
  auto handle = msgpack::unpack(packed.body.data(), packed.body.size());
  std::map<std::string, msgpack::object> fields;
  handle.get().convert(fields);
  EXPECT_EQ(fields["data"].as<std::string>(), "0123456789");
  // A link inside the sandbox is followed.
  EXPECT_EQ(get("/files/read", {{"path", (sandbox_ / "inside").string()}}).status, 200);
}

TEST_F(FileServerTest, BrowsesADirectory) {
  HttpResponse response = get("/files/browse", {{"path", sandbox_.string()}});
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"name\": \"stdout\""), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("\"type\": \"directory\""), std::string::npos);
  EXPECT_NE(response.body.find("\"type\": \"link\""), std::string::npos);
  EXPECT_LT(response.body.find("\"absolute\""), response.body.find("\"stdout\""))
      << "sorted by name";
}

TEST_F(FileServerTest, NothingOutsideTheSandboxRootIsServed) {
  auto status_of = [&](const std::string& endpoint, const std::string& path) {
    return get(endpoint, {{"path", path}}).status;
  };
  EXPECT_EQ(status_of("/files/read", (base_ / "secret").string()), 403);
  // Seven levels up is the root itself (no such file there); eight leave it.
  EXPECT_EQ(status_of("/files/read", (sandbox_ / "../../../../../../../secret").string()), 404);
  EXPECT_EQ(status_of("/files/read", (sandbox_ / "../../../../../../../../secret").string()), 403);
  EXPECT_EQ(status_of("/files/read", (sandbox_ / "escape").string()), 403);
  EXPECT_EQ(status_of("/files/read", (sandbox_ / "absolute").string()), 403);
  EXPECT_EQ(status_of("/files/read", root_.string() + "-other/x"), 403);
  EXPECT_EQ(status_of("/files/browse", "/etc"), 403);
  EXPECT_EQ(status_of("/files/read", "relative/path"), 403);
  EXPECT_EQ(status_of("/files/read", (sandbox_ / "missing").string()), 404);
  EXPECT_EQ(status_of("/files/read", sandbox_.string()), 400);  // a directory
  EXPECT_EQ(get("/files/read", {}).status, 400);
  EXPECT_EQ(get("/files/read", {{"path", (sandbox_ / "stdout").string()}, {"offset", "x"}}).status,
            400);
}

// The kernel may refuse to resolve ".." (EAGAIN) while any file on the machine
// is renamed, as the agent's own checkpoint writes do all the time.
TEST_F(FileServerTest, DotDotPathsAnswerTheSameWhileFilesAreRenamed) {
  std::atomic<bool> stop{false};
  std::thread renamer([&] {
    fs::path a = base_ / "rename-a";
    fs::path b = base_ / "rename-b";
    std::ofstream(a) << "x";
    while (!stop) {
      ::rename(a.c_str(), b.c_str());
      ::rename(b.c_str(), a.c_str());
    }
  });
  std::string up = (sandbox_ / "../stdout-elsewhere/../c1/stdout").string();
  int unexpected = 0;
  for (int i = 0; i < 2000; ++i) {
    int status = get("/files/read", {{"path", up}}).status;
    if (status != 404) ++unexpected;  // stdout-elsewhere does not exist
    status = get("/files/read", {{"path", (sandbox_ / "sub/../stdout").string()}}).status;
    if (status != 200) ++unexpected;
  }
  stop = true;
  renamer.join();
  EXPECT_EQ(unexpected, 0);
}

TEST_F(FileServerTest, AnswersAsynchronouslyOnTheLoop) {
  std::optional<HttpResponse> answer;
  HttpRequest request;
  request.method = "GET";
  request.path = "/files/read";
  request.query["path"] = (sandbox_ / "stdout").string();
  server_->handle_async(request, [&](HttpResponse response) { answer = std::move(response); });
  EXPECT_FALSE(answer.has_value()) << "the disk is read off the calling thread";
  if (io_.stopped()) io_.restart();
  auto busy = asio::make_work_guard(io_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!answer && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(FileServer::serves("/files/browse"));
  EXPECT_FALSE(FileServer::serves("/state"));
}

}  // namespace
}  // namespace clusterctl
