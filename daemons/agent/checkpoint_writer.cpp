#include "daemons/agent/checkpoint_writer.hpp"

#include <filesystem>

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/log.hpp"

namespace clusterctl {

namespace {

Status remove_dir(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return Status::io_error("cannot remove '" + path + "': " + error.message());
  return Status::ok();
}

Status make_parent(const std::string& path) {
  std::error_code error;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (std::filesystem::is_directory(parent, error)) return Status::ok();
  return make_directories(parent.string());
}

}  // namespace

// Runs a batch in order: each run of writes together (write_files_atomic:
// two file system syncs for all of them), a removal on its own.
std::vector<Status> CheckpointWriter::perform(const std::vector<Operation>& batch) {
  std::vector<Status> results(batch.size());
  size_t next = 0;
  while (next < batch.size()) {
    if (batch[next].remove) {
      results[next] = remove_dir(batch[next].path);
      ++next;
      continue;
    }
    std::vector<size_t> indexes;
    std::vector<std::pair<std::string, std::string>> files;
    for (; next < batch.size() && !batch[next].remove; ++next) {
      results[next] = make_parent(batch[next].path);
      if (!results[next]) continue;
      indexes.push_back(next);
      files.emplace_back(batch[next].path, batch[next].content);
    }
    // Mode 0600: executor checkpoints hold the executors' secrets.
    std::vector<Status> written = write_files_atomic(files, 0600);
    for (size_t i = 0; i < indexes.size(); ++i) results[indexes[i]] = written[i];
  }
  return results;
}

// One thread, so that operations happen in order and never on the event loop.
struct CheckpointWriter::Worker {
  asio::thread_pool pool{1};
  ~Worker() { pool.join(); }
};

CheckpointWriter::CheckpointWriter(asio::io_context& io)
    : io_(io), worker_(std::make_unique<Worker>()), alive_(std::make_shared<bool>(true)) {}

CheckpointWriter::~CheckpointWriter() {
  *alive_ = false;
  worker_.reset();  // waits for the batch in flight
}

void CheckpointWriter::write(const std::string& path, std::string content, Done done) {
  for (Operation& waiting : queue_) {
    if (!waiting.remove && waiting.path == path) {
      waiting.content = std::move(content);
      waiting.done.push_back(std::move(done));
      return;
    }
  }
  queue(Operation{false, path, std::move(content), {std::move(done)}});
}

void CheckpointWriter::remove_all(const std::string& dir, Done done) {
  queue(Operation{true, dir, "", {std::move(done)}});
}

void CheckpointWriter::queue(Operation operation) {
  queue_.push_back(std::move(operation));
  if (in_flight_ == 0) start_batch();
}

void CheckpointWriter::start_batch() {
  if (queue_.empty()) return;
  auto batch = std::make_shared<std::vector<Operation>>(std::move(queue_));
  queue_.clear();
  in_flight_ = batch->size();
  // The loop must not run out of work while the batch is on the worker.
  auto busy = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  asio::post(worker_->pool, [this, alive = alive_, batch, busy] {
    auto results = std::make_shared<std::vector<Status>>(perform(*batch));
    asio::post(io_, [this, alive, batch, results, busy] {
      busy->reset();
      if (!*alive) return;
      in_flight_ = 0;
      for (size_t i = 0; i < batch->size(); ++i) {
        const Status& result = (*results)[i];
        if (!result) LOG(kError) << "checkpoint: " << result.message();
        for (Done& done : (*batch)[i].done) done(result);
      }
      start_batch();
    });
  });
}

}  // namespace clusterctl
