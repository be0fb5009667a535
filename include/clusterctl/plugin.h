/* clusterctl plugin ABI (C). The installed public surface for plugin authors.
 *
 * A plugin is a shared object exporting one C function named
 * CLUSTERCTL_PLUGIN_ENTRY_SYMBOL that returns a descriptor: ABI version, the
 * descriptor's own size, kind, name, version, and create/destroy plus a table
 * of functions for its kind. The host checks, before it uses anything else:
 * abi_version, then struct_size, then kind, then that create, destroy, the
 * function table and every function the kind requires are not NULL; it
 * refuses the plugin at start-up with a message naming the file and what was
 * wrong.
 *
 * Growing the ABI: the descriptor and every kind's function table start with
 * (or, for the descriptor, follow abi_version with) a struct_size field that
 * the plugin sets to sizeof(...) as it was compiled. The host refuses a
 * struct smaller than the one this ABI version defines, reads only the fields
 * it knows, and ignores trailing ones it does not (a newer plugin); a field
 * added later at the end reads as NULL/0 for a plugin that predates it. A
 * change that is not such an addition bumps CLUSTERCTL_PLUGIN_ABI_VERSION.
 *
 * ABI version 2 (this one) added the struct_size fields; version 1 plugins
 * are refused: rebuild them against these headers.
 *
 * Rules at the boundary: only C types cross it; configuration and events cross
 * as msgpack bytes; errors come back as a non-zero return and a message written
 * into the caller's buffer (NUL-terminated, at most error_size bytes); no
 * exception may escape a plugin function (a C++ plugin catches everything,
 * catch (...) included, in each exported function). The host calls an
 * instance from one thread at a time.
 */
#ifndef CLUSTERCTL_PLUGIN_H_
#define CLUSTERCTL_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLUSTERCTL_PLUGIN_ABI_VERSION 2u
#define CLUSTERCTL_PLUGIN_ENTRY_SYMBOL "clusterctl_plugin_entry"

#if defined(__GNUC__)
#define CLUSTERCTL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define CLUSTERCTL_PLUGIN_EXPORT
#endif

/* Each kind's function table is defined in its own header: allocator.h,
 * isolator.h, authenticator.h. */
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
  uint32_t struct_size; /* sizeof(clusterctl_plugin_descriptor) the plugin was built with */
  uint32_t kind;        /* enum clusterctl_plugin_kind */
  const char* name;     /* "first_fit"; required */
  const char* version;  /* the plugin's own version, "1.0.0" */
  const char* description;
  /* Makes an instance from a msgpack map of options; NULL on failure with a
   * message in error. Required. */
  void* (*create)(const char* config, size_t config_size, char* error, size_t error_size);
  /* Required. */
  void (*destroy)(void* instance);
  /* The kind's function table, e.g. const clusterctl_allocator_functions*,
   * whose first field is its own struct_size. Required. */
  const void* functions;
} clusterctl_plugin_descriptor;

typedef const clusterctl_plugin_descriptor* (*clusterctl_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_PLUGIN_H_ */
