// MasterImpl: the master's event handlers, split by concern over
// master.cpp (start-up, dispatch, timers), master_agents.cpp,
// master_frameworks.cpp, master_failover.cpp, master_offers.cpp,
// master_tasks.cpp, master_updates.cpp, master_reconciliation.cpp and
// master_views.cpp. Everything runs on the one io_context thread.
#pragma once

#include <memory>
#include <string>

#include "core/allocation_messages.hpp"
#include "core/asio.hpp"
#include "core/auth/credentials.hpp"
#include "core/rate_limiter.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"
#include "core/views.hpp"
#include "daemons/master/allocation_metrics.hpp"
#include "daemons/master/allocator.hpp"
#include "daemons/master/master.hpp"
#include "daemons/master/master_authorization.hpp"
#include "daemons/master/master_state.hpp"
#include "daemons/master/offer_deadlines.hpp"
#include "daemons/master/registry.hpp"
#include "daemons/master/update_relay.hpp"

namespace clusterctl {

// Master::create's steps, shared by the standalone and the HA master.
Status check_master_options(const MasterOptions& options);
// --acls, --authenticate-http and --credentials (master_authorization.cpp).
Status check_authorization_options(const MasterOptions& options);
StatusOr<std::unique_ptr<Allocator>> load_master_allocator(const MasterOptions& options);
// Binds options.listen, recovers from `registry` and starts acting.
StatusOr<std::unique_ptr<Master>> start_leading_master(asio::io_context& io, MasterOptions options,
                                                       std::unique_ptr<Allocator> allocator,
                                                       std::unique_ptr<Registry> registry);
// daemons/master/ha_master.cpp
StatusOr<std::unique_ptr<Master>> start_ha_master(asio::io_context& io, MasterOptions options,
                                                  std::unique_ptr<Allocator> allocator);

class MasterImpl : public Master {
 public:
  MasterImpl(asio::io_context& io, MasterOptions options, std::unique_ptr<Allocator> allocator,
             std::unique_ptr<Registry> registry);
  Status start();
  std::string address() const override;
  void stop() override;

 private:
  // master.cpp
  void on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                  RpcResponder responder);
  void on_close(const RpcConnectionPtr& connection, const Status& why);
  HttpResponse on_http(const HttpRequest& request);
  void start_timers();
  void arm_allocation_timer();
  void arm_ping_timer();
  void report(const Status& status);  // logs allocator errors

  // master_frameworks.cpp: who registered the framework (empty: nobody proved it).
  std::string framework_principal(const std::string& framework_id) const;

  // master_agents.cpp
  void register_agent(const RpcConnectionPtr& connection, const RegisterAgentCall& call,
                      RpcResponder responder);
  void reconcile_agent_tasks(AgentRecord& agent, const std::vector<AgentTask>& reported,
                             bool was_unreachable);
  void add_agent_to_allocator(AgentRecord& agent);
  void ping_agents();
  void ping_answered(const std::string& agent_id, bool answered);
  void agent_disconnected(const std::string& agent_id);
  // Marks a lost agent unreachable once the removal rate limit lets it.
  void schedule_removal(AgentRecord& agent);
  void mark_unreachable(AgentRecord& agent);
  // A task an agent reported that the master did not know (after a restart).
  void learn_task(AgentRecord& agent, const AgentTask& entry);

  // master_frameworks.cpp
  void subscribe(const RpcConnectionPtr& connection, FrameworkInfo info, RpcResponder responder);
  void accept(const RpcConnectionPtr& connection, const AcceptCall& call, RpcResponder responder);
  void decline(const RpcConnectionPtr& connection, const DeclineCall& call, RpcResponder responder);
  void kill_task(const RpcConnectionPtr& connection, const KillCall& call, RpcResponder responder);
  void suppress(const RpcConnectionPtr& connection, const FrameworkCall& call, bool suppress,
                RpcResponder responder);
  // Launches the tasks of an accept on `offered` and gives back what is left.
  void launch_accepted(const std::string& framework_id, const std::string& agent_id,
                       const std::string& role, const Resources& offered, const AcceptCall& call);
  // The caller's framework, or an error if this connection has not subscribed as it.
  StatusOr<FrameworkRecord*> caller_framework(const RpcConnectionPtr& connection,
                                              const std::string& framework_id);

  // master_offers.cpp
  void schedule_allocation();
  void run_allocation();
  void send_offers(const std::string& framework_id, std::vector<Offer> offers);
  // Removes an offer; gives its resources back to the allocator if `recover`.
  void remove_offer(const std::string& offer_id, bool recover, int64_t refuse_millis);
  void rescind_offers_on_agent(AgentRecord& agent, const std::string& reason);
  void rescind_offer(const std::string& offer_id, const std::string& reason);
  void watch_offer_deadlines(const std::vector<Offer>& offers, int64_t now_millis);
  void expire_offers();

  // master_tasks.cpp
  Status validate_task(const TaskInfo& task, const std::string& framework_id,
                       const Resources& remaining) const;
  void launch_task(const std::string& framework_id, TaskInfo task);
  void record_usage(const RpcConnectionPtr& connection, const AgentUsageCall& call,
                    RpcResponder responder);
  // Applies a status the master made (LOST, ...) to a live task, tells the
  // framework, completes terminal tasks.
  void update_task(const std::string& key, TaskStatus status);
  // Records a new state if the transition is valid; false if not.
  bool apply_status(TaskRecord& task, const TaskStatus& status);
  // Notifies the framework if it is connected (no bookkeeping).
  void forward_update(const std::string& framework_id, const TaskStatus& status);
  void complete_task(const std::string& key);
  // Keeps an ended task among the recently completed (bounded).
  void remember_completed(TaskRecord task);
  // The relay stops following a task the master forgets.
  void forget_updates(const TaskRecord& task);
  // Takes a live task out of the master: out of state_.tasks and its
  // framework's and agent's task lists.
  TaskRecord unlink_task(const std::string& key);
  TaskStatus make_status(const TaskRecord& task, TaskState state, const std::string& reason,
                         const std::string& message) const;

  // master_updates.cpp: the agents' updates, through relay_
  UpdateRelay::Links relay_links();
  // The agent registered on this connection, or an error naming `method`.
  StatusOr<std::string> caller_agent(const RpcConnectionPtr& connection,
                                     const std::string& method) const;
  // Whether agent `agent_id` may send `status`: as itself, for its own tasks.
  Status check_update_source(const std::string& agent_id, const TaskStatus& status) const;
  void status_update(const RpcConnectionPtr& connection, const StatusUpdateCall& call,
                     RpcResponder responder);
  void acknowledge(const RpcConnectionPtr& connection, const AcknowledgeCall& call,
                   RpcResponder responder);
  void send_acknowledgement(const std::string& agent_id, const TaskStatus& status);
  // A live or completed task, by task_key.
  TaskRecord* find_task(const std::string& key);
  const TaskRecord* find_task(const std::string& key) const;

  // master_failover.cpp: framework failover and teardown, master recovery
  void admit_framework(const RpcConnectionPtr& connection, FrameworkInfo info,
                       RpcResponder responder);
  void activate_framework(const RpcConnectionPtr& connection, const FrameworkInfo& info);
  void framework_disconnected(const std::string& framework_id);
  void teardown(const RpcConnectionPtr& connection, const FrameworkCall& call,
                RpcResponder responder);
  void teardown_framework(const std::string& framework_id, const std::string& reason);
  void recover_from_registry();
  void store_agent(const AgentInfo& info, std::function<void(Status)> done);
  void store_unreachable(const std::string& agent_id, double since);

  // master_agent_gc.cpp: unreachable agents forgotten by age and count.
  void arm_agent_gc_timer();
  std::vector<std::string> unreachable_agents_to_forget(double now) const;
  void forget_unreachable_agents(double now);
  void forget_agent(const std::string& agent_id, double now);

  // master_reconciliation.cpp
  void reconcile(const RpcConnectionPtr& connection, const ReconcileCall& call,
                 RpcResponder responder);
  bool agents_recovering() const;
  // The answer to a question of `framework`, or nullopt while the master
  // cannot know it (its agent is recovering after a restart).
  std::optional<TaskStatus> reconcile_answer(const FrameworkRecord& framework,
                                             const ReconcileTask& entry, bool any_recovering);
  // `agent` recovered (re-registered, or became unreachable): answers the
  // questions that waited for it.
  void answer_deferred_reconciliation(const AgentRecord& agent);

  // master_views.cpp; `viewer` is the principal asking (view_tasks and
  // view_frameworks filter what it sees).
  TasksReply tasks_view(const std::string& viewer) const;
  AgentsReply agents_view() const;
  FrameworksReply frameworks_view(const std::string& viewer) const;
  OffersReply offers_view() const;
  std::string state_json(const std::string& viewer) const;
  // master_authorization.cpp's loading: --acls and the HTTP credentials.
  Status load_authorization();

  // master_allocation_calls.cpp: quota.*, weights.*, state.roles, operator.*
  // Handles `message` if it is one of those methods; false otherwise.
  bool on_allocation_call(const RpcConnectionPtr& connection, const RpcMessage& message,
                          RpcResponder& responder);
  // At start: weights and quotas from the flags and the registry to the allocator.
  void restore_allocation_config();

  // master_quota.cpp
  void set_quota(const QuotaSetCall& call, RpcResponder responder);
  void get_quotas(const RoleCall& call, RpcResponder responder);
  void remove_quota(const RoleCall& call, RpcResponder responder);
  // The total of every agent that can run tasks now.
  Resources cluster_total() const;
  // What each role's subtree holds, as the allocator counts it.
  std::map<std::string, Resources> allocated_by_role();

  // master_weights.cpp
  void set_weights(const WeightsSetCall& call, RpcResponder responder);
  // The flags' weights overridden by the registry's.
  std::map<std::string, double> effective_weights() const;
  WeightsReply weights_view() const;

  // master_roles.cpp
  RolesReply roles_view();

  // master_reservations.cpp
  // The agent's resources with its dynamic reservations applied.
  Resources agent_total(const AgentRecord& agent) const;
  // What frameworks hold on the agent: tasks, outstanding offers, accepts in flight.
  std::vector<FrameworkAllocation> held_on(const AgentRecord& agent) const;
  void reserve(const ReserveCall& call, bool unreserve, RpcResponder responder);
  // Applies an accept's operations, stores the reservations, then launches.
  void accept_with_operations(const std::string& framework_id, const std::string& agent_id,
                              const std::string& role, const Resources& offered,
                              const AcceptCall& call, RpcResponder responder);
  // Adds `added` to the agent's dynamic reservations and takes `removed`
  // (in memory), and tells the allocator.
  void change_reservations(const std::string& agent_id, const Resources& added,
                           const Resources& removed);
  // Stores such a change in the registry; undoes it in memory if that fails.
  void store_reservations(const std::string& agent_id, const Resources& added,
                          const Resources& removed, Registry::Done done);
  // Gives the allocator the agent's total and what is held there now.
  void update_agent_in_allocator(const std::string& agent_id);

  asio::io_context& io_;
  MasterOptions options_;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<Registry> registry_;  // what survives a restart (WORK_DIR/registry)
  std::unique_ptr<RpcServer> server_;
  MasterState state_;
  Timer allocation_timer_;
  Timer ping_timer_;

  // Fault tolerance (master_failover.cpp, master_agents.cpp).
  std::map<std::string, std::unique_ptr<Timer>> failover_timers_;  // by framework id
  Timer reregister_timer_;       // agents from the registry must re-register by then
  Timer agent_gc_timer_;         // --registry-gc-interval
  RateLimiter removal_limiter_;  // --agent-removal-rate-limit

  Timer batch_timer_;  // holds an event-triggered allocation back to batch events
  Timer offer_timer_;  // fires at the next offer deadline
  OfferDeadlines offer_deadlines_;
  AllocationMetrics metrics_;
  // Dynamic reservations by agent id: what the registry holds plus changes
  // being stored.
  std::map<std::string, Resources> reservations_;
  // Resources of accepts whose reservations are being stored, by agent id.
  std::multimap<std::string, FrameworkAllocation> accepting_;
  int64_t last_allocation_millis_ = 0;
  bool allocation_pending_ = false;
  bool stopped_ = false;
  double started_at_ = 0;
  UpdateRelay relay_;                  // reliable delivery of status updates (master_updates.cpp)
  MasterAuthorization authorization_;  // --acls
  CredentialStore http_credentials_;   // --authenticate-http
};

}  // namespace clusterctl
