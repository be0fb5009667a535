#include "daemons/master/registry.hpp"

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "daemons/master/file_registry_store.hpp"

namespace clusterctl {

Registry::Registry(asio::io_context& io, RegistryState state, std::unique_ptr<RegistryStore> store)
    : io_(io),
      state_(std::move(state)),
      store_(std::move(store)),
      alive_(std::make_shared<bool>(true)) {}

Registry::~Registry() {
  *alive_ = false;
  store_.reset();
}

StatusOr<std::unique_ptr<Registry>> Registry::open(asio::io_context& io,
                                                   const std::string& work_dir) {
  CLUSTERCTL_RETURN_IF_ERROR(make_directories(work_dir));
  std::string path = work_dir + "/registry";
  auto state = FileRegistryStore::load(path);
  if (!state) return state.status();
  LOG(kInfo) << "registry " << path << ": " << state->agents.size() << " agents, "
             << state->frameworks.size() << " frameworks, " << state->quotas.size() << " quotas, "
             << state->weights.size() << " weights";
  return with_store(io, std::move(state).value(),
                    std::make_unique<FileRegistryStore>(io, std::move(path)));
}

std::unique_ptr<Registry> Registry::with_store(asio::io_context& io, RegistryState state,
                                               std::unique_ptr<RegistryStore> store) {
  return std::unique_ptr<Registry>(new Registry(io, std::move(state), std::move(store)));
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
    changed->format_version = kRegistryFormatVersion;
    storing_ = true;
    // Through a post: a store may finish before store() returns, and the
    // next update must not start inside this loop.
    store_->store(state_, *changed,
                  [this, alive = alive_, changed, done = std::move(next.done)](Status stored) {
                    asio::post(io_, [this, alive, stored, changed, done] {
                      if (*alive) finish(stored, changed, done);
                    });
                  });
  }
}

void Registry::finish(Status stored, std::shared_ptr<RegistryState> changed, Done done) {
  storing_ = false;
  if (stored) state_ = std::move(*changed);
  done(stored.is_ok() ? stored
                      : Status(stored.kind(), "registry not updated: " + stored.message()));
  start_next();
}

}  // namespace clusterctl
