#include "daemons/master/offer_deadlines.hpp"

namespace clusterctl {

void OfferDeadlines::add(const std::string& offer_id, int64_t deadline_millis) {
  queue_.emplace_back(deadline_millis, offer_id);
}

std::vector<std::string> OfferDeadlines::take_expired(int64_t now_millis) {
  std::vector<std::string> expired;
  while (!queue_.empty() && queue_.front().first <= now_millis) {
    expired.push_back(std::move(queue_.front().second));
    queue_.pop_front();
  }
  return expired;
}

std::optional<int64_t> OfferDeadlines::next_deadline() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.front().first;
}

}  // namespace clusterctl
