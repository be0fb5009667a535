#include "core/backoff.hpp"

#include <algorithm>

namespace clusterctl {

Duration jittered(Duration backoff, uint64_t random) {
  if (backoff.count() <= 0) return Duration(0);
  int64_t half = backoff.count() / 2;
  uint64_t width = static_cast<uint64_t>(backoff.count() - half) + 1;  // [half, backoff]
  return Duration(half + static_cast<int64_t>(random % width));
}

Duration spread(Duration most, uint64_t random) {
  if (most.count() <= 0) return Duration(0);
  return Duration(static_cast<int64_t>(random % (static_cast<uint64_t>(most.count()) + 1)));
}

Backoff::Backoff(Duration initial, Duration max, uint64_t seed)
    : initial_(std::max(initial, Duration(1))),
      max_(std::max(max, initial_)),
      current_(initial_),
      random_(seed != 0 ? seed
                        : (uint64_t{std::random_device()()} << 32) ^ std::random_device()()) {}

Duration Backoff::next() {
  Duration wait = jittered(current_, random_());
  current_ = std::min(current_ * 2, max_);
  return wait;
}

Duration Backoff::spread(Duration most) {
  return clusterctl::spread(most, random_());
}

}  // namespace clusterctl
