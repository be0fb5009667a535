// Timers and posting work onto an io_context, without Asio in the header.
// A Timer belongs to one io_context thread: start, cancel and the callback
// all happen there. Destroying a Timer cancels it (the callback never runs).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "core/duration.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class Timer {
 public:
  explicit Timer(boost::asio::io_context& io);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fire` once after `delay`, replacing any pending start.
  void start(Duration delay, std::function<void()> fire);
  void cancel();
  bool pending() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Runs `work` on the io_context's thread, soon (never inline).
void post(boost::asio::io_context& io, std::function<void()> work);

// Milliseconds of a monotonic clock (for allocator filters, ages).
int64_t monotonic_millis();
// Seconds since the epoch, with a fractional part.
double wall_seconds();

}  // namespace clusterctl
