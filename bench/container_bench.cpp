// Container launch and destroy cost, and fetch throughput, on this machine.
//
//   build/bin/container_bench [TASKS]     (default 100; cgroup rows need root)
//
// Launch: an agent in this process (its real executors, real cgroups)
// against a minimal master on loopback; TASKS tasks running `true` are sent
// at once and timed until the last one has ended and its container is gone.
// Rows: no isolation, cgroups cpu+mem+pids, and those with namespaces/pid.
// Fetch: a 64 MB artifact from a local HTTP server into a sandbox, without
// the cache, as a cache miss and as a cache hit. Prints a table.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/task_state.hpp"
#include "daemons/agent/agent.hpp"
#include "fetcher/fetcher.hpp"
#include "plugins/isolators/cgroups/cgroup.hpp"
#include "tests/support/http_test_server.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string binary_dir() {
  return fs::read_symlink("/proc/self/exe").parent_path().string();
}

// Registers the agent, counts terminal updates.
struct MiniMaster {
  explicit MiniMaster(asio::io_context& io) {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      if (message.method == "agent.register") {
        agent = connection;
        responder.reply(pack_payload(RegisterAgentReply{"agent-bench", 60000}));
        return;
      }
      if (message.method == "agent.status_update") {
        auto call = message.params.as<StatusUpdateCall>();
        if (call && is_terminal(call->status.state)) {
          ++ended;
          if (call->status.state != TaskState::kFinished) ++failed;
        }
      }
      responder.reply(empty_payload());
    };
    server = std::move(rpc_listen(io, "127.0.0.1:0", handlers)).value();
  }
  std::unique_ptr<RpcServer> server;
  RpcConnectionPtr agent;
  int ended = 0;
  int failed = 0;
};

void run_until(asio::io_context& io, const std::function<bool()>& done) {
  auto deadline = Clock::now() + std::chrono::minutes(5);
  while (!done() && Clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
}

// Tasks per second for `tasks` runs of `true` under `isolation`.
double launch_rate(const std::string& isolation, int tasks, const fs::path& work) {
  asio::io_context io;
  MiniMaster master(io);
  AgentOptions options;
  options.master = master.server->address();
  options.listen = "127.0.0.1:0";
  options.work_dir = (work / "agent").string();
  options.resources = "cpus:64;mem:65536";
  options.executor_binary = binary_dir() + "/clusterctl";
  options.containers.isolation = isolation;
  options.containers.cgroups_root = "clusterctl-bench-" + std::to_string(::getpid());
  options.containers.usage_interval = Duration(60000);
  auto agent = Agent::create(io, options);
  if (!agent) {
    std::fprintf(stderr, "%s\n", agent.status().message().c_str());
    return 0;
  }
  run_until(io, [&] { return master.agent != nullptr; });
  auto started = Clock::now();
  for (int i = 0; i < tasks; ++i) {
    RunTaskCall call;
    call.framework_id = "fw-bench";
    call.task.task_id = "t" + std::to_string(i);
    call.task.resources = *Resources::parse("cpus:0.1;mem:32");
    call.task.command.value = "true";
    master.agent->call("agent.run_task", pack_payload(call), Duration(60000), [](auto) {});
  }
  run_until(io, [&] { return master.ended == tasks; });
  bool stopped = false;
  (*agent)->shutdown([&] { stopped = true; });  // waits for every container's cleanup
  run_until(io, [&] { return stopped; });
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (master.failed > 0) std::fprintf(stderr, "%d tasks did not finish\n", master.failed);
  return tasks / seconds;
}

// MB/s of fetching `uri` into a fresh sandbox with `fetcher`.
double fetch_rate(Fetcher& fetcher, const UriInfo& uri, size_t bytes, const fs::path& sandbox) {
  fs::remove_all(sandbox);
  fs::create_directories(sandbox);
  auto started = Clock::now();
  Status fetched = fetcher.fetch({uri}, sandbox.string(), {});
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!fetched) std::fprintf(stderr, "%s\n", fetched.message().c_str());
  return static_cast<double>(bytes) / (1 << 20) / seconds;
}

void remove_bench_cgroups() {
  std::string root = "clusterctl-bench-" + std::to_string(::getpid());
  for (const char* controller : {"cpu", "cpuacct", "memory", "pids"}) {
    auto mount = find_controller_mount(controller);
    if (mount) ::rmdir((mount->path + "/" + root).c_str());
  }
}

}  // namespace
}  // namespace clusterctl

int main(int argc, char** argv) {
  using namespace clusterctl;
  set_log_level(LogLevel::kError);
  int tasks = argc > 1 ? std::atoi(argv[1]) : 100;
  fs::path work = fs::temp_directory_path() / ("container_bench." + std::to_string(::getpid()));
  bool root = ::geteuid() == 0;
  std::printf("container launch + destroy, %d tasks of `true` at once, %ld cores\n", tasks,
              ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("  %-52s %10s\n", "isolation", "tasks/s");
  for (const char* isolation : {"", "cgroups/cpu,cgroups/mem,cgroups/pids",
                                "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid"}) {
    std::string name = *isolation ? isolation : "(none)";
    if (*isolation && !root) {
      std::printf("  %-52s %10s\n", name.c_str(), "skipped (needs root)");
      continue;
    }
    fs::remove_all(work);
    std::printf("  %-52s %10.1f\n", name.c_str(), launch_rate(isolation, tasks, work));
  }
  remove_bench_cgroups();

  const size_t bytes = 64 << 20;
  HttpTestServer server;
  server.add("/artifact.bin", {200, std::string(bytes, 'x')});
  FetcherOptions options;
  options.cache_dir = (work / "cache").string();
  Fetcher fetcher(options);
  (void)fetcher.open();
  UriInfo plain;
  plain.value = server.url("/artifact.bin");
  UriInfo cached = plain;
  cached.cache = true;
  std::printf("\nfetch of a %zu MB artifact from a local HTTP server\n", bytes >> 20);
  std::printf("  %-52s %10s\n", "path", "MB/s");
  std::printf("  %-52s %10.0f\n", "no cache", fetch_rate(fetcher, plain, bytes, work / "s1"));
  std::printf("  %-52s %10.0f\n", "cache miss (download and store)",
              fetch_rate(fetcher, cached, bytes, work / "s2"));
  std::printf("  %-52s %10.0f\n", "cache hit (copy from the cache)",
              fetch_rate(fetcher, cached, bytes, work / "s3"));
  fs::remove_all(work);
  return 0;
}
