// RotatingOutput: one output stream of a task (stdout or stderr) through a
// pipe into its sandbox file, rotated once it passes max_bytes:
// stdout -> stdout.1 -> ... -> stdout.KEEP, the oldest dropped. The task may
// replace those names with anything (a symbolic link to /etc/cron.d/x, a
// FIFO, a directory): files are opened and renamed relative to the
// directory's descriptor, never through a link (core/process/output_file.hpp),
// and output that cannot go into a regular file of the sandbox is dropped.
//
//   RotatingOutput out(io, sandbox + "/stdout", 10 << 20, 5);
//   StatusOr<int> pipe = out.open();  // the task's stdout; close it after the spawn
//   out.start();
//   ...  // the task ended:
//   out.drain();  // what is still in the pipe, without waiting for writers
//
// Threading: one io_context thread. Writes to the file are plain write()s
// on that thread (the executor's only work besides its few RPCs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class RotatingOutput {
 public:
  RotatingOutput(boost::asio::io_context& io, std::string path, uint64_t max_bytes, uint32_t keep);
  ~RotatingOutput();
  RotatingOutput(const RotatingOutput&) = delete;
  RotatingOutput& operator=(const RotatingOutput&) = delete;

  // Creates the pipe and opens the file; returns the write end.
  StatusOr<int> open();
  // Starts copying from the pipe.
  void start();
  // Copies what the pipe holds now, then stops (other writers may keep it open).
  void drain();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// In the directory `dir`: renames name.(keep-1) -> name.keep, ..., name ->
// name.1, the oldest removed (blocking). Renames move links, never follow them.
void rotate_files(int dir, const std::string& name, uint32_t keep);

}  // namespace clusterctl
