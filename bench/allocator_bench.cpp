// Figures for the DRF allocator (recorded in docs/PERFORMANCE.md):
//  - memory of the allocator per agent and per framework, in-process;
//  - memory of a real master process per framework and per agent;
//  - allocation cycle time for agents x frameworks, every agent
//    cpus:32;mem:262144 and every framework wanting everything: the first
//    full cycle, and the steady state where 90% of the frameworks decline
//    what they get with a 5 s filter (the others use it and give it back at
//    once) and the clock moves 1 s per cycle;
//  - the same cycle through the plugin ABI (allocator_drf.so, msgpack both
//    ways, decoded by the master's Allocator) for the largest sizes.
// Usage: allocator_bench [--quick] [--no-master]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/master_memory.hpp"
#include "core/plugin/plugin_library.hpp"
#include "daemons/master/allocator.hpp"
#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl {
namespace {

using Clock = std::chrono::steady_clock;

double millis_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

const Resources& agent_resources() {
  static const Resources resources = *Resources::parse("cpus:32;mem:262144");
  return resources;
}

std::string agent_name(int i) {
  return "agent-" + std::to_string(100000 + i);
}
std::string framework_name(int i) {
  return "framework-" + std::to_string(10000 + i);
}
// Two levels of roles: ten groups with a role per framework under them.
std::string role_of(int i) {
  return "group" + std::to_string(i % 10) + "/team" + std::to_string(i);
}
// 1 framework in 10 uses what it gets (and gives it back at once); the rest decline it.
int64_t refuse_millis_of(int framework) {
  return framework % 10 == 0 ? 0 : 5000;
}

drf::DrfOptions drf_options() {
  drf::DrfOptions options;
  options.min_allocatable = {*Resources::parse("cpus:0.01"), *Resources::parse("mem:32")};
  return options;
}

struct Held {
  int framework;
  std::string framework_id, agent_id, role;
  Resources resources;
};

struct CycleFigures {
  int agents = 0;
  int frameworks = 0;
  bool quotas = false;  // each of the ten parent roles has a guarantee and a limit
  double full_millis = 0;
  size_t full_offers = 0;
  double steady_millis = 0;      // mean of the measured steady cycles
  double steady_max_millis = 0;  // slowest of them
  size_t steady_offers = 0;
  double events_millis = 0;  // mean time to apply one round of declines/returns
};

constexpr int kWarmRounds = 3;
constexpr int kMeasuredRounds = 5;

CycleFigures run_in_process(int agents, int frameworks, bool quotas = false) {
  CycleFigures figures{agents, frameworks, quotas};
  drf::DrfAllocator allocator(drf_options());
  for (int i = 0; i < agents; ++i) allocator.add_agent(agent_name(i), agent_resources(), {});
  // A twentieth of the cluster guaranteed to each group, at most a fifth of it.
  for (int group = 0; quotas && group < 10; ++group) {
    allocator.set_quota("group" + std::to_string(group),
                        *Resources::parse("cpus:" + std::to_string(agents * 32 / 20)),
                        *Resources::parse("cpus:" + std::to_string(agents * 32 / 5)));
  }
  for (int j = 0; j < frameworks; ++j) allocator.add_framework(framework_name(j), {role_of(j)});
  auto collect = [&](const std::vector<drf::Grant>& grants) {
    std::vector<Held> held;
    held.reserve(grants.size());
    for (const drf::Grant& grant : grants) {
      const std::string& id = allocator.framework_id(grant);
      held.push_back({std::stoi(id.substr(10)) - 10000, id, allocator.agent_id(grant),
                      allocator.role_name(grant), allocator.resources(grant.resources)});
    }
    return held;
  };
  auto start = Clock::now();
  const auto& first = allocator.allocate(0);
  figures.full_millis = millis_since(start);
  figures.full_offers = first.size();
  std::vector<Held> held = collect(first);
  int64_t now = 0;
  for (int round = 0; round < kWarmRounds + kMeasuredRounds; ++round) {
    start = Clock::now();
    for (const Held& entry : held) {
      (void)allocator.recover(entry.framework_id, entry.agent_id, entry.role, entry.resources,
                              refuse_millis_of(entry.framework), now);
    }
    double events = millis_since(start);
    now += 1000;
    start = Clock::now();
    const auto& grants = allocator.allocate(now);
    double cycle = millis_since(start);
    if (round >= kWarmRounds) {
      figures.steady_millis += cycle / kMeasuredRounds;
      figures.steady_max_millis = std::max(figures.steady_max_millis, cycle);
      figures.events_millis += events / kMeasuredRounds;
      figures.steady_offers = grants.size();
    }
    held = collect(grants);
  }
  return figures;
}

CycleFigures run_through_abi(int agents, int frameworks) {
  CycleFigures figures{agents, frameworks};
  auto config = allocator_config("cpus:0.01|mem:32");
  auto loaded =
      Allocator::load("drf", std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl", *config);
  if (!loaded) {
    std::fprintf(stderr, "cannot load allocator_drf.so: %s\n", loaded.status().message().c_str());
    return figures;
  }
  Allocator& allocator = **loaded;
  for (int i = 0; i < agents; ++i)
    (void)allocator.add_agent(agent_name(i), agent_resources(), {}, 0);
  for (int j = 0; j < frameworks; ++j) {
    (void)allocator.add_framework(framework_name(j), {role_of(j)}, 0);
  }
  auto start = Clock::now();
  auto first = allocator.allocate(0);
  figures.full_millis = millis_since(start);
  std::vector<Allocation> held = first.is_ok() ? *first : std::vector<Allocation>();
  figures.full_offers = held.size();
  int64_t now = 0;
  for (int round = 0; round < kWarmRounds + kMeasuredRounds; ++round) {
    start = Clock::now();
    for (const Allocation& entry : held) {
      int framework = std::stoi(entry.framework_id.substr(10)) - 10000;
      (void)allocator.recover(entry.framework_id, entry.agent_id, entry.role, entry.resources,
                              refuse_millis_of(framework), now);
    }
    double events = millis_since(start);
    now += 1000;
    start = Clock::now();
    auto grants = allocator.allocate(now);
    double cycle = millis_since(start);
    held = grants.is_ok() ? *grants : std::vector<Allocation>();
    if (round >= kWarmRounds) {
      figures.steady_millis += cycle / kMeasuredRounds;
      figures.steady_max_millis = std::max(figures.steady_max_millis, cycle);
      figures.events_millis += events / kMeasuredRounds;
      figures.steady_offers = held.size();
    }
  }
  return figures;
}

void print_cycles(const char* title, const std::vector<CycleFigures>& rows) {
  std::printf("\n%s\n", title);
  std::printf(
      "| agents | frameworks | full cycle ms | offers | steady cycle ms (mean / max) | "
      "offers | declines applied ms |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const CycleFigures& row : rows) {
    std::printf("| %d | %d%s | %.1f | %zu | %.1f / %.1f | %zu | %.1f |\n", row.agents,
                row.frameworks, row.quotas ? " (10 quotas)" : "", row.full_millis, row.full_offers,
                row.steady_millis, row.steady_max_millis, row.steady_offers, row.events_millis);
    std::fflush(stdout);
  }
}

void print_allocator_memory(int agents, int frameworks) {
  size_t before = resident_bytes();
  {
    drf::DrfAllocator allocator(drf_options());
    for (int i = 0; i < agents; ++i) allocator.add_agent(agent_name(i), agent_resources(), {});
    size_t with_agents = resident_bytes();
    for (int j = 0; j < frameworks; ++j) allocator.add_framework(framework_name(j), {role_of(j)});
    size_t with_frameworks = resident_bytes();
    std::printf("\nMemory of the DRF allocator (in-process, resident set growth)\n");
    std::printf("| what | count | bytes each |\n| --- | ---: | ---: |\n");
    std::printf("| agent | %d | %zu |\n", agents, (with_agents - before) / agents);
    std::printf("| framework (own role) | %d | %zu |\n", frameworks,
                (with_frameworks - with_agents) / frameworks);
  }
}

}  // namespace
}  // namespace clusterctl

int main(int argc, char** argv) {
  using namespace clusterctl;
  bool quick = false;
  bool master = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") quick = true;
    if (arg == "--no-master") master = false;
  }
  std::printf("allocator_bench on %u cores (%s)\n", std::thread::hardware_concurrency(),
              quick ? "quick" : "full");
  print_allocator_memory(quick ? 10000 : 50000, 1000);
  if (master) {
    print_master_memory(std::string(CLUSTERCTL_BUILD_DIR) + "/bin/clusterctl", quick ? 2000 : 10000,
                        quick ? 100 : 500);
  }
  std::vector<int> agent_counts =
      quick ? std::vector<int>{1000, 10000} : std::vector<int>{1000, 10000, 50000};
  std::vector<CycleFigures> rows;
  for (int agents : agent_counts) {
    for (int frameworks : {10, 100, 1000}) rows.push_back(run_in_process(agents, frameworks));
    if (agents == 50000) rows.push_back(run_in_process(agents, 200));
  }
  rows.push_back(run_in_process(10000, 1000, true));
  print_cycles("Allocation cycle, DRF allocator in-process", rows);
  std::vector<CycleFigures> abi_rows;
  abi_rows.push_back(run_through_abi(10000, 1000));
  if (!quick) abi_rows.push_back(run_through_abi(50000, 200));
  print_cycles("Allocation cycle through the plugin ABI (allocator_drf.so, msgpack both ways)",
               abi_rows);
  return 0;
}
