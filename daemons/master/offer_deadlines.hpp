// When outstanding offers expire (the master's --offer-timeout): offers are
// made in time order and share one timeout, so their deadlines form a FIFO.
// An offer answered before its deadline is not taken out; the caller skips
// ids it no longer holds. Plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace clusterctl {

class OfferDeadlines {
 public:
  // Deadlines must not decrease from one call to the next.
  void add(const std::string& offer_id, int64_t deadline_millis);
  // Takes out and returns the offers whose deadline is at or before now.
  std::vector<std::string> take_expired(int64_t now_millis);
  // The earliest deadline still queued.
  std::optional<int64_t> next_deadline() const;

 private:
  std::deque<std::pair<int64_t, std::string>> queue_;
};

}  // namespace clusterctl
