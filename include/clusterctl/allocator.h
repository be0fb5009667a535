/* The allocator plugin kind: decides which resources the master offers to
 * which framework. See plugin.h for the rules at the boundary.
 *
 * create() gets a msgpack map of options; unknown keys must be ignored:
 *   min_allocatable  ["cpus:0.01", "mem:32"]: offer only what holds all of at
 *                    least one of these quantities (resources text form)
 *
 * The master tells the allocator about events (msgpack maps, each with a
 * "type" key) and asks it to allocate. Resources are msgpack maps in the flat
 * form of docs/PROTOCOL.md: {"cpus": 2.0, "mem(ops)": 1024.0, "ports": "[31000-32000]"};
 * a resource reserved for role "eng" may be used by frameworks in "eng" and
 * in its sub-roles ("eng/ml").
 *
 * Events (all carry "now_millis", a monotonic clock in milliseconds):
 *   add_agent        {agent_id, total, allocated: [{framework_id, role, resources}]}
 *                    allocated: what frameworks already hold there (tasks)
 *   update_agent     {agent_id, total, allocated}: the agent's total changed
 *                    (a reservation); allocated is everything held there now
 *   remove_agent     {agent_id}
 *   add_framework    {framework_id, roles: [..], suppressed_roles: [..]}
 *                    also sets the roles of a known framework
 *   remove_framework {framework_id}: what it holds comes back by recover
 *   recover          {framework_id, agent_id, role, resources, refuse_millis}
 *                    resources handed back (declined, unused, task ended,
 *                    offer rescinded); with refuse_millis > 0 the framework is
 *                    not offered that much or less on that agent for so long
 *                    (a larger offer, once more is free, is not held back)
 *   suppress / revive {framework_id, roles: [..]} (roles empty: all of them);
 *                    revive also drops the framework's filters in those roles
 *   set_quota        {role, guarantee, limit}: scalar quantities; guarantee
 *                    held back for the role's subtree, limit never exceeded
 *                    by it (outstanding offers included); limit empty: none
 *   remove_quota     {role}
 *   set_weight       {role, weight}: weight > 0 scales the role's fair share
 * Unknown event types and fields must be ignored (both may be added). An
 * event the plugin cannot apply (a malformed one) is refused with an error,
 * and so is a recover the plugin cannot account for (an agent it does not
 * know, or a framework that holds nothing in that role there): it changes
 * nothing and the master logs the error, so a bookkeeping mismatch between
 * master and allocator shows instead of leaking resources silently.
 */
#ifndef CLUSTERCTL_ALLOCATOR_H_
#define CLUSTERCTL_ALLOCATOR_H_

#include "clusterctl/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every function is required (the host refuses a plugin with one NULL). */
typedef struct clusterctl_allocator_functions {
  /* sizeof(clusterctl_allocator_functions) as the plugin was built. */
  uint32_t struct_size;
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
   * /state. Free form, except that a "roles" key, when present, holds
   * [{"role", "weight", "share", "allocated"}] per role (share: the weighted
   * dominant share of the role's subtree; allocated: what the subtree holds),
   * which the master shows in `clusterctl roles` and `quota get`. 0 on success. */
  int (*describe)(void* instance, clusterctl_write_fn write, void* write_context, char* error,
                  size_t error_size);
} clusterctl_allocator_functions;

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_ALLOCATOR_H_ */
