// How the in-tree allocators are written: a C++ class deriving from
// AllocatorPlugin, turned into the C descriptor of include/clusterctl/allocator.h
// by CLUSTERCTL_ALLOCATOR_PLUGIN. The adapter decodes the configuration and
// each event from msgpack, hands the implementation a packer for its answers,
// turns Status errors into the error buffer and keeps every exception inside
// the plugin (plugins/abi_guard.hpp).
//
// Threading: the master calls an instance from its event loop thread only, so
// implementations need no locks.
#pragma once

#include <cstdint>
#include <memory>

#include <msgpack.hpp>

#include "clusterctl/allocator.h"
#include "core/allocator_events.hpp"
#include "core/status.hpp"
#include "plugins/abi_guard.hpp"

namespace clusterctl {

class AllocatorPlugin {
 public:
  using Packer = msgpack::packer<msgpack::sbuffer>;

  virtual ~AllocatorPlugin() = default;
  // One event (allocator.h); an unknown type is ignored (OK). An event that
  // cannot be applied is an error and changes nothing.
  virtual Status handle(const AllocatorEvent& event) = 0;
  // Packs one msgpack array of {"framework_id", "agent_id", "role",
  // "resources"} maps: this cycle's allocations.
  virtual Status allocate(int64_t now_millis, Packer& packer) = 0;
  // Packs one msgpack map: the state for /state (allocator.h says which keys
  // the master reads).
  virtual Status describe(Packer& packer) = 0;
};

namespace allocator_adapter {

inline constexpr const char* kWhat = "the allocator";

template <typename Plugin>
void* create(const char* config, size_t config_size, char* error, size_t error_size) noexcept {
  return plugin_abi::guarded_create(
      kWhat, error, error_size, [&]() -> StatusOr<std::unique_ptr<AllocatorPlugin>> {
        AllocatorConfig parsed;
        if (config_size > 0) msgpack::unpack(config, config_size).get().convert(parsed);
        StatusOr<std::unique_ptr<AllocatorPlugin>> made = Plugin::create(parsed);
        return made;
      });
}

inline void destroy(void* instance) noexcept {
  delete static_cast<AllocatorPlugin*>(instance);
}

inline AllocatorPlugin& self(void* instance) {
  return *static_cast<AllocatorPlugin*>(instance);
}

inline int handle_event(void* instance, const char* bytes, size_t size, char* error,
                        size_t error_size) noexcept {
  return plugin_abi::guarded(kWhat, error, error_size, [&] {
    AllocatorEvent event;
    msgpack::unpack(bytes, size).get().convert(event);
    return self(instance).handle(event);
  });
}

// Packs with `pack` into one buffer and hands it to write once complete, so
// that a failure half-way writes nothing.
template <typename Pack>
int packed(char* error, size_t error_size, clusterctl_write_fn write, void* context, Pack pack) {
  return plugin_abi::guarded(kWhat, error, error_size, [&]() -> Status {
    msgpack::sbuffer buffer;
    AllocatorPlugin::Packer packer(buffer);
    CLUSTERCTL_RETURN_IF_ERROR(pack(packer));
    write(context, buffer.data(), buffer.size());
    return Status::ok();
  });
}

inline int allocate(void* instance, int64_t now_millis, clusterctl_write_fn write, void* context,
                    char* error, size_t error_size) noexcept {
  return packed(error, error_size, write, context, [&](AllocatorPlugin::Packer& packer) {
    return self(instance).allocate(now_millis, packer);
  });
}

inline int describe(void* instance, clusterctl_write_fn write, void* context, char* error,
                    size_t error_size) noexcept {
  return packed(error, error_size, write, context,
                [&](AllocatorPlugin::Packer& packer) { return self(instance).describe(packer); });
}

inline constexpr clusterctl_allocator_functions kFunctions = {
    sizeof(clusterctl_allocator_functions), handle_event, allocate, describe};

}  // namespace allocator_adapter
}  // namespace clusterctl

// Defines the plugin's entry symbol. PluginType has
//   static StatusOr<std::unique_ptr<AllocatorPlugin>> create(const AllocatorConfig&);
#define CLUSTERCTL_ALLOCATOR_PLUGIN(PluginType, plugin_name, plugin_version, plugin_description)   \
  extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry( \
      void) {                                                                                      \
    static const clusterctl_plugin_descriptor descriptor = {                                       \
        CLUSTERCTL_PLUGIN_ABI_VERSION,                                                             \
        sizeof(clusterctl_plugin_descriptor),                                                      \
        CLUSTERCTL_PLUGIN_ALLOCATOR,                                                               \
        plugin_name,                                                                               \
        plugin_version,                                                                            \
        plugin_description,                                                                        \
        ::clusterctl::allocator_adapter::create<PluginType>,                                       \
        ::clusterctl::allocator_adapter::destroy,                                                  \
        &::clusterctl::allocator_adapter::kFunctions};                                             \
    return &descriptor;                                                                            \
  }
