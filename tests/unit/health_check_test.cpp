// HealthChecker against real commands and real sockets on loopback: command,
// TCP and HTTP checks, timeouts, the grace period and consecutive failures.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/asio.hpp"
#include "daemons/executor/health_check.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

using tcp = asio::ip::tcp;

// Answers every HTTP request with `status_line` and closes.
class TinyHttpServer {
 public:
  TinyHttpServer(asio::io_context& io, std::string status_line)
      : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        status_line_(std::move(status_line)) {
    accept();
  }
  uint32_t port() const { return acceptor_.local_endpoint().port(); }
  int requests = 0;

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
      if (error) return;
      auto connection = std::make_shared<tcp::socket>(std::move(socket));
      auto request = std::make_shared<std::string>();
      asio::async_read_until(
          *connection, asio::dynamic_buffer(*request), "\r\n\r\n",
          [this, connection, request](const boost::system::error_code& read_error, size_t) {
            if (read_error) return;
            ++requests;
            auto response = std::make_shared<std::string>(
                status_line_ + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            asio::async_write(*connection, asio::buffer(*response),
                              [connection, response](const boost::system::error_code&, size_t) {});
          });
      accept();
    });
  }

  tcp::acceptor acceptor_;
  std::string status_line_;
};

uint32_t closed_port(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();  // closed when the acceptor goes
}

HealthCheckInfo quick_check(const std::string& type) {
  HealthCheckInfo check;
  check.type = type;
  check.interval_millis = 20;
  check.timeout_millis = 2000;
  check.grace_period_millis = 0;
  check.consecutive_failures = 3;
  return check;
}

class HealthCheckTest : public ::testing::Test {
 protected:
  void TearDown() override {
    checker_.reset();
    // Reap the killed check commands that may be left.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }

  void start(HealthCheckInfo check, std::vector<std::string> env = {}) {
    ASSERT_TRUE(validate_health_check(check)) << validate_health_check(check).message();
    checker_ = std::make_unique<HealthChecker>(
        io_, check, std::filesystem::temp_directory_path().string(), std::move(env),
        HealthChecker::Callbacks{[this](bool healthy, const std::string& message) {
                                   changes_.push_back(healthy);
                                   messages_.push_back(message);
                                 },
                                 [this](const std::string& message) { unhealthy_ = message; }});
    checker_->start();
  }

  void run_until(const std::function<bool()>& done) {
    ASSERT_TRUE(run_io_until(io_, done, Duration(10000)));
  }

  asio::io_context io_;
  std::unique_ptr<HealthChecker> checker_;
  std::vector<bool> changes_;
  std::vector<std::string> messages_;
  std::string unhealthy_;
};

TEST_F(HealthCheckTest, ACommandThatExitsZeroIsHealthyAndSeesTheTaskEnvironment) {
  HealthCheckInfo check = quick_check("command");
  check.command = "test \"$MARK\" = yes";
  start(check, {"MARK=yes", "PATH=/usr/bin:/bin"});
  run_until([&] { return !changes_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{true}));
}

TEST_F(HealthCheckTest, ConsecutiveFailuresMakeATaskUnhealthyOnce) {
  HealthCheckInfo check = quick_check("command");
  check.command = "exit 3";
  start(check);
  run_until([&] { return !unhealthy_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{false}));  // reported once, not per check
  EXPECT_NE(unhealthy_.find("3 health checks failed in a row"), std::string::npos) << unhealthy_;
  EXPECT_NE(unhealthy_.find("exited with status 3"), std::string::npos) << unhealthy_;
}

TEST_F(HealthCheckTest, ASlowCommandTimesOut) {
  HealthCheckInfo check = quick_check("command");
  check.command = "sleep 30";
  check.timeout_millis = 100;
  check.consecutive_failures = 1;
  start(check);
  run_until([&] { return !unhealthy_.empty(); });
  EXPECT_NE(unhealthy_.find("timed out after 100ms"), std::string::npos) << unhealthy_;
}

TEST_F(HealthCheckTest, FailuresInTheGracePeriodDoNotCountUntilASuccess) {
  std::string flag =
      std::filesystem::temp_directory_path() / ("health_check_test." + std::to_string(::getpid()));
  std::filesystem::remove(flag);
  HealthCheckInfo check = quick_check("command");
  check.command = "test -e " + flag;
  check.grace_period_millis = 60000;
  check.consecutive_failures = 1;
  start(check);
  run_io_for(io_, Duration(300));
  EXPECT_TRUE(changes_.empty()) << "a failure within the grace period was reported";
  EXPECT_TRUE(unhealthy_.empty());
  std::ofstream(flag).close();
  run_until([&] { return !changes_.empty(); });
  std::filesystem::remove(flag);
  run_until([&] { return !unhealthy_.empty(); });  // after a success, failures count
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
}

TEST_F(HealthCheckTest, TcpIsHealthyWhileThePortAcceptsConnections) {
  tcp::acceptor listening(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  HealthCheckInfo check = quick_check("tcp");
  check.port = listening.local_endpoint().port();
  start(check);
  run_until([&] { return !changes_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{true}));
  listening.close();
  run_until([&] { return !unhealthy_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
  EXPECT_NE(messages_.back().find("cannot connect to port"), std::string::npos) << messages_.back();
}

TEST_F(HealthCheckTest, HttpIsHealthyOnSuccessAndUnhealthyOnServerErrors) {
  TinyHttpServer good(io_, "HTTP/1.1 204 No Content");
  HealthCheckInfo check = quick_check("http");
  check.port = good.port();
  check.path = "/health";
  start(check);
  run_until([&] { return !changes_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{true}));
  EXPECT_EQ(messages_.back(), "HTTP 204");
  checker_.reset();
  changes_.clear();

  TinyHttpServer bad(io_, "HTTP/1.1 503 Service Unavailable");
  check.port = bad.port();
  start(check);
  run_until([&] { return !unhealthy_.empty(); });
  EXPECT_EQ(changes_, (std::vector<bool>{false}));
  EXPECT_EQ(messages_.back(), "HTTP 503");
  EXPECT_EQ(bad.requests, 3);
}

TEST_F(HealthCheckTest, HttpToAClosedPortFails) {
  HealthCheckInfo check = quick_check("http");
  check.port = closed_port(io_);
  check.consecutive_failures = 1;
  start(check);
  run_until([&] { return !unhealthy_.empty(); });
  EXPECT_NE(unhealthy_.find("cannot connect"), std::string::npos) << unhealthy_;
}

TEST(HealthCheckValidationTest, RefusesIncompleteChecks) {
  HealthCheckInfo check;
  EXPECT_FALSE(validate_health_check(check));  // no type
  check.type = "command";
  EXPECT_FALSE(validate_health_check(check));  // no command
  check.command = "true";
  EXPECT_TRUE(validate_health_check(check));
  check.type = "tcp";
  EXPECT_FALSE(validate_health_check(check));  // no port
  check.port = 80;
  EXPECT_TRUE(validate_health_check(check));
  check.interval_millis = 0;
  EXPECT_FALSE(validate_health_check(check));
  check.interval_millis = 1000;
  check.consecutive_failures = 0;
  EXPECT_FALSE(validate_health_check(check));
  check.consecutive_failures = 1;
  check.type = "http";
  check.path = "health";
  EXPECT_FALSE(validate_health_check(check));
}

}  // namespace
}  // namespace clusterctl
