// MasterImpl: the master's event handlers, split by concern over
// master.cpp (start-up, dispatch, timers), master_agents.cpp,
// master_frameworks.cpp, master_offers.cpp, master_tasks.cpp and
// master_views.cpp. Everything runs on the one io_context thread.
#pragma once

#include <memory>
#include <string>

#include "core/asio.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"
#include "core/views.hpp"
#include "daemons/master/allocator.hpp"
#include "daemons/master/master.hpp"
#include "daemons/master/master_state.hpp"
#include "daemons/master/registry.hpp"

namespace clusterctl {

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

  // master_agents.cpp
  void register_agent(const RpcConnectionPtr& connection, const RegisterAgentCall& call,
                      RpcResponder responder);
  void reconcile_agent_tasks(AgentRecord& agent, const std::vector<AgentTask>& reported);
  void add_agent_to_allocator(const AgentRecord& agent);
  void ping_agents();
  void ping_answered(const std::string& agent_id, bool answered);
  void agent_disconnected(const std::string& agent_id);
  void mark_unreachable(AgentRecord& agent);

  // master_frameworks.cpp
  void subscribe(const RpcConnectionPtr& connection, FrameworkInfo info, RpcResponder responder);
  void accept(const RpcConnectionPtr& connection, const AcceptCall& call, RpcResponder responder);
  void decline(const RpcConnectionPtr& connection, const DeclineCall& call, RpcResponder responder);
  void kill_task(const RpcConnectionPtr& connection, const KillCall& call, RpcResponder responder);
  void suppress(const RpcConnectionPtr& connection, const FrameworkCall& call, bool suppress,
                RpcResponder responder);
  void framework_disconnected(const std::string& framework_id);
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

  // master_tasks.cpp
  Status validate_task(const TaskInfo& task, const std::string& framework_id,
                       const Resources& remaining) const;
  void launch_task(const std::string& framework_id, TaskInfo task);
  void status_update(const TaskStatus& status);
  void record_usage(const RpcConnectionPtr& connection, const AgentUsageCall& call);
  // Applies a status to a live task, forwards it, completes terminal tasks.
  void update_task(const std::string& key, TaskStatus status);
  void forward_update(const std::string& framework_id, const TaskStatus& status);
  void complete_task(const std::string& key);
  TaskStatus make_status(const TaskRecord& task, TaskState state, const std::string& reason,
                         const std::string& message) const;

  // master_views.cpp
  TasksReply tasks_view() const;
  AgentsReply agents_view() const;
  FrameworksReply frameworks_view() const;
  OffersReply offers_view() const;
  std::string state_json() const;

  asio::io_context& io_;
  MasterOptions options_;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<Registry> registry_;  // what survives a restart (WORK_DIR/registry)
  std::unique_ptr<RpcServer> server_;
  MasterState state_;
  Timer allocation_timer_;
  Timer ping_timer_;
  bool allocation_pending_ = false;
  bool stopped_ = false;
  double started_at_ = 0;
};

}  // namespace clusterctl
