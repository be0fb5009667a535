// The master's handle on its allocator plugin (include/clusterctl/allocator.h):
// loads it by name or path, turns calls into msgpack events and decodes the
// allocations. An exception that escapes the plugin (which the ABI forbids)
// is caught here and becomes an error, so a buggy plugin cannot take the
// master down with it. Called only from the master's event loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "clusterctl/allocator.h"
#include "core/allocator_events.hpp"
#include "core/status.hpp"

namespace clusterctl {

class PluginLibrary;

// The allocator's configuration from the master's --min-allocatable
// ("cpus:0.01|mem:32": an offer must hold all of one alternative). Errors
// name the bad part.
StatusOr<AllocatorConfig> allocator_config(const std::string& min_allocatable);

class Allocator {
 public:
  ~Allocator();

  // name_or_path: "drf" (-> <plugin_dir>/allocator_drf.so) or a path.
  static StatusOr<std::unique_ptr<Allocator>> load(const std::string& name_or_path,
                                                   const std::string& plugin_dir,
                                                   const AllocatorConfig& config = {});

  // The plugin's own name and version, "first_fit 1.0.0".
  std::string describe_plugin() const;

  Status add_agent(const std::string& agent_id, const Resources& total,
                   const std::vector<FrameworkAllocation>& allocated, int64_t now_millis);
  // The agent's total changed (reservations): its new total and everything
  // held there now. Decline filters on it stay.
  Status update_agent(const std::string& agent_id, const Resources& total,
                      const std::vector<FrameworkAllocation>& allocated, int64_t now_millis);
  Status remove_agent(const std::string& agent_id, int64_t now_millis);
  // Adds a framework or sets the roles of a known one.
  Status add_framework(const std::string& framework_id, const std::vector<std::string>& roles,
                       int64_t now_millis);
  Status remove_framework(const std::string& framework_id, int64_t now_millis);
  // Gives back resources the framework held in `role`; refuse_millis > 0
  // keeps them (or less) from that framework on that agent for so long. The
  // allocator refuses resources it cannot account for (an agent it does not
  // know, a framework holding nothing there): the error says what, for the
  // master to log.
  Status recover(const std::string& framework_id, const std::string& agent_id,
                 const std::string& role, const Resources& resources, int64_t refuse_millis,
                 int64_t now_millis);
  // Roles empty: all of the framework's roles.
  Status suppress(const std::string& framework_id, const std::vector<std::string>& roles,
                  int64_t now_millis);
  Status revive(const std::string& framework_id, const std::vector<std::string>& roles,
                int64_t now_millis);
  Status set_quota(const std::string& role, const Resources& guarantee, const Resources& limit,
                   int64_t now_millis);
  Status remove_quota(const std::string& role, int64_t now_millis);
  Status set_weight(const std::string& role, double weight, int64_t now_millis);

  StatusOr<std::vector<Allocation>> allocate(int64_t now_millis);
  // The plugin's free-form state as packed msgpack (for /state).
  StatusOr<std::string> state();
  // The per-role part of state(); empty when the plugin keeps none.
  StatusOr<std::vector<AllocatorRoleState>> roles();

 private:
  Allocator(std::shared_ptr<PluginLibrary> library, void* instance);
  Status send(const AllocatorEvent& event);

  std::shared_ptr<PluginLibrary> library_;
  void* instance_;
  clusterctl_allocator_functions functions_;  // the host's copy, checked by the loader
};

}  // namespace clusterctl
