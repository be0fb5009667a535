#include "core/plugin/plugin_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstddef>
#include <vector>

#include "clusterctl/allocator.h"
#include "clusterctl/authenticator.h"
#include "clusterctl/isolator.h"

namespace clusterctl {

namespace {

// What the host needs of a kind's function table.
struct RequiredFunction {
  const char* name;
  size_t offset;  // within the table
};
struct KindSpec {
  clusterctl_plugin_kind kind;
  const char* name;        // "allocator"
  const char* table_type;  // "clusterctl_allocator_functions"
  size_t table_size;       // 0: the kind's table is not defined in this release
  std::vector<RequiredFunction> required;
};

#define CLUSTERCTL_REQUIRED(table, field) \
  RequiredFunction {                      \
#field, offsetof(table, field)        \
  }

// One entry per kind. A kind whose table is not defined (table_size 0) is
// known by name, so that messages can name it, but no plugin of it can be
// loaded.
const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {CLUSTERCTL_PLUGIN_ALLOCATOR,
       "allocator",
       "clusterctl_allocator_functions",
       sizeof(clusterctl_allocator_functions),
       {CLUSTERCTL_REQUIRED(clusterctl_allocator_functions, handle_event),
        CLUSTERCTL_REQUIRED(clusterctl_allocator_functions, allocate),
        CLUSTERCTL_REQUIRED(clusterctl_allocator_functions, describe)}},
      // Every isolator function may be NULL (nothing to do).
      {CLUSTERCTL_PLUGIN_ISOLATOR,
       "isolator",
       "clusterctl_isolator_functions",
       sizeof(clusterctl_isolator_functions),
       {}},
      {CLUSTERCTL_PLUGIN_AUTHENTICATOR,
       "authenticator",
       "clusterctl_authenticator_functions",
       sizeof(clusterctl_authenticator_functions),
       {CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, mechanism),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, server_start),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, server_step),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, server_principal),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, server_end),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, client_start),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, client_step),
        CLUSTERCTL_REQUIRED(clusterctl_authenticator_functions, client_end)}},
  };
  return specs;
}

#undef CLUSTERCTL_REQUIRED

const KindSpec* find_kind(uint32_t kind) {
  for (const KindSpec& spec : kind_specs()) {
    if (static_cast<uint32_t>(spec.kind) == kind) return &spec;
  }
  return nullptr;
}

std::string article(const std::string& word) {
  bool vowel = !word.empty() && std::string("aeiou").find(word[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + word;
}

uint32_t read_u32(const void* from) {
  uint32_t value;
  std::memcpy(&value, from, sizeof(value));
  return value;
}

const char* const kRebuild = ": rebuild it against this release's headers";

// ABI version, the descriptor's size and kind; on success `copy` holds the
// descriptor as this host knows it.
Status check_header(const std::string& path, const clusterctl_plugin_descriptor* descriptor,
                    const KindSpec& expected, clusterctl_plugin_descriptor& copy) {
  if (descriptor == nullptr) return Status::invalid("plugin '" + path + "' returned no descriptor");
  // abi_version is the one field every ABI version keeps in place: read it
  // alone before trusting the layout.
  uint32_t abi_version = read_u32(&descriptor->abi_version);
  if (abi_version != CLUSTERCTL_PLUGIN_ABI_VERSION) {
    return Status::invalid("plugin '" + path + "' was built for plugin ABI version " +
                           std::to_string(abi_version) + " but this clusterctl uses " +
                           std::to_string(CLUSTERCTL_PLUGIN_ABI_VERSION) + kRebuild);
  }
  uint32_t size = read_u32(&descriptor->struct_size);
  if (size < sizeof(clusterctl_plugin_descriptor)) {
    return Status::invalid(path + ": its descriptor's struct_size is " + std::to_string(size) +
                           " bytes, but plugin ABI version " +
                           std::to_string(CLUSTERCTL_PLUGIN_ABI_VERSION) + " needs at least " +
                           std::to_string(sizeof(clusterctl_plugin_descriptor)) + kRebuild);
  }
  std::memcpy(&copy, descriptor, sizeof(copy));  // trailing fields of a newer plugin stay out
  if (copy.kind == static_cast<uint32_t>(expected.kind)) return Status::ok();
  const KindSpec* actual = find_kind(copy.kind);
  std::string needed = article(expected.name) + " plugin is needed";
  if (actual == nullptr) {
    return Status::invalid("plugin '" + path + "' declares kind " + std::to_string(copy.kind) +
                           ", which this clusterctl does not know, but " + needed);
  }
  return Status::invalid("plugin '" + path + "' is " + article(actual->name) + " plugin, but " +
                         needed);
}

// The descriptor's required fields, the table's size and required functions.
// On success `functions_size` is the table's struct_size.
Status check_functions(const std::string& path, const clusterctl_plugin_descriptor& descriptor,
                       const KindSpec& spec, uint32_t& functions_size) {
  auto null = [&](const char* what, const char* name) {
    return Status::invalid(path + ": required " + what + " '" + name + "' is NULL (" +
                           article(spec.name) + " plugin must provide it)");
  };
  if (descriptor.name == nullptr) return null("field", "name");
  if (descriptor.create == nullptr) return null("function", "create");
  if (descriptor.destroy == nullptr) return null("function", "destroy");
  if (descriptor.functions == nullptr) return null("field", "functions");
  functions_size = read_u32(descriptor.functions);  // struct_size comes first
  if (functions_size < spec.table_size) {
    return Status::invalid(path + ": its function table's struct_size is " +
                           std::to_string(functions_size) + " bytes, but " + spec.table_type +
                           " of plugin ABI version " +
                           std::to_string(CLUSTERCTL_PLUGIN_ABI_VERSION) + " needs at least " +
                           std::to_string(spec.table_size) + kRebuild);
  }
  for (const RequiredFunction& function : spec.required) {
    void* pointer = nullptr;
    std::memcpy(&pointer, static_cast<const char*>(descriptor.functions) + function.offset,
                sizeof(pointer));
    if (pointer == nullptr) return null("function", function.name);
  }
  return Status::ok();
}

}  // namespace

PluginLibrary::PluginLibrary(void* handle, const clusterctl_plugin_descriptor& descriptor,
                             uint32_t functions_size, std::string path)
    : handle_(handle),
      descriptor_(descriptor),
      functions_size_(functions_size),
      path_(std::move(path)) {}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

StatusOr<std::shared_ptr<PluginLibrary>> PluginLibrary::open(const std::string& path,
                                                             clusterctl_plugin_kind expected_kind) {
  const KindSpec* spec = find_kind(expected_kind);
  if (spec == nullptr || spec->table_size == 0) {
    return Status::invalid("cannot load '" + path +
                           "': " + (spec ? article(spec->name) : std::string("this kind of")) +
                           " plugin cannot be loaded by this release of clusterctl");
  }
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
  // The descriptor lives in the library: check it before dlclose.
  clusterctl_plugin_descriptor descriptor{};
  uint32_t functions_size = 0;
  Status valid = check_header(path, entry(), *spec, descriptor);
  if (valid) valid = check_functions(path, descriptor, *spec, functions_size);
  if (!valid) {
    dlclose(handle);
    return valid;
  }
  return std::shared_ptr<PluginLibrary>(
      new PluginLibrary(handle, descriptor, functions_size, path));
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
