// CheckpointWriter: stores the agent's checkpoint files (checkpoint.hpp) off
// the event loop.
//
// Operations run on one worker thread, in the order they were queued, each
// write atomic (write, sync, rename) and creating its directory. What queues
// up while the worker is busy goes to it as one batch, whose writes share
// their file system syncs (write_files_atomic); a write queued while an
// earlier write of the same path still waits for the worker replaces that
// write's content (the newest content is what matters), and the callbacks of
// both run once it is stored. `done` runs on the io_context thread with the
// result. Destroying the writer waits for the batch in flight; callbacks of
// queued operations are then dropped.
//
// Threading: owned by one io_context thread; call it and get callbacks there.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class CheckpointWriter {
 public:
  using Done = std::function<void(const Status&)>;

  explicit CheckpointWriter(boost::asio::io_context& io);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  void write(const std::string& path, std::string content, Done done);
  // Removes a directory and everything in it (missing is fine).
  void remove_all(const std::string& dir, Done done);

  // Operations queued or in flight.
  size_t pending() const { return queue_.size() + in_flight_; }

 private:
  struct Operation {
    bool remove = false;
    std::string path;
    std::string content;
    std::vector<Done> done;
  };
  struct Worker;

  void queue(Operation operation);
  void start_batch();
  // On the worker thread.
  static std::vector<Status> perform(const std::vector<Operation>& batch);

  boost::asio::io_context& io_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<bool> alive_;
  std::vector<Operation> queue_;
  size_t in_flight_ = 0;
};

}  // namespace clusterctl
