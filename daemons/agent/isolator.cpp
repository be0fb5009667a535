#include "daemons/agent/isolator.hpp"

#include <cstdio>

#include "core/plugin/guard_call.hpp"
#include "core/plugin/plugin_library.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {

namespace {

constexpr size_t kErrorSize = 1024;

void append_bytes(void* context, const char* data, size_t size) {
  static_cast<std::string*>(context)->append(data, size);
}

// The C view of a container; the strings live as long as this does.
struct PackedContainer {
  explicit PackedContainer(const ContainerInfo& info)
      : bytes(pack_payload(info)), id(info.container_id), sandbox(info.sandbox) {
    c.container_id = id.c_str();
    c.sandbox = sandbox.c_str();
    c.info = bytes.data();
    c.info_size = bytes.size();
  }
  Payload bytes;
  std::string id;
  std::string sandbox;
  clusterctl_container c{};
};

template <typename T>
StatusOr<T> unpack_as(const std::string& bytes, const std::string& what) {
  StatusOr<T> value = unpack_payload<T>(bytes);
  if (value) return value;
  return Status::protocol("isolator returned a malformed " + what + ": " +
                          value.status().message());
}

Status plugin_error(const std::string& name, const char* step, const char* error) {
  std::string message = error[0] != '\0' ? error : "failed without a message";
  return Status::internal("isolator " + name + " " + step + ": " + message);
}

}  // namespace

std::string isolator_plugin_path(const std::string& entry, const std::string& plugin_dir) {
  bool is_path = entry.front() == '/' || entry.front() == '.' ||
                 (entry.size() > 3 && entry.compare(entry.size() - 3, 3, ".so") == 0);
  if (is_path) return entry;
  std::string name = entry;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return resolve_plugin_path(CLUSTERCTL_PLUGIN_ISOLATOR, name, plugin_dir);
}

Isolator::Isolator(std::string name, std::shared_ptr<PluginLibrary> library, void* instance)
    : name_(std::move(name)),
      library_(std::move(library)),
      instance_(instance),
      functions_(library_->functions<clusterctl_isolator_functions>()) {}

template <typename Call>
Status Isolator::invoke(const char* step, Call call) {
  char error[kErrorSize] = {0};
  std::lock_guard lock(mutex_);
  if (guard_call(error, kErrorSize, [&] { return call(error); }) != 0) {
    return plugin_error(name_, step, error);
  }
  return Status::ok();
}

Isolator::~Isolator() {
  if (instance_ == nullptr) return;
  try {
    library_->descriptor().destroy(instance_);
  } catch (...) {
    // A plugin bug; nothing left to do with the instance.
  }
}

StatusOr<std::unique_ptr<Isolator>> Isolator::load(const std::string& entry,
                                                   const std::string& plugin_dir,
                                                   IsolatorConfig config) {
  if (entry.empty()) return Status::invalid("empty isolator name in --isolation");
  std::string path = isolator_plugin_path(entry, plugin_dir);
  auto library = PluginLibrary::open(path, CLUSTERCTL_PLUGIN_ISOLATOR);
  if (!library) {
    return Status(library.status().kind(),
                  "isolator '" + entry + "' cannot be loaded: " + library.status().message());
  }
  config.name = entry;
  Payload bytes = pack_payload(config);
  char error[kErrorSize] = {0};
  void* instance = nullptr;
  guard_call(error, kErrorSize, [&] {
    instance = (*library)->descriptor().create(bytes.data(), bytes.size(), error, kErrorSize);
    return 0;
  });
  if (instance == nullptr) {
    return Status::invalid("isolator '" + entry +
                           "' failed to start: " + (error[0] != '\0' ? error : "no reason given"));
  }
  return std::unique_ptr<Isolator>(new Isolator(entry, *library, instance));
}

StatusOr<LaunchRequirements> Isolator::prepare(const ContainerInfo& container) {
  if (functions_.prepare == nullptr) return LaunchRequirements{};
  PackedContainer packed(container);
  std::string out;
  CLUSTERCTL_RETURN_IF_ERROR(invoke("prepare", [&](char* error) {
    return functions_.prepare(instance_, &packed.c, append_bytes, &out, error, kErrorSize);
  }));
  if (out.empty()) return LaunchRequirements{};
  return unpack_as<LaunchRequirements>(out, "launch requirement");
}

Status Isolator::isolate(const ContainerInfo& container, pid_t pid) {
  if (functions_.isolate == nullptr) return Status::ok();
  PackedContainer packed(container);
  return invoke("isolate", [&](char* error) {
    return functions_.isolate(instance_, &packed.c, pid, error, kErrorSize);
  });
}

Status Isolator::update(const ContainerInfo& container) {
  if (functions_.update == nullptr) return Status::ok();
  PackedContainer packed(container);
  return invoke("update", [&](char* error) {
    return functions_.update(instance_, &packed.c, error, kErrorSize);
  });
}

StatusOr<UsageValues> Isolator::usage(const ContainerInfo& container) {
  if (functions_.usage == nullptr) return UsageValues{};
  PackedContainer packed(container);
  std::string out;
  CLUSTERCTL_RETURN_IF_ERROR(invoke("usage", [&](char* error) {
    return functions_.usage(instance_, &packed.c, append_bytes, &out, error, kErrorSize);
  }));
  if (out.empty()) return UsageValues{};
  return unpack_as<UsageValues>(out, "usage");
}

int Isolator::watch(const ContainerInfo& container) {
  if (functions_.watch == nullptr) return -1;
  PackedContainer packed(container);
  std::lock_guard lock(mutex_);
  try {
    return functions_.watch(instance_, &packed.c);
  } catch (...) {
    return -1;  // a bug in the plugin: the ABI forbids exceptions
  }
}

StatusOr<std::optional<ContainerLimitation>> Isolator::limitation(const ContainerInfo& container) {
  if (functions_.limitation == nullptr) return std::optional<ContainerLimitation>();
  PackedContainer packed(container);
  std::string out;
  CLUSTERCTL_RETURN_IF_ERROR(invoke("limitation", [&](char* error) {
    return functions_.limitation(instance_, &packed.c, append_bytes, &out, error, kErrorSize);
  }));
  if (out.empty()) return std::optional<ContainerLimitation>();
  auto limited = unpack_as<ContainerLimitation>(out, "limitation");
  if (!limited) return limited.status();
  return std::optional<ContainerLimitation>(*limited);
}

Status Isolator::cleanup(const ContainerInfo& container) {
  if (functions_.cleanup == nullptr) return Status::ok();
  PackedContainer packed(container);
  return invoke("cleanup", [&](char* error) {
    return functions_.cleanup(instance_, &packed.c, error, kErrorSize);
  });
}

Status Isolator::recover(const std::vector<ContainerInfo>& containers) {
  if (functions_.recover == nullptr) return Status::ok();
  std::vector<std::unique_ptr<PackedContainer>> packed;
  std::vector<clusterctl_container> array;
  for (const ContainerInfo& container : containers) {
    packed.push_back(std::make_unique<PackedContainer>(container));
    array.push_back(packed.back()->c);
  }
  return invoke("recover", [&](char* error) {
    return functions_.recover(instance_, array.data(), array.size(), error, kErrorSize);
  });
}

}  // namespace clusterctl
