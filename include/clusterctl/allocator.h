/* The allocator plugin kind: decides which resources the master offers to
 * which framework. See plugin.h for the rules at the boundary.
 *
 * The master tells the allocator about events (msgpack maps, each with a
 * "type" key) and asks it to allocate. Resources are msgpack maps in the flat
 * form of docs/PROTOCOL.md: {"cpus": 2.0, "mem(ops)": 1024.0, "ports": "[31000-32000]"}.
 *
 * Events (all carry "now_millis", a monotonic clock in milliseconds):
 *   add_agent        {agent_id, total, allocated: [{framework_id, resources}]}
 *   remove_agent     {agent_id}
 *   add_framework    {framework_id, roles: [..]}
 *   remove_framework {framework_id}
 *   recover          {framework_id, agent_id, resources, refuse_millis}
 *                    resources handed back (declined, unused, task ended);
 *                    with refuse_millis > 0 they are not re-offered to that
 *                    framework on that agent for so long.
 *   suppress / revive {framework_id}
 * Unknown event types must be ignored (fields and types may be added).
 */
#ifndef CLUSTERCTL_ALLOCATOR_H_
#define CLUSTERCTL_ALLOCATOR_H_

#include "clusterctl/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clusterctl_allocator_functions {
  /* Applies one event. 0 on success. */
  int (*handle_event)(void* instance, const char* event, size_t event_size, char* error,
                      size_t error_size);
  /* Allocates what is free now. Writes a msgpack array of
   * {"framework_id", "agent_id", "role", "resources"} maps: each is an offer
   * the master will make; those resources count as allocated to the framework
   * until a recover event gives them back. 0 on success. */
  int (*allocate)(void* instance, int64_t now_millis, clusterctl_write_fn write,
                  void* write_context, char* error, size_t error_size);
  /* Writes a msgpack map describing the allocator's state and metrics for
   * /state (free form). 0 on success. */
  int (*describe)(void* instance, clusterctl_write_fn write, void* write_context, char* error,
                  size_t error_size);
} clusterctl_allocator_functions;

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_ALLOCATOR_H_ */
