// How the in-tree isolators are written: a C++ class deriving from
// IsolatorPlugin, turned into the C descriptor of include/clusterctl/isolator.h
// by CLUSTERCTL_ISOLATOR_PLUGIN. The adapter decodes the msgpack arguments,
// turns Status errors into the error buffer and keeps every exception inside
// the plugin (plugins/abi_guard.hpp).
//
// Threading: the agent calls an instance from one thread at a time (never its
// event loop), so implementations need no locks.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clusterctl/isolator.h"
#include "core/isolator_messages.hpp"
#include "core/status.hpp"
#include "plugins/abi_guard.hpp"

namespace clusterctl {

class IsolatorPlugin {
 public:
  virtual ~IsolatorPlugin() = default;
  virtual StatusOr<LaunchRequirements> prepare(const ContainerInfo& container) {
    return LaunchRequirements{};
  }
  virtual Status isolate(const ContainerInfo& container, pid_t pid) { return Status::ok(); }
  virtual Status update(const ContainerInfo& container) { return Status::ok(); }
  virtual StatusOr<UsageValues> usage(const ContainerInfo& container) { return UsageValues{}; }
  virtual int watch(const ContainerInfo& container) { return -1; }
  virtual StatusOr<std::optional<ContainerLimitation>> limitation(const ContainerInfo& container) {
    return std::optional<ContainerLimitation>();
  }
  virtual Status cleanup(const ContainerInfo& container) { return Status::ok(); }
  virtual Status recover(const std::vector<ContainerInfo>& containers) { return Status::ok(); }
};

namespace isolator_adapter {

inline constexpr const char* kWhat = "the isolator";

inline ContainerInfo decode(const clusterctl_container* container) {
  msgpack::object_handle handle = msgpack::unpack(container->info, container->info_size);
  ContainerInfo info;
  handle.get().convert(info);
  return info;
}

template <typename T>
void write_packed(const T& value, clusterctl_write_fn write, void* context) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  write(context, buffer.data(), buffer.size());
}

template <typename Plugin>
void* create(const char* config, size_t config_size, char* error, size_t error_size) noexcept {
  return plugin_abi::guarded_create(
      kWhat, error, error_size, [&]() -> StatusOr<std::unique_ptr<IsolatorPlugin>> {
        IsolatorConfig parsed;
        msgpack::object_handle handle = msgpack::unpack(config, config_size);
        handle.get().convert(parsed);
        StatusOr<IsolatorPlugin*> made = Plugin::create(parsed);
        if (!made) return made.status();
        return std::unique_ptr<IsolatorPlugin>(*made);
      });
}

inline void destroy(void* instance) noexcept {
  delete static_cast<IsolatorPlugin*>(instance);
}

inline IsolatorPlugin& self(void* instance) {
  return *static_cast<IsolatorPlugin*>(instance);
}

inline int prepare(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
                   void* context, char* error, size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&]() -> Status {
    StatusOr<LaunchRequirements> launch = self(instance).prepare(decode(container));
    if (!launch) return launch.status();
    write_packed(*launch, write, context);
    return Status::ok();
  });
}

inline int isolate(void* instance, const clusterctl_container* container, int32_t pid, char* error,
                   size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&] {
    return self(instance).isolate(decode(container), static_cast<pid_t>(pid));
  });
}

inline int update(void* instance, const clusterctl_container* container, char* error,
                  size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size,
                             [&] { return self(instance).update(decode(container)); });
}

inline int usage(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
                 void* context, char* error, size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&]() -> Status {
    StatusOr<UsageValues> values = self(instance).usage(decode(container));
    if (!values) return values.status();
    write_packed(*values, write, context);
    return Status::ok();
  });
}

inline int watch(void* instance, const clusterctl_container* container) noexcept {
  try {
    return self(instance).watch(decode(container));
  } catch (...) {
    return -1;
  }
}

inline int limitation(void* instance, const clusterctl_container* container,
                      clusterctl_write_fn write, void* context, char* error,
                      size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&]() -> Status {
    auto limited = self(instance).limitation(decode(container));
    if (!limited) return limited.status();
    if (limited->has_value()) write_packed(**limited, write, context);
    return Status::ok();
  });
}

inline int cleanup(void* instance, const clusterctl_container* container, char* error,
                   size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size,
                             [&] { return self(instance).cleanup(decode(container)); });
}

inline int recover(void* instance, const clusterctl_container* containers, size_t count,
                   char* error, size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&] {
    std::vector<ContainerInfo> decoded;
    for (size_t i = 0; i < count; ++i) decoded.push_back(decode(&containers[i]));
    return self(instance).recover(decoded);
  });
}

inline constexpr clusterctl_isolator_functions kFunctions = {sizeof(clusterctl_isolator_functions),
                                                             prepare,
                                                             isolate,
                                                             update,
                                                             usage,
                                                             watch,
                                                             limitation,
                                                             cleanup,
                                                             recover};

}  // namespace isolator_adapter
}  // namespace clusterctl

// Defines the plugin's entry symbol. PluginType has
//   static StatusOr<IsolatorPlugin*> create(const IsolatorConfig&);
#define CLUSTERCTL_ISOLATOR_PLUGIN(PluginType, plugin_name, plugin_description)                    \
  extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry( \
      void) {                                                                                      \
    static const clusterctl_plugin_descriptor descriptor = {                                       \
        CLUSTERCTL_PLUGIN_ABI_VERSION,                                                             \
        sizeof(clusterctl_plugin_descriptor),                                                      \
        CLUSTERCTL_PLUGIN_ISOLATOR,                                                                \
        plugin_name,                                                                               \
        CLUSTERCTL_VERSION,                                                                        \
        plugin_description,                                                                        \
        ::clusterctl::isolator_adapter::create<PluginType>,                                        \
        ::clusterctl::isolator_adapter::destroy,                                                   \
        &::clusterctl::isolator_adapter::kFunctions};                                              \
    return &descriptor;                                                                            \
  }
