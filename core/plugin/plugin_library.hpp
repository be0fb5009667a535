// Loads a plugin shared object and checks it before use (see
// include/clusterctl/plugin.h). RAII: the library stays loaded while any
// PluginLibrary handle to it lives. Loading is not thread-safe with respect to
// other dlopen users; do it at start-up. A loaded PluginLibrary is immutable:
// its accessors are thread-safe.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "clusterctl/plugin.h"
#include "core/status.hpp"

namespace clusterctl {

class PluginLibrary {
 public:
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  // dlopen(RTLD_NOW|RTLD_LOCAL), find the entry symbol, then check in order:
  // ABI version, the descriptor's size, kind, the required descriptor fields,
  // the function table's size and the kind's required functions. Errors name
  // the file and what was wrong.
  static StatusOr<std::shared_ptr<PluginLibrary>> open(const std::string& path,
                                                       clusterctl_plugin_kind expected_kind);

  // The host's copy of the descriptor (fields beyond the plugin's struct_size
  // read as NULL/0; fields this host does not know are not copied).
  const clusterctl_plugin_descriptor& descriptor() const { return descriptor_; }
  const std::string& path() const { return path_; }

  // The kind's function table as this host knows it: the plugin's fields
  // that fit, zeros for those the plugin predates. Table is the kind's C
  // struct (clusterctl_allocator_functions, ...), the one open() checked.
  template <typename Table>
  Table functions() const {
    static_assert(std::is_trivially_copyable_v<Table>);
    Table table{};
    std::memcpy(&table, descriptor_.functions, std::min<size_t>(functions_size_, sizeof(Table)));
    return table;
  }

 private:
  PluginLibrary(void* handle, const clusterctl_plugin_descriptor& descriptor,
                uint32_t functions_size, std::string path);
  void* handle_;
  clusterctl_plugin_descriptor descriptor_;
  uint32_t functions_size_;  // the plugin's function table's struct_size
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
