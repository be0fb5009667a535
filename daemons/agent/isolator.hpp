// The agent's handle on one isolator plugin (include/clusterctl/isolator.h):
// loads it from an --isolation entry, packs containers into the C structure
// and unpacks the answers. Errors carry the plugin's own message; an
// exception that escapes the plugin (which the ABI forbids) is caught here and
// becomes an error, so a buggy plugin cannot take the agent down with it.
//
// Thread-safety: calls into the plugin instance are serialized by a mutex,
// so an Isolator may be used from several worker threads. Its calls block
// (cgroup writes, waiting for killed processes): never call them from an
// event loop thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clusterctl/isolator.h"
#include "core/isolator_messages.hpp"
#include "core/status.hpp"

namespace clusterctl {

class PluginLibrary;

class Isolator {
 public:
  ~Isolator();

  // entry: "cgroups/mem" (-> <plugin_dir>/isolator_cgroups_mem.so) or a path
  // to a .so. config.name is set to the entry.
  static StatusOr<std::unique_ptr<Isolator>> load(const std::string& entry,
                                                  const std::string& plugin_dir,
                                                  IsolatorConfig config);

  const std::string& name() const { return name_; }

  StatusOr<LaunchRequirements> prepare(const ContainerInfo& container);
  Status isolate(const ContainerInfo& container, pid_t pid);
  Status update(const ContainerInfo& container);
  StatusOr<UsageValues> usage(const ContainerInfo& container);
  // The plugin's descriptor to poll, or -1 (it stays the plugin's).
  int watch(const ContainerInfo& container);
  StatusOr<std::optional<ContainerLimitation>> limitation(const ContainerInfo& container);
  Status cleanup(const ContainerInfo& container);
  Status recover(const std::vector<ContainerInfo>& containers);

 private:
  Isolator(std::string name, std::shared_ptr<PluginLibrary> library, void* instance);
  // Runs call(error buffer) under the lock; non-zero is the plugin's error at `step`.
  template <typename Call>
  Status invoke(const char* step, Call call);

  std::string name_;
  std::shared_ptr<PluginLibrary> library_;
  void* instance_;
  clusterctl_isolator_functions functions_;  // the host's copy, checked by the loader
  std::mutex mutex_;                         // one call into the instance at a time
};

// The plugin file of an --isolation entry: "cgroups/mem" becomes
// <plugin_dir>/isolator_cgroups_mem.so; an entry ending in ".so" or starting
// with '/' or '.' is a path.
std::string isolator_plugin_path(const std::string& entry, const std::string& plugin_dir);

}  // namespace clusterctl
