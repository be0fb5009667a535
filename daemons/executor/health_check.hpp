// HealthChecker: runs a task's health check (HealthCheckInfo in
// core/messages.hpp) for its executor.
//
//   command  /bin/sh -c COMMAND in the sandbox with the task's environment;
//            healthy when it exits 0
//   http     GET PATH on 127.0.0.1:PORT; healthy on a 2xx or 3xx answer
//   tcp      a TCP connection to 127.0.0.1:PORT; healthy once it connects
//
// The first check starts `delay` after start(), each next one `interval`
// after the previous ended; a check still running after `timeout` fails (a
// command is killed). `changed` reports the first result and every change of
// health. Failures within the grace period after start() do not count until
// the first success; after that, `consecutive_failures` failures in a row
// report `unhealthy` once and checking stops.
//
// Threading: one io_context thread; callbacks run there. Destroying the
// checker stops it (a running command check is killed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

// Checks what a health check needs: a known type, a command or port, and
// positive interval and timeout.
Status validate_health_check(const HealthCheckInfo& check);

class HealthChecker {
 public:
  struct Callbacks {
    std::function<void(bool healthy, const std::string& message)> changed;
    std::function<void(const std::string& message)> unhealthy;
  };

  HealthChecker(boost::asio::io_context& io, HealthCheckInfo check, std::string sandbox,
                std::vector<std::string> environment, Callbacks callbacks);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  void start();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace clusterctl
