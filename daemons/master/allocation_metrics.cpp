#include "daemons/master/allocation_metrics.hpp"

#include <algorithm>
#include <vector>

namespace clusterctl {

void AllocationMetrics::record_run(double cycle_millis, size_t offers_made) {
  recent_[view_.allocation_runs % kWindow] = cycle_millis;
  ++view_.allocation_runs;
  view_.last_cycle_millis = cycle_millis;
  view_.offers_made += offers_made;
}

AllocationMetricsView AllocationMetrics::view() const {
  AllocationMetricsView view = view_;
  size_t count = std::min<uint64_t>(view_.allocation_runs, kWindow);
  if (count > 0) {
    std::vector<double> times(recent_.begin(), recent_.begin() + count);
    size_t rank = (count * 99 + 99) / 100 - 1;  // the nearest-rank 99th percentile
    std::nth_element(times.begin(), times.begin() + rank, times.end());
    view.p99_cycle_millis = times[rank];
  }
  return view;
}

}  // namespace clusterctl
