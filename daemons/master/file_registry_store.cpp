#include "daemons/master/file_registry_store.hpp"

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/file_frame.hpp"
#include "core/log.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {

// One thread so that stores happen in order and never on the event loop.
struct FileRegistryStore::Worker {
  asio::thread_pool pool{1};
  ~Worker() { pool.join(); }
};

std::string encode_registry(const RegistryState& state) {
  return frame_file(pack_payload(state));
}

StatusOr<RegistryState> decode_registry(const std::string& bytes, const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return Status::io_error(what + " is corrupt: " + why +
                            "; restore it from a backup or move it away to start empty");
  };
  // A registry written before frames existed is a bare msgpack map.
  auto frame = unframe_file(bytes, starts_like_msgpack_map);
  if (!frame) {
    if (frame.status().kind() != ErrorKind::kFailedPrecondition) {
      return corrupt(frame.status().message());
    }
    return Status::failed_precondition(what + " " + frame.status().message() +
                                       ": upgrade clusterctl");
  }
  auto state = unpack_payload<RegistryState>(std::string(frame->payload));
  if (!state) return corrupt("cannot decode it (" + state.status().message() + ")");
  if (state->format_version > kRegistryFormatVersion) {
    return Status::failed_precondition(
        what + " has format version " + std::to_string(state->format_version) +
        "; this clusterctl reads up to " + std::to_string(kRegistryFormatVersion) +
        ": upgrade clusterctl");
  }
  if (frame->legacy) LOG(kInfo) << what << " has no checksum yet: its next write adds one";
  return state;
}

FileRegistryStore::FileRegistryStore(asio::io_context& io, std::string path)
    : io_(io),
      path_(std::move(path)),
      worker_(std::make_unique<Worker>()),
      alive_(std::make_shared<bool>(true)) {}

FileRegistryStore::~FileRegistryStore() {
  *alive_ = false;
  worker_.reset();  // waits for a write in flight
}

StatusOr<RegistryState> FileRegistryStore::load(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) {
    if (bytes.status().kind() == ErrorKind::kNotFound) return RegistryState{};
    return bytes.status();
  }
  return decode_registry(*bytes, "registry '" + path + "'");
}

void FileRegistryStore::store(const RegistryState& before, const RegistryState& after, Done done) {
  std::string bytes = encode_registry(after);
  asio::post(worker_->pool,
             [this, alive = alive_, bytes = std::move(bytes), done = std::move(done)]() mutable {
               // path_ and io_ outlive the worker: the destructor joins it first.
               Status written = write_file_atomic(path_, bytes);
               asio::post(io_, [alive, written, done = std::move(done)] {
                 if (*alive) done(written);
               });
             });
}

std::string FileRegistryStore::description() const {
  return "registry file '" + path_ + "'";
}

}  // namespace clusterctl
