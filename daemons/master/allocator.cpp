#include "daemons/master/allocator.hpp"

#include <cstdio>

#include "core/plugin/guard_call.hpp"
#include "core/plugin/plugin_library.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {

namespace {
constexpr size_t kErrorSize = 512;

void append_bytes(void* context, const char* data, size_t size) {
  static_cast<std::string*>(context)->append(data, size);
}

AllocatorEvent make_event(const char* type, int64_t now_millis) {
  AllocatorEvent event;
  event.type = type;
  event.now_millis = now_millis;
  return event;
}
}  // namespace

StatusOr<AllocatorConfig> allocator_config(const std::string& min_allocatable) {
  AllocatorConfig config;
  size_t start = 0;
  while (start <= min_allocatable.size()) {
    size_t bar = min_allocatable.find('|', start);
    std::string part = min_allocatable.substr(start, bar == std::string::npos ? bar : bar - start);
    start = bar == std::string::npos ? min_allocatable.size() + 1 : bar + 1;
    auto parsed = Resources::parse(part);
    auto fail = [&](const std::string& why) {
      return Status::invalid("invalid --min-allocatable '" + min_allocatable + "': " + why +
                             " (write alternatives of quantities, e.g. cpus:0.01|mem:32)");
    };
    if (!parsed) return fail(parsed.status().message());
    if (parsed->empty()) return fail("an alternative is empty");
    for (const Resource& resource : parsed->items()) {
      if (resource.type != Resource::Type::kScalar || resource.role != "*") {
        return fail("'" + resource.to_string() + "' is not a plain quantity");
      }
    }
    config.min_allocatable.push_back(parsed->to_string());
  }
  return config;
}

Allocator::Allocator(std::shared_ptr<PluginLibrary> library, void* instance)
    : library_(std::move(library)),
      instance_(instance),
      functions_(library_->functions<clusterctl_allocator_functions>()) {}

Allocator::~Allocator() {
  if (instance_ == nullptr) return;
  try {
    library_->descriptor().destroy(instance_);
  } catch (...) {
    // A plugin bug; nothing left to do with the instance.
  }
}

StatusOr<std::unique_ptr<Allocator>> Allocator::load(const std::string& name_or_path,
                                                     const std::string& plugin_dir,
                                                     const AllocatorConfig& config) {
  std::string path = resolve_plugin_path(CLUSTERCTL_PLUGIN_ALLOCATOR, name_or_path, plugin_dir);
  auto library = PluginLibrary::open(path, CLUSTERCTL_PLUGIN_ALLOCATOR);
  if (!library) {
    return Status(library.status().kind(),
                  "allocator '" + name_or_path + "': " + library.status().message());
  }
  Payload config_bytes = pack_payload(config);
  char error[kErrorSize] = {0};
  void* instance = nullptr;
  guard_call(error, kErrorSize, [&] {
    instance = (*library)->descriptor().create(config_bytes.data(), config_bytes.size(), error,
                                               kErrorSize);
    return 0;
  });
  if (instance == nullptr) {
    return Status::invalid("allocator '" + name_or_path +
                           "' failed to start: " + (error[0] != '\0' ? error : "no reason given"));
  }
  return std::unique_ptr<Allocator>(new Allocator(*library, instance));
}

std::string Allocator::describe_plugin() const {
  const auto& descriptor = library_->descriptor();
  return std::string(descriptor.name) + " " + (descriptor.version ? descriptor.version : "");
}

Status Allocator::send(const AllocatorEvent& event) {
  Payload bytes = pack_payload(event);
  char error[kErrorSize] = {0};
  int failed = guard_call(error, kErrorSize, [&] {
    return functions_.handle_event(instance_, bytes.data(), bytes.size(), error, kErrorSize);
  });
  if (failed != 0) {
    return Status::internal("allocator rejected event '" + event.type + "': " + error);
  }
  return Status::ok();
}

Status Allocator::add_agent(const std::string& agent_id, const Resources& total,
                            const std::vector<FrameworkAllocation>& allocated, int64_t now_millis) {
  AllocatorEvent event = make_event("add_agent", now_millis);
  event.agent_id = agent_id;
  event.total = total;
  event.allocated = allocated;
  return send(event);
}

Status Allocator::update_agent(const std::string& agent_id, const Resources& total,
                               const std::vector<FrameworkAllocation>& allocated,
                               int64_t now_millis) {
  AllocatorEvent event = make_event("update_agent", now_millis);
  event.agent_id = agent_id;
  event.total = total;
  event.allocated = allocated;
  return send(event);
}

Status Allocator::remove_agent(const std::string& agent_id, int64_t now_millis) {
  AllocatorEvent event = make_event("remove_agent", now_millis);
  event.agent_id = agent_id;
  return send(event);
}

Status Allocator::add_framework(const std::string& framework_id,
                                const std::vector<std::string>& roles, int64_t now_millis) {
  AllocatorEvent event = make_event("add_framework", now_millis);
  event.framework_id = framework_id;
  event.roles = roles;
  return send(event);
}

Status Allocator::remove_framework(const std::string& framework_id, int64_t now_millis) {
  AllocatorEvent event = make_event("remove_framework", now_millis);
  event.framework_id = framework_id;
  return send(event);
}

Status Allocator::recover(const std::string& framework_id, const std::string& agent_id,
                          const std::string& role, const Resources& resources,
                          int64_t refuse_millis, int64_t now_millis) {
  AllocatorEvent event = make_event("recover", now_millis);
  event.framework_id = framework_id;
  event.agent_id = agent_id;
  event.role = role;
  event.resources = resources;
  event.refuse_millis = refuse_millis;
  Status taken = send(event);
  if (taken) return taken;
  return Status(taken.kind(), taken.message() +
                                  " (nothing changed in the allocator: the master and the "
                                  "allocator disagree about what is held; please report it)");
}

Status Allocator::suppress(const std::string& framework_id, const std::vector<std::string>& roles,
                           int64_t now_millis) {
  AllocatorEvent event = make_event("suppress", now_millis);
  event.framework_id = framework_id;
  event.roles = roles;
  return send(event);
}

Status Allocator::revive(const std::string& framework_id, const std::vector<std::string>& roles,
                         int64_t now_millis) {
  AllocatorEvent event = make_event("revive", now_millis);
  event.framework_id = framework_id;
  event.roles = roles;
  return send(event);
}

Status Allocator::set_quota(const std::string& role, const Resources& guarantee,
                            const Resources& limit, int64_t now_millis) {
  AllocatorEvent event = make_event("set_quota", now_millis);
  event.role = role;
  event.guarantee = guarantee;
  event.limit = limit;
  return send(event);
}

Status Allocator::remove_quota(const std::string& role, int64_t now_millis) {
  AllocatorEvent event = make_event("remove_quota", now_millis);
  event.role = role;
  return send(event);
}

Status Allocator::set_weight(const std::string& role, double weight, int64_t now_millis) {
  AllocatorEvent event = make_event("set_weight", now_millis);
  event.role = role;
  event.weight = weight;
  return send(event);
}

StatusOr<std::vector<Allocation>> Allocator::allocate(int64_t now_millis) {
  std::string bytes;
  char error[kErrorSize] = {0};
  int failed = guard_call(error, kErrorSize, [&] {
    return functions_.allocate(instance_, now_millis, append_bytes, &bytes, error, kErrorSize);
  });
  if (failed != 0) {
    return Status::internal(std::string("allocator failed: ") + error);
  }
  auto allocations = unpack_payload<std::vector<Allocation>>(bytes);
  if (allocations) return allocations;
  return Status::internal("allocator returned malformed allocations: " +
                          allocations.status().message());
}

StatusOr<std::string> Allocator::state() {
  std::string bytes;
  char error[kErrorSize] = {0};
  int failed = guard_call(error, kErrorSize, [&] {
    return functions_.describe(instance_, append_bytes, &bytes, error, kErrorSize);
  });
  if (failed != 0) {
    return Status::internal(std::string("allocator state failed: ") + error);
  }
  return bytes;
}

StatusOr<std::vector<AllocatorRoleState>> Allocator::roles() {
  auto bytes = state();
  if (!bytes) return bytes.status();
  try {
    msgpack::object_handle handle = msgpack::unpack(bytes->data(), bytes->size());
    if (handle.get().type != msgpack::type::MAP) return std::vector<AllocatorRoleState>();
    AllocatorDescription description;
    handle.get().convert(description);
    return description.roles;
  } catch (const std::exception& e) {
    return Status::internal(std::string("allocator returned a malformed state: ") + e.what());
  }
}

}  // namespace clusterctl
