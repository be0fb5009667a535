// The agent's /files endpoints on real files: reads with offsets, sizes,
// listings, msgpack answers, every way out of the sandbox root refused,
// FIFOs, sockets and devices refused without blocking, slow reads that hold
// up no other, and a server destroyed while a worker is stuck.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <msgpack.hpp>

#include "core/asio.hpp"
#include "daemons/agent/file_server.hpp"
#include "tests/unit/io_loop.hpp"

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

  // The answer of handle_async, run on the loop.
  std::shared_ptr<std::optional<HttpResponse>> get_async(FileServer& server,
                                                         const std::string& path) {
    HttpRequest request;
    request.method = "GET";
    request.path = "/files/read";
    request.query["path"] = path;
    auto answer = std::make_shared<std::optional<HttpResponse>>();
    server.handle_async(request, [answer](HttpResponse response) { *answer = response; });
    return answer;
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

TEST_F(FileServerTest, FifosSocketsAndDevicesAreRefusedWithoutBlocking) {
  // A FIFO nobody writes to: opening it to read would wait forever.
  ASSERT_EQ(::mkfifo((sandbox_ / "fifo").c_str(), 0644), 0);
  fs::create_symlink("fifo", sandbox_ / "to-fifo");
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string socket_path = (sandbox_ / "sock").string();
  ASSERT_LT(socket_path.size(), sizeof(address.sun_path));
  std::strcpy(address.sun_path, socket_path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::listen(sock, 1);
  bool device = ::mknod((sandbox_ / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  auto expect_refused = [&](const std::string& endpoint, const std::string& name,
                            const std::string& type) {
    HttpResponse response = get(endpoint, {{"path", (sandbox_ / name).string()}});
    EXPECT_EQ(response.status, 403) << name;
    EXPECT_NE(response.body.find("is " + type), std::string::npos) << response.body;
    EXPECT_NE(response.body.find("only regular files and directories"), std::string::npos);
  };
  for (const char* endpoint : {"/files/read", "/files/browse"}) {
    expect_refused(endpoint, "fifo", "a FIFO");
    expect_refused(endpoint, "to-fifo", "a FIFO");  // a link is judged by what it leads to
    expect_refused(endpoint, "sock", "a socket");
    if (device) expect_refused(endpoint, "null", "a character device");
  }
  // A listing still shows them, with their type.
  HttpResponse listing = get("/files/browse", {{"path", sandbox_.string()}});
  ASSERT_EQ(listing.status, 200);
  EXPECT_NE(listing.body.find("\"type\": \"fifo\""), std::string::npos) << listing.body;
  EXPECT_NE(listing.body.find("\"type\": \"socket\""), std::string::npos);
  if (device) {
    EXPECT_NE(listing.body.find("\"type\": \"char_device\""), std::string::npos);
  }
  EXPECT_NE(listing.body.find("\"truncated\": false"), std::string::npos);
  ::close(sock);
  if (!device) GTEST_SKIP() << "mknod needs root: the device node was not checked";
}

TEST_F(FileServerTest, LinksLeadingOutOrToTheWrongKindAreRefused) {
  fs::create_symlink("/dev/null", sandbox_ / "devnull");
  fs::create_symlink("/etc", sandbox_ / "etc");
  EXPECT_EQ(get("/files/read", {{"path", (sandbox_ / "devnull").string()}}).status, 403);
  EXPECT_EQ(get("/files/browse", {{"path", (sandbox_ / "etc").string()}}).status, 403);
  EXPECT_EQ(get("/files/read", {{"path", (sandbox_ / "etc/passwd").string()}}).status, 403);
  EXPECT_EQ(get("/files/browse", {{"path", (sandbox_ / "stdout").string()}}).status, 400);
  // Links that stay below the root are followed, as runs/latest is.
  EXPECT_EQ(get("/files/browse", {{"path", (sandbox_.parent_path() / "latest").string()}}).status,
            200);
}

TEST_F(FileServerTest, ListingsAreBounded) {
  fs::create_directories(sandbox_ / "many");
  for (size_t i = 0; i < kMaxBrowseEntries + 5; ++i) {
    ::close(::open((sandbox_ / "many" / std::to_string(i)).c_str(), O_CREAT | O_WRONLY, 0644));
  }
  HttpResponse response = get("/files/browse", {{"path", (sandbox_ / "many").string()}}, true);
  ASSERT_EQ(response.status, 200);
  auto handle = msgpack::unpack(response.body.data(), response.body.size());
  std::map<std::string, msgpack::object> fields;
  handle.get().convert(fields);
  EXPECT_EQ(fields["entries"].via.array.size, kMaxBrowseEntries);
  EXPECT_TRUE(fields["truncated"].as<bool>());
}

// Reads of paths ending in "slow" wait on a gate the test opens: a file
// system that hangs.
class SlowFiles {
 public:
  void open() {
    std::lock_guard guard(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int waiting() {
    std::lock_guard guard(mutex_);
    return waiting_;
  }
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int waiting_ = 0;
};

// A FileServer's options with `slow` in front of the disk.
FileServerOptions slow_options(const std::shared_ptr<SlowFiles>& slow, Duration deadline) {
  FileServerOptions options;
  options.deadline = deadline;
  options.serve = [slow](const std::string& root, const HttpRequest& request) {
    if (request.query.at("path").ends_with("slow")) slow->wait();
    return serve_files(root, request);
  };
  return options;
}

TEST_F(FileServerTest, SlowReadsHoldUpNoOtherRead) {
  auto slow = std::make_shared<SlowFiles>();
  FileServer server(io_, root_.string(), slow_options(slow, Duration(60000)));
  std::ofstream(sandbox_ / "slow") << "late";
  std::vector<std::shared_ptr<std::optional<HttpResponse>>> slow_answers;
  for (size_t i = 0; i + 1 < kFileWorkers; ++i) {
    slow_answers.push_back(get_async(server, (sandbox_ / "slow").string()));
  }
  ASSERT_TRUE(run_io_until(io_, [&] { return slow->waiting() == int(kFileWorkers) - 1; }));
  auto normal = get_async(server, (sandbox_ / "stdout").string());
  ASSERT_TRUE(run_io_until(io_, [&] { return normal->has_value(); }));
  EXPECT_EQ((*normal)->status, 200);
  for (auto& answer : slow_answers) EXPECT_FALSE(answer->has_value());
  slow->open();
  ASSERT_TRUE(run_io_until(io_, [&] {
    for (auto& answer : slow_answers) {
      if (!answer->has_value()) return false;
    }
    return true;
  }));
  EXPECT_EQ((*slow_answers[0])->status, 200);
}

TEST_F(FileServerTest, ReadsPastTheDeadlineAnswerAnErrorAndTheirWorkersAreReplaced) {
  auto slow = std::make_shared<SlowFiles>();
  FileServer server(io_, root_.string(), slow_options(slow, Duration(1000)));
  std::vector<std::shared_ptr<std::optional<HttpResponse>>> slow_answers;
  for (size_t i = 0; i < kFileWorkers; ++i) {
    slow_answers.push_back(get_async(server, (sandbox_ / "slow").string()));
  }
  ASSERT_TRUE(run_io_until(io_, [&] { return slow->waiting() == int(kFileWorkers); }));
  for (int i = 0; i < 2; ++i) {  // queued behind them
    slow_answers.push_back(get_async(server, (sandbox_ / "slow").string()));
  }
  ASSERT_TRUE(run_io_until(io_, [&] {
    for (auto& answer : slow_answers) {
      if (!answer->has_value()) return false;
    }
    return true;
  }));
  for (auto& answer : slow_answers) {
    EXPECT_EQ((*answer)->status, 504);
    EXPECT_NE((*answer)->body.find("did not finish in time"), std::string::npos) << (*answer)->body;
  }
  EXPECT_GE(server.stuck_workers(), kFileWorkers);
  // Every first worker is stuck, yet a normal read is served.
  auto normal = get_async(server, (sandbox_ / "stdout").string());
  ASSERT_TRUE(run_io_until(io_, [&] { return normal->has_value(); }));
  EXPECT_EQ((*normal)->status, 200);
  slow->open();
  EXPECT_TRUE(run_io_until(io_, [&] { return server.stuck_workers() == 0; }));
}

TEST_F(FileServerTest, ADestroyedServerDoesNotWaitForAStuckWorker) {
  auto slow = std::make_shared<SlowFiles>();
  auto server =
      std::make_unique<FileServer>(io_, root_.string(), slow_options(slow, Duration(60000)));
  auto answer = get_async(*server, (sandbox_ / "slow").string());
  ASSERT_TRUE(run_io_until(io_, [&] { return slow->waiting() == 1; }));
  server.reset();  // returns although its worker is blocked
  slow->open();
  run_io_for(io_, Duration(50));
  EXPECT_FALSE(answer->has_value()) << "no answer once the server is gone";
}

}  // namespace
}  // namespace clusterctl
