// Running an io_context in tests: until a condition holds (with a deadline),
// or for a while. Both restart the context first, since it stops whenever it
// runs out of work. Test-thread only.
#pragma once

#include <chrono>
#include <functional>

#include "core/asio.hpp"
#include "core/duration.hpp"

namespace clusterctl {

// Whether `done` held before `deadline` passed.
inline bool run_io_until(asio::io_context& io, const std::function<bool()>& done,
                         Duration deadline = Duration(5000)) {
  io.restart();
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return done();
}

inline void run_io_for(asio::io_context& io, Duration duration) {
  io.restart();
  auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) io.run_one_for(std::chrono::milliseconds(5));
}

}  // namespace clusterctl
