#include "core/timer.hpp"

#include "core/asio.hpp"

namespace clusterctl {

struct Timer::State {
  explicit State(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  uint64_t generation = 0;  // bumps on every start/cancel so stale waits do nothing
  bool pending = false;
};

Timer::Timer(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

Timer::~Timer() {
  cancel();
}

void Timer::start(Duration delay, std::function<void()> fire) {
  uint64_t generation = ++state_->generation;
  state_->pending = true;
  state_->timer.expires_after(delay);
  std::weak_ptr<State> weak = state_;
  state_->timer.async_wait([weak, generation, fire = std::move(fire)](boost::system::error_code) {
    auto state = weak.lock();
    if (!state || state->generation != generation) return;
    state->pending = false;
    fire();
  });
}

void Timer::cancel() {
  ++state_->generation;
  state_->pending = false;
  state_->timer.cancel();
}

bool Timer::pending() const {
  return state_->pending;
}

void post(asio::io_context& io, std::function<void()> work) {
  asio::post(io, std::move(work));
}

int64_t monotonic_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace clusterctl
