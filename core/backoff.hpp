// Backoff: the waits between attempts to reach a peer, growing exponentially
// and jittered, so that many clients that lost the same peer at the same
// moment (thousands of agents whose master died) do not all come back in the
// same millisecond. Each wait is drawn at random within [current/2, current];
// then current doubles, up to the maximum. A success resets it.
// Plain value; not thread-safe (one owner thread).
#pragma once

#include <cstdint>
#include <random>

#include "core/duration.hpp"

namespace clusterctl {

// A wait within [backoff/2, backoff], chosen by `random` (any 64-bit value).
Duration jittered(Duration backoff, uint64_t random);
// A wait within [0, most], chosen by `random`.
Duration spread(Duration most, uint64_t random);

class Backoff {
 public:
  // `initial` is at least 1ms and `max` at least `initial`. `seed` fixes the
  // random draws (tests); 0 seeds from std::random_device.
  Backoff(Duration initial, Duration max, uint64_t seed = 0);

  // The wait before the next attempt (jittered(current)); doubles current.
  Duration next();
  // A wait within [0, most], from the same random source.
  Duration spread(Duration most);
  // Back to the initial backoff (after a success).
  void reset() { current_ = initial_; }
  // The upper bound of the next wait.
  Duration current() const { return current_; }

 private:
  Duration initial_;
  Duration max_;
  Duration current_;
  std::mt19937_64 random_;
};

}  // namespace clusterctl
