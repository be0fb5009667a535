// Loads a plugin shared object and checks it before use (see
// include/clusterctl/plugin.h). RAII: the library stays loaded while any
// PluginLibrary handle to it lives. Loading is not thread-safe with respect to
// other dlopen users; do it at start-up.
#pragma once

#include <memory>
#include <string>

#include "clusterctl/plugin.h"
#include "core/status.hpp"

namespace clusterctl {

class PluginLibrary {
 public:
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  // dlopen(RTLD_NOW|RTLD_LOCAL), find the entry symbol, check ABI version and
  // kind. Errors name the file and what was wrong.
  static StatusOr<std::shared_ptr<PluginLibrary>> open(const std::string& path,
                                                       clusterctl_plugin_kind expected_kind);

  const clusterctl_plugin_descriptor& descriptor() const { return *descriptor_; }
  const std::string& path() const { return path_; }

 private:
  PluginLibrary(void* handle, const clusterctl_plugin_descriptor* descriptor, std::string path);
  void* handle_;
  const clusterctl_plugin_descriptor* descriptor_;
  std::string path_;
};

// "allocator", "isolator", "authn": the file name prefix of a kind.
const char* plugin_kind_prefix(clusterctl_plugin_kind kind);

// The plugin directory next to the running binary: <exe dir>/../lib/clusterctl.
std::string default_plugin_dir();

// A NAME becomes <plugin_dir>/<prefix>_<NAME>.so; anything with a '/' or
// ending in ".so" is taken as a path.
std::string resolve_plugin_path(clusterctl_plugin_kind kind, const std::string& name_or_path,
                                const std::string& plugin_dir);

}  // namespace clusterctl
