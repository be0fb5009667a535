// Counters and timings of the master's allocation: runs, the last and the
// 99th-percentile cycle time (over the last 1024 runs, measured by the master
// around the allocator call, the plugin ABI included), and offers made,
// declined and rescinded. Shown as "allocation" in /state.
// Touched only on the master's event loop thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/allocation_messages.hpp"

namespace clusterctl {

class AllocationMetrics {
 public:
  void record_run(double cycle_millis, size_t offers_made);
  void record_declined(size_t offers) { view_.offers_declined += offers; }
  void record_rescinded(size_t offers) { view_.offers_rescinded += offers; }
  AllocationMetricsView view() const;

 private:
  static constexpr size_t kWindow = 1024;
  std::array<double, kWindow> recent_{};
  AllocationMetricsView view_;
};

}  // namespace clusterctl
