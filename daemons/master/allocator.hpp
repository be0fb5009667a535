// The master's handle on its allocator plugin (include/clusterctl/allocator.h):
// loads it by name or path, turns calls into msgpack events and decodes the
// allocations. Called only from the master's event loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/allocator_events.hpp"
#include "core/status.hpp"

struct clusterctl_allocator_functions;  // include/clusterctl/allocator.h

namespace clusterctl {

class PluginLibrary;

class Allocator {
 public:
  ~Allocator();

  // name_or_path: "first_fit" (-> <plugin_dir>/allocator_first_fit.so) or a path.
  static StatusOr<std::unique_ptr<Allocator>> load(const std::string& name_or_path,
                                                   const std::string& plugin_dir);

  // The plugin's own name and version, "first_fit 1.0.0".
  std::string describe_plugin() const;

  Status add_agent(const std::string& agent_id, const Resources& total,
                   const std::vector<FrameworkAllocation>& allocated, int64_t now_millis);
  Status remove_agent(const std::string& agent_id, int64_t now_millis);
  Status add_framework(const std::string& framework_id, const std::vector<std::string>& roles,
                       int64_t now_millis);
  Status remove_framework(const std::string& framework_id, int64_t now_millis);
  // Gives resources back; refuse_millis > 0 keeps them from that framework on
  // that agent for so long.
  Status recover(const std::string& framework_id, const std::string& agent_id,
                 const Resources& resources, int64_t refuse_millis, int64_t now_millis);
  Status suppress(const std::string& framework_id, int64_t now_millis);
  Status revive(const std::string& framework_id, int64_t now_millis);

  StatusOr<std::vector<Allocation>> allocate(int64_t now_millis);
  // The plugin's free-form state as packed msgpack (for /state).
  StatusOr<std::string> state();

 private:
  Allocator(std::shared_ptr<PluginLibrary> library, void* instance);
  Status send(const AllocatorEvent& event);

  std::shared_ptr<PluginLibrary> library_;
  void* instance_;
  const ::clusterctl_allocator_functions* functions_;
};

}  // namespace clusterctl
