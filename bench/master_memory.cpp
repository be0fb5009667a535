#include "bench/master_memory.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/messages.hpp"
#include "core/process/process.hpp"
#include "core/rpc/blocking_client.hpp"

namespace clusterctl {

namespace {

// VmRSS of a process, in bytes.
size_t resident_bytes_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

std::string wait_for_address(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream file(path);
    std::string address;
    if (file >> address && !address.empty()) return address;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

// The master settles (allocations run, offers go out) before it is measured.
size_t settled_resident_bytes(pid_t pid) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  return resident_bytes_of(pid);
}

}  // namespace

void print_master_memory(const std::string& binary, int agents, int frameworks) {
  char pattern[] = "/tmp/clusterctl-bench.XXXXXX";
  std::string dir = mkdtemp(pattern);
  SpawnOptions options;
  options.argv = {binary,          "master",      "--listen", "127.0.0.1:0",          "--work-dir",
                  dir + "/master", "--log-level", "error",    "--agent-ping-timeout", "1h"};
  options.env = current_environment();
  options.stderr_path = dir + "/master.log";
  auto pid = spawn_process(options);
  if (!pid) {
    std::fprintf(stderr, "cannot start the master: %s\n", pid.status().message().c_str());
    return;
  }
  std::string address = wait_for_address(dir + "/master/master.address");
  std::vector<BlockingRpcClient> schedulers;
  size_t base = 0, with_frameworks = 0, with_agents = 0;
  if (!address.empty()) {
    base = settled_resident_bytes(*pid);
    for (int j = 0; j < frameworks; ++j) {
      auto client = BlockingRpcClient::connect(address, Duration(10000));
      if (!client) break;
      FrameworkInfo info;
      info.name = "bench-" + std::to_string(j);
      info.roles = {"team" + std::to_string(j)};
      if (!client->call("framework.subscribe", pack_payload(info), Duration(10000))) break;
      schedulers.push_back(std::move(*client));
    }
    with_frameworks = settled_resident_bytes(*pid);
    auto agent_link = BlockingRpcClient::connect(address, Duration(10000));
    for (int i = 0; agent_link && i < agents; ++i) {
      RegisterAgentCall call;
      call.agent.hostname = "bench-host-" + std::to_string(i);
      call.agent.address = "127.0.0.1:1";
      call.agent.resources = *Resources::parse("cpus:32;mem:262144;disk:1048576");
      if (!agent_link->call("agent.register", pack_payload(call), Duration(10000))) break;
    }
    with_agents = settled_resident_bytes(*pid);
  }
  ::kill(*pid, SIGTERM);
  int status = 0;
  ::waitpid(*pid, &status, 0);
  std::filesystem::remove_all(dir);
  if (address.empty() || schedulers.size() != static_cast<size_t>(frameworks)) {
    std::fprintf(stderr, "master memory: the master did not come up or refused frameworks\n");
    return;
  }
  std::printf("\nMemory of a master process (resident set growth, real daemon on loopback)\n");
  std::printf("| what | count | bytes each |\n| --- | ---: | ---: |\n");
  std::printf("| master at start | 1 | %zu |\n", base);
  std::printf("| framework (subscribed, own role) | %d | %zu |\n", frameworks,
              (with_frameworks - base) / frameworks);
  std::printf("| agent (registered, with one outstanding offer) | %d | %zu |\n", agents,
              (with_agents - with_frameworks) / agents);
}

}  // namespace clusterctl
