/* isolator_example_marker.so: the smallest useful isolator, written in C
 * against the installed <clusterctl/isolator.h> only. For each container it
 *   prepare:  writes "prepared CONTAINER_ID" to SANDBOX/example-isolator.txt
 *             and asks for EXAMPLE_ISOLATOR=on in the executor's environment
 *             (so the task sees it too);
 *   isolate:  appends "isolated PID";
 *   usage:    reports how many containers it prepared, as "example_prepared".
 * Everything else is left NULL: the agent then has nothing to call (an
 * isolator's functions are all optional; create and destroy are not).
 * Being C, it cannot throw; a C++ plugin must catch every exception in each
 * function it exports. */
#include <clusterctl/isolator.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct example {
  unsigned prepared;
};

static void copy_error(char* error, size_t error_size, const char* message) {
  if (error_size == 0) return;
  strncpy(error, message, error_size - 1);
  error[error_size - 1] = '\0';
}

static int append_line(const clusterctl_container* container, const char* line, char* error,
                       size_t error_size) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/example-isolator.txt", container->sandbox);
  FILE* file = fopen(path, "a");
  if (file == NULL) {
    copy_error(error, error_size, "example isolator: cannot write into the sandbox");
    return 1;
  }
  fprintf(file, "%s\n", line);
  fclose(file);
  return 0;
}

static void* create(const char* config, size_t config_size, char* error, size_t error_size) {
  (void)config;
  (void)config_size;
  struct example* instance = calloc(1, sizeof(struct example));
  if (instance == NULL) copy_error(error, error_size, "example isolator: out of memory");
  return instance;
}

static void destroy(void* instance) {
  free(instance);
}

static int prepare(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
                   void* write_context, char* error, size_t error_size) {
  /* msgpack {"environment": {"EXAMPLE_ISOLATOR": "on"}}, written out by hand. */
  static const char launch[] =
      "\x81\xab"
      "environment"
      "\x81\xb0"
      "EXAMPLE_ISOLATOR"
      "\xa2"
      "on";
  char line[512];
  snprintf(line, sizeof(line), "prepared %s", container->container_id);
  if (append_line(container, line, error, error_size) != 0) return 1;
  ((struct example*)instance)->prepared++;
  write(write_context, launch, sizeof(launch) - 1);
  return 0;
}

static int isolate(void* instance, const clusterctl_container* container, int32_t pid, char* error,
                   size_t error_size) {
  (void)instance;
  char line[64];
  snprintf(line, sizeof(line), "isolated %d", (int)pid);
  return append_line(container, line, error, error_size);
}

static int usage(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
                 void* write_context, char* error, size_t error_size) {
  (void)container;
  (void)error;
  (void)error_size;
  /* msgpack {"example_prepared": <uint32>} */
  unsigned count = ((struct example*)instance)->prepared;
  char bytes[32] =
      "\x81\xb0"
      "example_prepared"
      "\xce";
  size_t size = 1 + 1 + 16 + 1;
  bytes[size++] = (char)(count >> 24);
  bytes[size++] = (char)(count >> 16);
  bytes[size++] = (char)(count >> 8);
  bytes[size++] = (char)count;
  write(write_context, bytes, size);
  return 0;
}

/* struct_size first: the agent refuses a table smaller than its ABI defines
 * and ignores fields it does not know, so the ABI can grow. */
static const clusterctl_isolator_functions functions = {sizeof(clusterctl_isolator_functions),
                                                        prepare,
                                                        isolate,
                                                        NULL /* update */,
                                                        usage,
                                                        NULL /* watch */,
                                                        NULL /* limitation */,
                                                        NULL /* cleanup */,
                                                        NULL /* recover */};

static const clusterctl_plugin_descriptor descriptor = {
    CLUSTERCTL_PLUGIN_ABI_VERSION,
    sizeof(clusterctl_plugin_descriptor),
    CLUSTERCTL_PLUGIN_ISOLATOR,
    "example/marker",
    "1.0.0",
    "marks each sandbox it isolates (an example for plugin authors)",
    create,
    destroy,
    &functions};

CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry(void) {
  return &descriptor;
}
