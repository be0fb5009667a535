// clusterctl logs: a task's stdout (or stderr) from its sandbox, like
// `nomad alloc logs`: all of it, the last N lines, or followed until the task
// ends. The file is read through the agent's /files/read (cmd/task_sandbox.*).
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/task_sandbox.hpp"
#include "daemons/agent/file_server.hpp"

namespace clusterctl::cmd {

namespace {

constexpr int64_t kChunk = static_cast<int64_t>(kMaxFileReadBytes);
// --follow asks the agent for new output this often, and the master whether
// the task ended every kEndCheckEvery reads.
constexpr auto kFollowInterval = std::chrono::milliseconds(250);
constexpr int kEndCheckEvery = 8;

void write_out(const std::string& data) {
  const char* bytes = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t written = ::write(STDOUT_FILENO, bytes, left);
    if (written <= 0) return;
    bytes += written;
    left -= static_cast<size_t>(written);
  }
}

// Prints the file from `offset` to its end; returns the new offset.
StatusOr<int64_t> print_from(const TaskSandbox& sandbox, const std::string& name, int64_t offset,
                             Duration timeout) {
  for (;;) {
    auto chunk = read_sandbox_file(sandbox, name, offset, kChunk, timeout);
    if (!chunk) return chunk.status();
    write_out(chunk->data);
    offset += static_cast<int64_t>(chunk->data.size());
    if (chunk->data.empty() || offset >= chunk->size) return offset;
  }
}

// Where the last `lines` lines of the file start.
StatusOr<int64_t> tail_offset(const TaskSandbox& sandbox, const std::string& name, int64_t lines,
                              Duration timeout) {
  auto size_only = read_sandbox_file(sandbox, name, -1, 0, timeout);
  if (!size_only) return size_only.status();
  int64_t end = size_only->size;
  int64_t start = end;
  int64_t newlines = 0;
  while (start > 0) {
    int64_t from = std::max<int64_t>(0, start - kChunk);
    auto chunk = read_sandbox_file(sandbox, name, from, start - from, timeout);
    if (!chunk) return chunk.status();
    for (int64_t i = static_cast<int64_t>(chunk->data.size()) - 1; i >= 0; --i) {
      // The newline ending the last line does not start a line of its own.
      if (chunk->data[i] == '\n' && from + i != end - 1 && ++newlines == lines) return from + i + 1;
    }
    start = from;
  }
  return int64_t{0};
}

Status follow(const LogsOptions& options, const TaskSandbox& sandbox, const std::string& name,
              int64_t offset) {
  for (int round = 1;; ++round) {
    bool check_end = round % kEndCheckEvery == 0;
    StatusOr<bool> ended = check_end ? task_has_ended(options.master, sandbox, options.timeout)
                                     : StatusOr<bool>(false);
    if (!ended) return ended.status();
    auto size_only = read_sandbox_file(sandbox, name, -1, 0, options.timeout);
    if (!size_only) return size_only.status();
    if (size_only->size < offset) {
      // Rotated: the rest of the old file is now NAME.1.
      auto rest = print_from(sandbox, name + ".1", offset, options.timeout);
      if (!rest) return rest.status();
      offset = 0;
    }
    auto printed = print_from(sandbox, name, offset, options.timeout);
    if (!printed) return printed.status();
    offset = *printed;
    if (*ended) return Status::ok();  // read once more after the end: nothing is left behind
    std::this_thread::sleep_for(kFollowInterval);
  }
}

}  // namespace

void setup_logs(CLI::App& app) {
  auto options = std::make_shared<LogsOptions>();
  add_master_flag(app, options->master);
  add_tls_client_flag(app);
  app.add_option("TASK_ID", options->task_id, "The task (its id, or a unique prefix of it)")
      ->type_name("ID")
      ->required();
  app.add_flag("--stderr", options->stderr_stream, "Print the task's stderr instead of stdout");
  app.add_flag("-f,--follow", options->follow,
               "Keep printing new output until the task ends (Ctrl-C stops)");
  app.add_option("-n,--tail", options->tail, "Print only the last N lines (then follow, with -f)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber.description(""));
  add_duration_flag(app, "--timeout", options->timeout,
                    "Give up when the master or the agent has not answered by then");
  set_run(app, options, &run_logs);
}

int run_logs(const LogsOptions& options) {
  auto sandbox = find_task_sandbox(options.master, options.task_id, options.timeout);
  if (!sandbox) {
    print_error("logs", sandbox.status().message());
    return 1;
  }
  std::string name = options.stderr_stream ? "stderr" : "stdout";
  StatusOr<int64_t> offset =
      options.tail ? tail_offset(*sandbox, name, *options.tail, options.timeout) : int64_t{0};
  if (offset) offset = print_from(*sandbox, name, *offset, options.timeout);
  Status followed = offset ? Status::ok() : offset.status();
  if (followed && options.follow) followed = follow(options, *sandbox, name, *offset);
  if (!followed) {
    std::string message = followed.message();
    if (followed.kind() == ErrorKind::kNotFound) {
      message = "task " + sandbox->task_id + " has no " + name +
                " (its sandbox may have been garbage-collected): " + message;
    }
    print_error("logs", message);
    return 1;
  }
  return 0;
}

}  // namespace clusterctl::cmd
