// Deliberately broken plugins for the loader tests. BAD_PLUGIN selects which.
#include "clusterctl/allocator.h"

namespace {
[[maybe_unused]] void* create(const char*, size_t, char*, size_t) {
  return nullptr;
}
[[maybe_unused]] void destroy(void*) {}
[[maybe_unused]] const clusterctl_allocator_functions kFunctions = {nullptr, nullptr, nullptr};

#if BAD_PLUGIN == 1  // built for another ABI version
const clusterctl_plugin_descriptor kDescriptor = {CLUSTERCTL_PLUGIN_ABI_VERSION + 1,
                                                  CLUSTERCTL_PLUGIN_ALLOCATOR,
                                                  "future",
                                                  "9.9",
                                                  "",
                                                  create,
                                                  destroy,
                                                  &kFunctions};
#elif BAD_PLUGIN == 2  // the wrong kind
const clusterctl_plugin_descriptor kDescriptor = {CLUSTERCTL_PLUGIN_ABI_VERSION,
                                                  CLUSTERCTL_PLUGIN_ISOLATOR,
                                                  "isolator",
                                                  "1.0",
                                                  "",
                                                  create,
                                                  destroy,
                                                  &kFunctions};
#endif
}  // namespace

#if BAD_PLUGIN == 3  // no entry symbol at all
extern "C" CLUSTERCTL_PLUGIN_EXPORT int not_a_plugin() {
  return 0;
}
#else
extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry() {
  return &kDescriptor;
}
#endif
