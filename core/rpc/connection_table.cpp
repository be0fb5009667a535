#include "core/rpc/connection_table.hpp"

#include <algorithm>

namespace clusterctl {

Status ConnectionTable::admit(const std::string& peer) const {
  if (entries_.size() >= limits_.max_connections) {
    return Status::unavailable("the server has its maximum of " +
                               std::to_string(limits_.max_connections) +
                               " connections (--max-connections)");
  }
  if (count_of(peer) >= limits_.max_connections_per_peer) {
    return Status::unavailable(peer + " has its maximum of " +
                               std::to_string(limits_.max_connections_per_peer) +
                               " connections (--max-connections-per-peer)");
  }
  return Status::ok();
}

uint64_t ConnectionTable::add(const std::string& peer, Closer close) {
  uint64_t key = next_key_++;
  entries_[key] = Entry{peer, std::move(close)};
  ++per_peer_[peer];
  return key;
}

void ConnectionTable::set_closer(uint64_t key, Closer close) {
  auto found = entries_.find(key);
  if (found != entries_.end()) found->second.close = std::move(close);
}

size_t ConnectionTable::remove(uint64_t key) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return 0;
  Entry& entry = found->second;
  unfinished_total_ -= entry.unfinished;
  auto peer = per_peer_.find(entry.peer);
  if (--peer->second == 0) per_peer_.erase(peer);
  size_t peak = entry.peak;
  entries_.erase(found);
  return peak;
}

void ConnectionTable::close(uint64_t key, const std::string& reason) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return;
  Closer close = std::move(found->second.close);
  remove(key);
  if (close) close(reason);
}

void ConnectionTable::close_all(const std::string& reason) {
  while (!entries_.empty()) close(entries_.begin()->first, reason);
}

void ConnectionTable::set_established(uint64_t key) {
  auto found = entries_.find(key);
  if (found != entries_.end()) found->second.established = true;
}

std::vector<uint64_t> ConnectionTable::set_unfinished(uint64_t key, size_t bytes) {
  std::vector<uint64_t> victims;
  auto found = entries_.find(key);
  if (found == entries_.end()) return victims;
  Entry& entry = found->second;
  unfinished_total_ = unfinished_total_ - entry.unfinished + bytes;
  entry.unfinished = bytes;
  entry.peak = std::max(entry.peak, bytes);
  // The victims are still in the table until the caller closes them, so
  // count what closing them frees.
  size_t total = unfinished_total_;
  while (total > limits_.max_unfinished_frame_bytes) {
    uint64_t largest = 0;
    const Entry* largest_entry = nullptr;
    for (const auto& [other_key, other] : entries_) {
      bool taken = std::find(victims.begin(), victims.end(), other_key) != victims.end();
      if (taken || other.unfinished == 0) continue;
      if (!largest_entry || other.unfinished > largest_entry->unfinished) {
        largest = other_key;
        largest_entry = &other;
      }
    }
    if (!largest_entry) break;
    victims.push_back(largest);
    total -= largest_entry->unfinished;
  }
  return victims;
}

size_t ConnectionTable::take_peak(uint64_t key) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return 0;
  size_t peak = found->second.peak;
  found->second.peak = found->second.unfinished;
  return peak;
}

std::vector<uint64_t> ConnectionTable::oldest_idle(size_t count) const {
  std::vector<uint64_t> keys;
  for (const auto& [key, entry] : entries_) {
    if (keys.size() >= count) break;
    if (!entry.established) keys.push_back(key);
  }
  return keys;
}

std::string ConnectionTable::peer_of(uint64_t key) const {
  auto found = entries_.find(key);
  return found == entries_.end() ? "" : found->second.peer;
}

size_t ConnectionTable::count_of(const std::string& peer) const {
  auto found = per_peer_.find(peer);
  return found == per_peer_.end() ? 0 : found->second;
}

}  // namespace clusterctl
