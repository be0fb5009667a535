#include "core/plugin/plugin_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>

namespace clusterctl {

namespace {
const char* kind_name(uint32_t kind) {
  switch (kind) {
    case CLUSTERCTL_PLUGIN_ALLOCATOR:
      return "allocator";
    case CLUSTERCTL_PLUGIN_ISOLATOR:
      return "isolator";
    case CLUSTERCTL_PLUGIN_AUTHENTICATOR:
      return "authenticator";
  }
  return "unknown";
}

Status check_descriptor(const std::string& path, const clusterctl_plugin_descriptor* descriptor,
                        clusterctl_plugin_kind expected_kind) {
  if (descriptor == nullptr) return Status::invalid("plugin '" + path + "' returned no descriptor");
  if (descriptor->abi_version != CLUSTERCTL_PLUGIN_ABI_VERSION) {
    return Status::invalid("plugin '" + path + "' was built for plugin ABI version " +
                           std::to_string(descriptor->abi_version) + " but this clusterctl uses " +
                           std::to_string(CLUSTERCTL_PLUGIN_ABI_VERSION) +
                           ": rebuild it against this release's headers");
  }
  if (descriptor->kind != static_cast<uint32_t>(expected_kind)) {
    return Status::invalid("plugin '" + path + "' is an " + kind_name(descriptor->kind) +
                           " plugin, but an " + kind_name(expected_kind) + " plugin is needed");
  }
  if (descriptor->create == nullptr || descriptor->destroy == nullptr ||
      descriptor->functions == nullptr || descriptor->name == nullptr) {
    return Status::invalid("plugin '" + path + "' has an incomplete descriptor");
  }
  return Status::ok();
}
}  // namespace

PluginLibrary::PluginLibrary(void* handle, const clusterctl_plugin_descriptor* descriptor,
                             std::string path)
    : handle_(handle), descriptor_(descriptor), path_(std::move(path)) {}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

StatusOr<std::shared_ptr<PluginLibrary>> PluginLibrary::open(const std::string& path,
                                                             clusterctl_plugin_kind expected_kind) {
  if (access(path.c_str(), R_OK) != 0) {
    return Status::not_found("plugin '" + path + "' not found or not readable");
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::invalid("cannot load plugin '" + path + "': " + (why ? why : "unknown error"));
  }
  auto entry =
      reinterpret_cast<clusterctl_plugin_entry_fn>(dlsym(handle, CLUSTERCTL_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    dlclose(handle);
    return Status::invalid("'" + path + "' is not a clusterctl plugin: it does not export " +
                           CLUSTERCTL_PLUGIN_ENTRY_SYMBOL);
  }
  const clusterctl_plugin_descriptor* descriptor = entry();
  // The descriptor lives in the library: check it before dlclose.
  Status valid = check_descriptor(path, descriptor, expected_kind);
  if (!valid) {
    dlclose(handle);
    return valid;
  }
  return std::shared_ptr<PluginLibrary>(new PluginLibrary(handle, descriptor, path));
}

const char* plugin_kind_prefix(clusterctl_plugin_kind kind) {
  switch (kind) {
    case CLUSTERCTL_PLUGIN_ALLOCATOR:
      return "allocator";
    case CLUSTERCTL_PLUGIN_ISOLATOR:
      return "isolator";
    case CLUSTERCTL_PLUGIN_AUTHENTICATOR:
      return "authn";
  }
  return "plugin";
}

std::string default_plugin_dir() {
  char buffer[PATH_MAX];
  ssize_t size = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (size <= 0) return "/usr/lib/clusterctl";
  std::string exe(buffer, static_cast<size_t>(size));
  std::string dir = exe.substr(0, exe.rfind('/'));
  return dir + "/../lib/clusterctl";
}

std::string resolve_plugin_path(clusterctl_plugin_kind kind, const std::string& name_or_path,
                                const std::string& plugin_dir) {
  bool is_path =
      name_or_path.find('/') != std::string::npos ||
      (name_or_path.size() > 3 && name_or_path.compare(name_or_path.size() - 3, 3, ".so") == 0);
  if (is_path) return name_or_path;
  return plugin_dir + "/" + plugin_kind_prefix(kind) + "_" + name_or_path + ".so";
}

}  // namespace clusterctl
