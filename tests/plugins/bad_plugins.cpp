// Deliberately broken allocator plugins for the loader and host tests
// (tests/unit/plugin_library_test.cpp). BAD_PLUGIN selects which; each is
// built as test_plugins/test_bad_plugin_<name>.so by tests/CMakeLists.txt.
#include <stdexcept>

#include "clusterctl/allocator.h"

#define BAD_ABI_VERSION 1       // built for another ABI version
#define BAD_WRONG_KIND 2        // an isolator where an allocator is needed
#define BAD_NO_ENTRY 3          // no entry symbol at all
#define BAD_NULL_CREATE 4       // create is NULL
#define BAD_NULL_FUNCTION 5     // allocate is NULL in the function table
#define BAD_SMALL_DESCRIPTOR 6  // the descriptor's struct_size is too small
#define BAD_SMALL_TABLE 7       // the function table's struct_size is too small
#define BAD_UNKNOWN_KIND 8      // a kind no clusterctl knows
#define BAD_AUTHENTICATOR 9     // an authenticator kind with an allocator's table
#define BAD_ESCAPING 10         // raw C functions that let exceptions escape
#define BAD_THROWING 11         // the in-tree glue around an implementation that throws

#if BAD_PLUGIN == BAD_THROWING
#include "plugins/allocators/allocator_plugin.hpp"

namespace {
// handle throws a std::exception, allocate something else, describe fails
// cleanly; create succeeds unless the config asks for a throw.
class Thrower : public clusterctl::AllocatorPlugin {
 public:
  static clusterctl::StatusOr<std::unique_ptr<AllocatorPlugin>> create(
      const clusterctl::AllocatorConfig& config) {
    if (!config.min_allocatable.empty()) throw 7;
    return std::unique_ptr<AllocatorPlugin>(new Thrower());
  }
  clusterctl::Status handle(const clusterctl::AllocatorEvent& event) override {
    throw std::runtime_error("handle threw on " + event.type);
  }
  clusterctl::Status allocate(int64_t, Packer&) override { throw 42; }
  clusterctl::Status describe(Packer&) override {
    return clusterctl::Status::internal("describe refused");
  }
};
}  // namespace

CLUSTERCTL_ALLOCATOR_PLUGIN(Thrower, "thrower", "1.0", "throws from every function")

#else
namespace {
[[maybe_unused]] void* create(const char*, size_t, char*, size_t) {
  static int instance;
  return &instance;
}
[[maybe_unused]] void destroy(void*) {}
#if BAD_PLUGIN == BAD_ESCAPING
int handle_event(void*, const char*, size_t, char*, size_t) {
  throw std::runtime_error("escaped");
}
int allocate(void*, int64_t, clusterctl_write_fn, void*, char*, size_t) {
  throw 42;
}
#else
[[maybe_unused]] int handle_event(void*, const char*, size_t, char*, size_t) {
  return 0;
}
[[maybe_unused]] int allocate(void*, int64_t, clusterctl_write_fn, void*, char*, size_t) {
  return 0;
}
#endif
[[maybe_unused]] int describe(void*, clusterctl_write_fn, void*, char*, size_t) {
  return 0;
}

constexpr uint32_t kTableSize = sizeof(clusterctl_allocator_functions);
constexpr uint32_t kDescriptorSize = sizeof(clusterctl_plugin_descriptor);
constexpr uint32_t kVersion = CLUSTERCTL_PLUGIN_ABI_VERSION;
constexpr uint32_t kAllocator = CLUSTERCTL_PLUGIN_ALLOCATOR;

#if BAD_PLUGIN == BAD_NULL_FUNCTION
const clusterctl_allocator_functions kFunctions = {kTableSize, handle_event, nullptr, describe};
#elif BAD_PLUGIN == BAD_SMALL_TABLE
const clusterctl_allocator_functions kFunctions = {8, handle_event, allocate, describe};
#else
[[maybe_unused]] const clusterctl_allocator_functions kFunctions = {kTableSize, handle_event,
                                                                    allocate, describe};
#endif

#if BAD_PLUGIN == BAD_ABI_VERSION
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion + 1, kDescriptorSize, kAllocator, "future", "9.9", "", create, destroy, &kFunctions};
#elif BAD_PLUGIN == BAD_WRONG_KIND
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion, kDescriptorSize, CLUSTERCTL_PLUGIN_ISOLATOR, "isolator", "1.0", "", create,
    destroy,  &kFunctions};
#elif BAD_PLUGIN == BAD_NULL_CREATE
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion, kDescriptorSize, kAllocator, "no_create", "1.0", "", nullptr, destroy, &kFunctions};
#elif BAD_PLUGIN == BAD_SMALL_DESCRIPTOR
const clusterctl_plugin_descriptor kDescriptor = {kVersion, 16,     kAllocator, "small",    "1.0",
                                                  "",       create, destroy,    &kFunctions};
#elif BAD_PLUGIN == BAD_UNKNOWN_KIND
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion, kDescriptorSize, 42, "unknown", "1.0", "", create, destroy, &kFunctions};
#elif BAD_PLUGIN == BAD_AUTHENTICATOR
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion, kDescriptorSize, CLUSTERCTL_PLUGIN_AUTHENTICATOR, "authn", "1.0", "", create,
    destroy,  &kFunctions};
#elif BAD_PLUGIN != BAD_NO_ENTRY
const clusterctl_plugin_descriptor kDescriptor = {
    kVersion, kDescriptorSize, kAllocator, "bad", "1.0", "", create, destroy, &kFunctions};
#endif
}  // namespace

#if BAD_PLUGIN == BAD_NO_ENTRY
extern "C" CLUSTERCTL_PLUGIN_EXPORT int not_a_plugin() {
  return 0;
}
#else
extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry() {
  return &kDescriptor;
}
#endif
#endif
