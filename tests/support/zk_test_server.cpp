// ZooKeeper test servers: zoo.cfg, fork/exec of the JVM, readiness by `srvr`.
#include "tests/support/zk_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace clusterctl {
namespace {

constexpr const char* kJava = "/usr/bin/java";
constexpr const char* kZooKeeperJar = "/usr/share/java/zookeeper.jar";
constexpr const char* kMainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

// A loopback port nothing listens on now (the OS picks it).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string make_temp_dir() {
  char pattern[] = "/tmp/clusterctl-zk.XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  return dir != nullptr ? dir : "";
}

// The answer to a four-letter command, "" when the server does not answer.
std::string four_letter(uint16_t port, const char* command) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, command, std::strlen(command), MSG_NOSIGNAL) > 0) {
    char buffer[1024];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, n);
  }
  ::close(fd);
  return answer;
}

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += all[i] + "\n";
  }
  return out;
}

// The common part of every zoo.cfg: short ticks, so that session timeouts
// (2-20 ticks) can be short.
std::string base_config(const std::string& data_dir, uint16_t client_port) {
  return "tickTime=500\n"
         "initLimit=20\n"
         "syncLimit=10\n"
         "dataDir=" +
         data_dir + "\n" + "clientPort=" + std::to_string(client_port) + "\n" +
         "clientPortAddress=127.0.0.1\n"
         "admin.enableServer=false\n"
         "minSessionTimeout=1000\n"
         "maxSessionTimeout=60000\n"
         "4lw.commands.whitelist=srvr,ruok\n";
}

}  // namespace

std::optional<std::string> zk_server_unavailable() {
  if (::access(kZooKeeperJar, R_OK) != 0) {
    return std::string("the zookeeper package is not installed (no ") + kZooKeeperJar + ")";
  }
  if (::access(kJava, X_OK) != 0) return std::string("no java at ") + kJava;
  return std::nullopt;
}

ZkTestNode::ZkTestNode(std::string dir, uint16_t client_port, std::string extra_config, int myid)
    : dir_(std::move(dir)), client_port_(client_port) {
  std::filesystem::create_directories(dir_ + "/data");
  std::ofstream(dir_ + "/zoo.cfg") << base_config(dir_ + "/data", client_port_) << extra_config;
  if (myid > 0) std::ofstream(dir_ + "/data/myid") << myid << "\n";
}

ZkTestNode::~ZkTestNode() {
  stop();
}

Status ZkTestNode::launch() {
  if (running()) return Status::ok();
  if (auto missing = zk_server_unavailable()) return Status::failed_precondition(*missing);
  std::string config = dir_ + "/zoo.cfg";
  std::string log = dir_ + "/server.log";
  std::string log_dir = "-Dzookeeper.log.dir=" + dir_;
  std::string classpath = std::string("/etc/zookeeper/conf:") + kZooKeeperJar;
  std::vector<std::string> args = {kJava,
                                   "-Xmx256m",
                                   "-XX:+UseSerialGC",
                                   "-XX:TieredStopAtLevel=1",
                                   "-Djava.net.preferIPv4Stack=true",
                                   "-Dzookeeper.jmx.log4j.disable=true",
                                   log_dir,
                                   "-cp",
                                   classpath,
                                   kMainClass,
                                   config};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    for (int other = 3; other < 1024; ++other) ::close(other);
    ::execv(kJava, argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return Status::ok();
}

Status ZkTestNode::wait_serving(int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::internal("the ZooKeeper server on port " + std::to_string(client_port_) +
                              " exited at start:\n" + log_tail());
    }
    if (four_letter(client_port_, "srvr").find("Mode: ") != std::string::npos) {
      return Status::ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::timeout("the ZooKeeper server on port " + std::to_string(client_port_) +
                         " did not serve within " + std::to_string(seconds) + "s:\n" + log_tail());
}

void ZkTestNode::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ZkTestNode::log_tail() const {
  return tail(dir_ + "/server.log", 20);
}

ZkTestServer::ZkTestServer() : dir_(make_temp_dir()) {
  node_ = std::make_unique<ZkTestNode>(dir_, free_port(), "", 0);
}

ZkTestServer::~ZkTestServer() {
  node_.reset();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

Status ZkTestServer::start() {
  CLUSTERCTL_RETURN_IF_ERROR(node_->launch());
  return node_->wait_serving(30);
}

void ZkTestServer::stop() {
  node_->stop();
}

Status ZkTestServer::restart() {
  stop();
  return start();
}

std::string ZkTestServer::connect_string() const {
  return "127.0.0.1:" + std::to_string(node_->client_port());
}

std::string ZkTestServer::zk_url(const std::string& path) const {
  return "zk://" + connect_string() + path;
}

ZkTestEnsemble::ZkTestEnsemble(int size) : dir_(make_temp_dir()) {
  std::vector<uint16_t> client_ports;
  std::string servers;
  for (int n = 1; n <= size; ++n) {
    client_ports.push_back(free_port());
    servers += "server." + std::to_string(n) + "=127.0.0.1:" + std::to_string(free_port()) + ":" +
               std::to_string(free_port()) + "\n";
  }
  for (int n = 1; n <= size; ++n) {
    nodes_.push_back(std::make_unique<ZkTestNode>(dir_ + "/node" + std::to_string(n),
                                                  client_ports[n - 1], servers, n));
  }
}

ZkTestEnsemble::~ZkTestEnsemble() {
  stop();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

Status ZkTestEnsemble::start() {
  for (auto& node : nodes_) CLUSTERCTL_RETURN_IF_ERROR(node->launch());
  for (auto& node : nodes_) CLUSTERCTL_RETURN_IF_ERROR(node->wait_serving(60));
  return Status::ok();
}

void ZkTestEnsemble::stop() {
  for (auto& node : nodes_) {
    if (node->running()) ::kill(node->pid(), SIGTERM);  // all at once, then reaped
  }
  for (auto& node : nodes_) node->stop();
}

void ZkTestEnsemble::stop_node(int n) {
  node(n).stop();
}

Status ZkTestEnsemble::start_node(int n) {
  CLUSTERCTL_RETURN_IF_ERROR(node(n).launch());
  return node(n).wait_serving(60);
}

std::string ZkTestEnsemble::connect_string() const {
  std::string list;
  for (const auto& node : nodes_) {
    if (!list.empty()) list += ",";
    list += "127.0.0.1:" + std::to_string(node->client_port());
  }
  return list;
}

std::string ZkTestEnsemble::zk_url(const std::string& path) const {
  return "zk://" + connect_string() + path;
}

}  // namespace clusterctl
