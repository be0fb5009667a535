/* The isolator plugin kind: holds a container (an executor and everything its
 * task starts) to the resources it was given, and measures what it uses.
 * See plugin.h for the rules at the boundary (C types only, msgpack bytes,
 * errors as a non-zero return with a message, no exceptions).
 *
 * The agent loads one plugin per entry of --isolation ("cgroups/mem" is
 * <plugin dir>/isolator_cgroups_mem.so; a path is taken as is), makes one
 * instance with create(config), and calls it for every container:
 *
 *   prepare     before the executor exists (create cgroups, set limits)
 *   isolate     right after the executor was spawned, before it gets its task
 *   watch       a file descriptor that becomes readable when a limit may have
 *               been hit (the agent then calls limitation)
 *   usage       on an interval while the container runs
 *   limitation  on the same interval, when watch's fd is readable, and when
 *               the task ended abnormally: did the container hit a limit?
 *   update      the container's resources changed
 *   cleanup     after the executor was reaped: kill every process left in the
 *               container and remove what prepare created; called even when
 *               prepare failed half-way, and must be idempotent
 *   recover     after an agent restart, with the containers still running:
 *               re-attach to them and destroy what belongs to no listed one
 *
 * Every function pointer may be NULL (nothing to do). The agent calls an
 * instance from one thread at a time, never from its event loop thread, so a
 * function may block briefly (cgroup writes, waiting for killed processes).
 *
 * create's config is a msgpack map; keys the plugin does not know must be
 * ignored:
 *   name            "cgroups/mem": the --isolation entry
 *   work_dir        the agent's work directory
 *   cgroups_root    "clusterctl": cgroups live at <controller mount>/<root>/<container id>
 *   enable_cfs      true: hard CPU limits (CFS quota / cpu.max), not only shares
 *   pids_limit      default pids.max when the task has no "pids" resource (0: none)
 */
#ifndef CLUSTERCTL_ISOLATOR_H_
#define CLUSTERCTL_ISOLATOR_H_

#include "clusterctl/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One container. `info` is a msgpack map with string keys:
 *   container_id, framework_id, executor_id, task_id, task_name, sandbox  (strings)
 *   resources  {"cpus": 0.5, "mem": 64.0, "pids": 100.0, ...} (mem in MB)
 *   rlimits    {"nofile": "1024:4096", "core": "0"} (soft[:hard] or "unlimited")
 *   pid        the executor's pid once spawned, else 0
 * Keys may be added. */
typedef struct clusterctl_container {
  const char* container_id; /* unique on this agent; safe as a file name */
  const char* sandbox;      /* absolute path of the task's sandbox */
  const char* info;
  size_t info_size;
} clusterctl_container;

typedef struct clusterctl_isolator_functions {
  /* sizeof(clusterctl_isolator_functions) as the plugin was built. */
  uint32_t struct_size;
  /* May write a msgpack map of what the executor must be launched with:
   *   {"namespaces": ["pid"], "environment": {"KEY": "VALUE"}}
   * ("pid" runs the executor as pid 1 of a new pid namespace with its own
   * /proc). Writing nothing means nothing special. */
  int (*prepare)(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
                 void* write_context, char* error, size_t error_size);
  /* Puts `pid` (the executor, in the agent's pid namespace) into the container. */
  int (*isolate)(void* instance, const clusterctl_container* container, int32_t pid, char* error,
                 size_t error_size);
  /* info carries the new resources. */
  int (*update)(void* instance, const clusterctl_container* container, char* error,
                size_t error_size);
  /* Writes a msgpack map of numbers, any of: cpu_seconds, cpu_throttled_seconds,
   * mem_rss_bytes, mem_usage_bytes, mem_peak_bytes, mem_limit_bytes, pids,
   * pids_limit. */
  int (*usage)(void* instance, const clusterctl_container* container, clusterctl_write_fn write,
               void* write_context, char* error, size_t error_size);
  /* A pollable descriptor owned by the plugin (kept open until cleanup), or
   * -1. limitation must consume what made it readable. */
  int (*watch)(void* instance, const clusterctl_container* container);
  /* Writes nothing while the container is within its limits; otherwise a map
   * {"reason": "memory limit exceeded", "message": "..."}; the agent then
   * kills the container and fails its task with that reason. */
  int (*limitation)(void* instance, const clusterctl_container* container,
                    clusterctl_write_fn write, void* write_context, char* error, size_t error_size);
  int (*cleanup)(void* instance, const clusterctl_container* container, char* error,
                 size_t error_size);
  int (*recover)(void* instance, const clusterctl_container* containers, size_t count, char* error,
                 size_t error_size);
} clusterctl_isolator_functions;

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_ISOLATOR_H_ */
