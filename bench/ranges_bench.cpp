// Figures for resources with many ranges (recorded in docs/PERFORMANCE.md):
//  - the Resources arithmetic (+, -, contains) on N disjoint ranges;
//  - an allocation cycle with one agent offering `ports` as N disjoint ranges
//    (and cpus, mem), in-process and through allocator_drf.so as the master
//    calls it: the first cycle, and the steady state where one framework
//    takes one range for a task each cycle and gives the rest back while a
//    second one declines what it gets with a 5 s filter.
// One agent's ranges are capped at kMaxRangesPerResource when it registers
// (core/resources.hpp); the larger sizes show what the cap protects against
// and that the arithmetic stays fast beyond it.
// Usage: ranges_bench [N...]   (default 1000 10000 100000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "daemons/master/allocator.hpp"
#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl {
namespace {

using Clock = std::chrono::steady_clock;

double millis_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ports as `count` disjoint ranges [10i, 10i+4], offset by `shift`.
Resources ports(size_t count, uint64_t shift = 0) {
  Resource resource;
  resource.name = "ports";
  resource.type = Resource::Type::kRanges;
  for (size_t i = 0; i < count; ++i)
    resource.ranges.push_back({10 * i + shift, 10 * i + 4 + shift});
  Resources result;
  (void)result.add(resource);
  return result;
}

Resources agent_total(size_t ranges) {
  return *Resources::parse("cpus:64;mem:65536") + ports(ranges);
}

// The first range of `ports` and a bit of cpu and memory: one task's share.
Resources task_share(const Resources& offered) {
  Resources share = *Resources::parse("cpus:0.1;mem:16");
  for (const Resource& resource : offered.items()) {
    if (resource.name != "ports" || resource.ranges.empty()) continue;
    Resource first = resource;
    first.ranges.resize(1);
    (void)share.add(first);
  }
  return share;
}

struct Figures {
  double first_millis = 0;
  double steady_mean_millis = 0;
  double steady_max_millis = 0;
  double events_millis = 0;  // giving back and declining, per cycle
};

constexpr int kRounds = 5;

void print_arithmetic(size_t count) {
  Resources a = ports(count);
  Resources b = ports(count / 2, 2);  // overlaps every range of a's first half
  auto start = Clock::now();
  Resources sum = a + b;
  double add = millis_since(start);
  start = Clock::now();
  Resources difference = a - b;
  double subtract = millis_since(start);
  start = Clock::now();
  bool contained = a.contains(difference);
  double contains = millis_since(start);
  std::printf("| %zu | %.2f | %.2f | %.2f |%s\n", count, add, subtract, contains,
              contained && !sum.empty() ? "" : " (wrong result!)");
  std::fflush(stdout);
}

// One cycle in the shape of both drivers: `allocate` returns (framework index,
// resources) pairs; `give_back` returns resources with a filter.
template <typename Allocate, typename GiveBack>
Figures run_cycles(Allocate allocate, GiveBack give_back) {
  Figures figures;
  int64_t now = 0;
  auto start = Clock::now();
  auto grants = allocate(now);
  figures.first_millis = millis_since(start);
  Resources running;  // the task started in the previous cycle
  for (int round = 0; round < kRounds; ++round) {
    start = Clock::now();
    if (!running.empty()) give_back(0, running, 0, now);
    running = Resources();
    for (const auto& [framework, resources] : grants) {
      if (framework == 1) {
        give_back(1, resources, 5000, now);
      } else {
        running = task_share(resources);
        give_back(0, resources - running, 0, now);
      }
    }
    figures.events_millis += millis_since(start) / kRounds;
    now += 1000;
    start = Clock::now();
    grants = allocate(now);
    double cycle = millis_since(start);
    figures.steady_mean_millis += cycle / kRounds;
    figures.steady_max_millis = std::max(figures.steady_max_millis, cycle);
  }
  return figures;
}

const char* kFrameworks[] = {"framework-user", "framework-decliner"};

Figures run_in_process(size_t ranges) {
  drf::DrfOptions options;
  options.min_allocatable = {*Resources::parse("cpus:0.01"), *Resources::parse("mem:32")};
  drf::DrfAllocator allocator(options);
  allocator.add_agent("agent-1", agent_total(ranges), {});
  for (const char* framework : kFrameworks) allocator.add_framework(framework, {"*"});
  auto allocate = [&](int64_t now) {
    std::vector<std::pair<int, Resources>> grants;
    for (const drf::Grant& grant : allocator.allocate(now)) {
      int index = allocator.framework_id(grant) == kFrameworks[0] ? 0 : 1;
      grants.emplace_back(index, allocator.resources(grant.resources));
    }
    return grants;
  };
  auto give_back = [&](int framework, const Resources& resources, int64_t refuse, int64_t now) {
    allocator.recover(kFrameworks[framework], "agent-1", "*", resources, refuse, now);
  };
  return run_cycles(allocate, give_back);
}

Figures run_through_abi(size_t ranges) {
  auto config = allocator_config("cpus:0.01|mem:32");
  auto loaded =
      Allocator::load("drf", std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl", *config);
  if (!loaded) {
    std::fprintf(stderr, "cannot load allocator_drf.so: %s\n", loaded.status().message().c_str());
    return {};
  }
  Allocator& allocator = **loaded;
  (void)allocator.add_agent("agent-1", agent_total(ranges), {}, 0);
  for (const char* framework : kFrameworks) (void)allocator.add_framework(framework, {"*"}, 0);
  auto allocate = [&](int64_t now) {
    std::vector<std::pair<int, Resources>> grants;
    auto allocations = allocator.allocate(now);
    for (const Allocation& allocation :
         allocations.is_ok() ? *allocations : std::vector<Allocation>()) {
      grants.emplace_back(allocation.framework_id == kFrameworks[0] ? 0 : 1, allocation.resources);
    }
    return grants;
  };
  auto give_back = [&](int framework, const Resources& resources, int64_t refuse, int64_t now) {
    (void)allocator.recover(kFrameworks[framework], "agent-1", "*", resources, refuse, now);
  };
  return run_cycles(allocate, give_back);
}

void print_row(size_t ranges, const Figures& figures) {
  std::printf("| %zu | %.2f | %.2f / %.2f | %.2f |\n", ranges, figures.first_millis,
              figures.steady_mean_millis, figures.steady_max_millis, figures.events_millis);
  std::fflush(stdout);
}

void print_header(const char* title) {
  std::printf("\n%s\n", title);
  std::printf(
      "| ranges | first cycle ms | steady cycle ms (mean / max) | give back and decline ms |\n");
  std::printf("| ---: | ---: | ---: | ---: |\n");
}

}  // namespace
}  // namespace clusterctl

int main(int argc, char** argv) {
  using namespace clusterctl;
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {1000, 10000, 100000};
  std::printf("ranges_bench on %u cores\n", std::thread::hardware_concurrency());
  std::printf("\nResources arithmetic on N disjoint ranges (b: N/2 ranges overlapping a)\n");
  std::printf("| ranges | a + b ms | a - b ms | a contains (a - b) ms |\n");
  std::printf("| ---: | ---: | ---: | ---: |\n");
  for (size_t size : sizes) print_arithmetic(size);
  print_header("Allocation cycle, one agent with N port ranges, DRF in-process");
  for (size_t size : sizes) print_row(size, run_in_process(size));
  print_header("The same through the plugin ABI (allocator_drf.so, msgpack both ways)");
  for (size_t size : sizes) print_row(size, run_through_abi(size));
  return 0;
}
