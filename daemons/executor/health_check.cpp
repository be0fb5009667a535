#include "daemons/executor/health_check.hpp"

#include <signal.h>

#include <optional>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/process/child_watcher.hpp"
#include "core/process/process.hpp"
#include "core/timer.hpp"

namespace clusterctl {

namespace {

using tcp = asio::ip::tcp;

// "HTTP/1.1 503 Service Unavailable" -> 503; 0 if it is not a status line.
int http_status_code(const std::string& line) {
  if (line.rfind("HTTP/", 0) != 0) return 0;
  size_t space = line.find(' ');
  if (space == std::string::npos || line.size() < space + 4) return 0;
  int code = 0;
  for (size_t i = space + 1; i < space + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

}  // namespace

Status validate_health_check(const HealthCheckInfo& check) {
  if (check.type == "command") {
    if (check.command.find_first_not_of(" \t") == std::string::npos)
      return Status::invalid("a command health check needs a command");
  } else if (check.type == "http" || check.type == "tcp") {
    if (check.port == 0 || check.port > 65535)
      return Status::invalid("a " + check.type + " health check needs a port from 1 to 65535");
    if (check.type == "http" && check.path.rfind('/', 0) != 0)
      return Status::invalid("the health check's HTTP path must start with '/'");
  } else {
    return Status::invalid("unknown health check type '" + check.type +
                           "': use command, http or tcp");
  }
  if (check.interval_millis <= 0 || check.timeout_millis <= 0)
    return Status::invalid("a health check's interval and timeout must be positive");
  if (check.delay_millis < 0 || check.grace_period_millis < 0)
    return Status::invalid("a health check's delay and grace period cannot be negative");
  if (check.consecutive_failures == 0)
    return Status::invalid("a health check needs at least 1 failure to kill the task");
  return Status::ok();
}

struct HealthChecker::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, HealthCheckInfo check, std::string sandbox,
        std::vector<std::string> environment, Callbacks callbacks)
      : io(io),
        check(std::move(check)),
        sandbox(std::move(sandbox)),
        environment(std::move(environment)),
        callbacks(std::move(callbacks)),
        watcher(io),
        next_timer(io),
        timeout_timer(io) {}

  void schedule(Duration delay);
  void run();
  void run_command(uint64_t check_number);
  void run_socket(uint64_t check_number);
  void send_http_request(uint64_t check_number);
  void timed_out(uint64_t check_number);
  void kill_command();
  void finished(uint64_t check_number, bool healthy, const std::string& message);
  void report(bool healthy, const std::string& message);
  void stop();

  asio::io_context& io;
  HealthCheckInfo check;
  std::string sandbox;
  std::vector<std::string> environment;
  Callbacks callbacks;
  ChildWatcher watcher;
  Timer next_timer;
  Timer timeout_timer;
  int64_t started_millis = 0;
  bool succeeded_once = false;
  std::optional<bool> reported;
  uint32_t failures = 0;
  uint64_t check_number = 0;  // of the check running; older results are ignored
  bool running = false;
  bool stopped = false;
  pid_t command_pid = 0;
  std::shared_ptr<tcp::socket> socket;
};

void HealthChecker::State::schedule(Duration delay) {
  std::weak_ptr<State> weak = weak_from_this();
  next_timer.start(delay, [weak] {
    if (auto self = weak.lock()) self->run();
  });
}

void HealthChecker::State::run() {
  if (stopped) return;
  uint64_t number = ++check_number;
  running = true;
  std::weak_ptr<State> weak = weak_from_this();
  timeout_timer.start(Duration(check.timeout_millis), [weak, number] {
    if (auto self = weak.lock()) self->timed_out(number);
  });
  if (check.type == "command") {
    run_command(number);
  } else {
    run_socket(number);
  }
}

void HealthChecker::State::run_command(uint64_t number) {
  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", check.command};
  spawn.env = environment;
  spawn.working_dir = sandbox;
  StatusOr<pid_t> pid = spawn_process(spawn);
  if (!pid) {
    finished(number, false, pid.status().message());
    return;
  }
  command_pid = *pid;
  std::weak_ptr<State> weak = weak_from_this();
  Status watched = watcher.watch_group(*pid, [weak, number](const ExitStatus& exit) {
    auto self = weak.lock();
    if (!self) return;
    self->command_pid = 0;
    self->finished(number, exit.exit_code == 0 && !exit.killed_by_signal(),
                   "health check command " + exit.describe());
  });
  if (!watched) LOG(kError) << watched.message();
}

void HealthChecker::State::run_socket(uint64_t number) {
  socket = std::make_shared<tcp::socket>(io);
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(check.port));
  std::weak_ptr<State> weak = weak_from_this();
  std::string port = std::to_string(check.port);
  socket->async_connect(endpoint, [weak, number, port](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!self) return;
    if (error) {
      self->finished(number, false, "cannot connect to port " + port + ": " + error.message());
    } else if (self->check.type == "tcp") {
      self->finished(number, true, "port " + port + " accepts connections");
    } else {
      self->send_http_request(number);
    }
  });
}

void HealthChecker::State::send_http_request(uint64_t number) {
  auto request = std::make_shared<std::string>(
      "GET " + check.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(check.port) +
      "\r\nConnection: close\r\n\r\n");
  auto response = std::make_shared<std::string>();
  std::shared_ptr<tcp::socket> connection = socket;
  std::weak_ptr<State> weak = weak_from_this();
  asio::async_write(
      *connection, asio::buffer(*request),
      [weak, number, request, response, connection](const boost::system::error_code& error,
                                                    size_t) {
        auto self = weak.lock();
        if (!self) return;
        if (error) {
          self->finished(number, false, "cannot send the HTTP request: " + error.message());
          return;
        }
        asio::async_read_until(
            *connection, asio::dynamic_buffer(*response), "\r\n",
            [weak, number, response](const boost::system::error_code& read_error, size_t size) {
              auto self = weak.lock();
              if (!self) return;
              if (read_error) {
                self->finished(number, false, "no HTTP answer: " + read_error.message());
                return;
              }
              std::string line = response->substr(0, size > 2 ? size - 2 : 0);
              int code = http_status_code(line);
              self->finished(number, code >= 200 && code < 400,
                             code == 0 ? "not an HTTP answer" : "HTTP " + std::to_string(code));
            });
      });
}

void HealthChecker::State::kill_command() {
  if (command_pid == 0) return;
  Status killed = signal_group(command_pid, SIGKILL);
  if (!killed) LOG(kWarning) << killed.message();
}

void HealthChecker::State::timed_out(uint64_t number) {
  if (number != check_number || !running) return;
  kill_command();  // reaped by the watcher
  finished(number, false,
           "health check timed out after " + format_duration(Duration(check.timeout_millis)));
}

void HealthChecker::State::finished(uint64_t number, bool healthy, const std::string& message) {
  if (number != check_number || !running || stopped) return;
  running = false;
  timeout_timer.cancel();
  if (socket) {
    boost::system::error_code ignored;
    socket->close(ignored);
    socket.reset();
  }
  if (healthy) {
    succeeded_once = true;
    failures = 0;
    schedule(Duration(check.interval_millis));
    report(true, message);
    return;
  }
  if (!succeeded_once && monotonic_millis() - started_millis < check.grace_period_millis) {
    LOG(kInfo) << "health check failed within the grace period (not counted): " << message;
    schedule(Duration(check.interval_millis));
    return;
  }
  ++failures;
  if (failures >= check.consecutive_failures) {
    stopped = true;
    report(false, message);
    callbacks.unhealthy(std::to_string(failures) +
                        " health checks failed in a row; the last: " + message);
    return;
  }
  schedule(Duration(check.interval_millis));
  report(false, message);
}

void HealthChecker::State::report(bool healthy, const std::string& message) {
  if (reported && *reported == healthy) return;
  reported = healthy;
  callbacks.changed(healthy, message);
}

void HealthChecker::State::stop() {
  stopped = true;
  next_timer.cancel();
  timeout_timer.cancel();
  kill_command();
  if (socket) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
}

HealthChecker::HealthChecker(asio::io_context& io, HealthCheckInfo check, std::string sandbox,
                             std::vector<std::string> environment, Callbacks callbacks)
    : state_(std::make_shared<State>(io, std::move(check), std::move(sandbox),
                                     std::move(environment), std::move(callbacks))) {}

HealthChecker::~HealthChecker() {
  state_->stop();
}

void HealthChecker::start() {
  state_->started_millis = monotonic_millis();
  state_->schedule(Duration(state_->check.delay_millis));
}

}  // namespace clusterctl
