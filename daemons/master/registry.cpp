#include "daemons/master/registry.hpp"

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/file_frame.hpp"
#include "core/log.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {

namespace {
constexpr uint32_t kFormatVersion = 1;
}  // namespace

// One thread so that stores happen in order and never on the event loop.
struct Registry::Worker {
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
  if (state->format_version > kFormatVersion) {
    return Status::failed_precondition(
        what + " has format version " + std::to_string(state->format_version) +
        "; this clusterctl reads up to " + std::to_string(kFormatVersion) + ": upgrade clusterctl");
  }
  if (frame->legacy) LOG(kInfo) << what << " has no checksum yet: its next write adds one";
  return state;
}

Registry::Registry(asio::io_context& io, std::string path, RegistryState state)
    : io_(io),
      path_(std::move(path)),
      state_(std::move(state)),
      worker_(std::make_unique<Worker>()),
      alive_(std::make_shared<bool>(true)) {}

Registry::~Registry() {
  *alive_ = false;
  worker_.reset();  // waits for a store in flight
}

StatusOr<std::unique_ptr<Registry>> Registry::open(asio::io_context& io,
                                                   const std::string& work_dir) {
  CLUSTERCTL_RETURN_IF_ERROR(make_directories(work_dir));
  std::string path = work_dir + "/registry";
  RegistryState state;
  auto bytes = read_file(path);
  if (bytes.is_ok()) {
    auto decoded = decode_registry(*bytes, "registry '" + path + "'");
    if (!decoded) return decoded.status();
    state = std::move(decoded).value();
    LOG(kInfo) << "registry " << path << ": " << state.agents.size() << " agents, "
               << state.frameworks.size() << " frameworks, " << state.quotas.size() << " quotas, "
               << state.weights.size() << " weights";
  } else if (bytes.status().kind() != ErrorKind::kNotFound) {
    return bytes.status();
  }
  return std::unique_ptr<Registry>(new Registry(io, std::move(path), std::move(state)));
}

void Registry::update(Change change, Done done) {
  queue_.push_back(Pending{std::move(change), std::move(done)});
  if (!storing_) start_next();
}

void Registry::start_next() {
  while (!queue_.empty() && !storing_) {
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    auto changed = std::make_shared<RegistryState>(state_);
    Status allowed = next.change(*changed);
    if (!allowed) {
      next.done(allowed);
      continue;
    }
    changed->format_version = kFormatVersion;
    storing_ = true;
    std::string bytes = encode_registry(*changed);
    asio::post(worker_->pool, [this, alive = alive_, path = path_, bytes = std::move(bytes),
                               changed, done = std::move(next.done)]() mutable {
      Status stored = write_file_atomic(path, bytes);
      asio::post(io_, [this, alive, stored, changed, done = std::move(done)] {
        if (!*alive) return;
        storing_ = false;
        if (stored) state_ = std::move(*changed);
        done(stored.is_ok() ? stored
                            : Status(stored.kind(), "registry not updated: " + stored.message()));
        start_next();
      });
    });
  }
}

}  // namespace clusterctl
