/* clusterctl plugin ABI (C). The installed public surface for plugin authors.
 *
 * A plugin is a shared object exporting one C function named
 * CLUSTERCTL_PLUGIN_ENTRY_SYMBOL that returns a descriptor: ABI version, kind,
 * name, version, and create/destroy plus a table of functions for its kind.
 * The host checks abi_version and kind before it touches anything else.
 *
 * Rules at the boundary: only C types cross it; configuration and events cross
 * as msgpack bytes; errors come back as a non-zero return and a message written
 * into the caller's buffer; no exception may escape a plugin function. The
 * host calls an instance from one thread at a time.
 */
#ifndef CLUSTERCTL_PLUGIN_H_
#define CLUSTERCTL_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLUSTERCTL_PLUGIN_ABI_VERSION 1u
#define CLUSTERCTL_PLUGIN_ENTRY_SYMBOL "clusterctl_plugin_entry"

#if defined(__GNUC__)
#define CLUSTERCTL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define CLUSTERCTL_PLUGIN_EXPORT
#endif

enum clusterctl_plugin_kind {
  CLUSTERCTL_PLUGIN_ALLOCATOR = 1,
  CLUSTERCTL_PLUGIN_ISOLATOR = 2,
  CLUSTERCTL_PLUGIN_AUTHENTICATOR = 3
};

/* Receives output bytes (a msgpack value) from a plugin; may be called
 * several times, the pieces concatenate. */
typedef void (*clusterctl_write_fn)(void* context, const char* data, size_t size);

typedef struct clusterctl_plugin_descriptor {
  uint32_t abi_version; /* CLUSTERCTL_PLUGIN_ABI_VERSION the plugin was built with */
  uint32_t kind;        /* enum clusterctl_plugin_kind */
  const char* name;     /* "first_fit" */
  const char* version;  /* the plugin's own version, "1.0.0" */
  const char* description;
  /* Makes an instance from a msgpack map of options; NULL on failure with a
   * message in error (NUL-terminated, at most error_size bytes). */
  void* (*create)(const char* config, size_t config_size, char* error, size_t error_size);
  void (*destroy)(void* instance);
  /* The kind's function table, e.g. const clusterctl_allocator_functions*. */
  const void* functions;
} clusterctl_plugin_descriptor;

typedef const clusterctl_plugin_descriptor* (*clusterctl_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_PLUGIN_H_ */
