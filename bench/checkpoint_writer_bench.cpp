// How fast the agent can checkpoint: atomic writes of small files one at a
// time (write, fsync, rename, fsync of the directory), and the
// CheckpointWriter taking a burst of writes to distinct runs, as when many
// checkpointed tasks start or report at once. Run: build/bin/checkpoint_writer_bench
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "daemons/agent/checkpoint_writer.hpp"

namespace clusterctl {
namespace {

std::string bench_dir() {
  return (std::filesystem::temp_directory_path() /
          ("checkpoint_writer_bench." + std::to_string(::getpid())))
      .string();
}

// A status update stream is a few hundred bytes.
const std::string kContent(400, 'x');

void BM_AtomicWrite(benchmark::State& state) {
  std::string dir = bench_dir();
  (void)make_directories(dir);
  int i = 0;
  for (auto _ : state) {
    Status written = write_file_atomic(dir + "/file" + std::to_string(i++ % 64), kContent);
    if (!written) state.SkipWithError(written.message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AtomicWrite)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_CheckpointWriterBurst(benchmark::State& state) {
  std::string dir = bench_dir();
  asio::io_context io;
  CheckpointWriter writer(io);
  int64_t burst = state.range(0);
  for (auto _ : state) {
    int64_t done = 0;
    for (int64_t i = 0; i < burst; ++i) {
      writer.write(dir + "/runs/container-" + std::to_string(i) + "/updates", kContent,
                   [&](const Status&) { ++done; });
    }
    io.restart();
    while (done < burst) io.run_one();
  }
  state.SetItemsProcessed(state.iterations() * burst);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CheckpointWriterBurst)
    ->Arg(50)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace clusterctl

BENCHMARK_MAIN();
