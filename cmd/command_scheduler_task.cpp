// The task half of execute's scheduler: offers (accept the first that fits,
// decline the rest), the launch, the task's updates and their
// acknowledgements, signals and the kill.
#include <csignal>

#include "cmd/command_scheduler_impl.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/resource_fit.hpp"

namespace clusterctl::cmd {

namespace {

// Extra time, after the kill grace period, for the KILLED update to arrive.
constexpr Duration kKillConfirmSlack{5000};

}  // namespace

// Offers are not kept: each is accepted or declined as soon as it arrives,
// so a rescinded offer needs no bookkeeping.
void CommandScheduler::on_offers(const OffersNotice& notice) {
  std::vector<std::string> declined;
  for (const Offer& offer : notice.offers) {
    std::optional<Resources> picked;
    if (looking()) picked = pick_resources(offer.resources, options_.resources, options_.role);
    if (picked) {
      accept(offer, *picked);
    } else {
      declined.push_back(offer.id);
    }
  }
  if (!declined.empty()) {
    DeclineCall call{framework_id_, declined, Filters{kRefuseSeconds}};
    call_and_log("framework.decline", pack_payload(call));
  }
  if (looking()) say_waiting();
}

void CommandScheduler::say_waiting() {
  if (waiting_said_ || !looking() || done_) return;
  waiting_said_ = true;
  say("waiting for an agent with " + options_.resources.to_string() + " (no offer fits yet)");
}

void CommandScheduler::on_offer_timeout() {
  if (!looking()) {  // an accept is in flight: let it decide
    offer_timeout_expired_ = true;
    return;
  }
  finish(1, "no agent offered " + options_.resources.to_string() + " within " +
                format_duration(*options_.timeout) +
                "; check 'clusterctl agents' for free resources");
}

void CommandScheduler::accept(const Offer& offer, const Resources& resources) {
  phase_ = Phase::kAccepting;
  task_id_ = new_id(task_id_prefix(options_.name));
  agent_id_ = offer.agent_id;
  agent_host_ = offer.hostname;
  TaskInfo task;
  task.task_id = task_id_;
  task.name = options_.name;
  task.agent_id = offer.agent_id;
  task.role = options_.role;
  task.resources = resources;
  task.command = options_.command;
  task.kill_grace_millis = options_.kill_after.count();
  task.health_check = options_.health_check;
  AcceptCall call{framework_id_, {offer.id}, {task}, Filters{kRefuseSeconds}};
  LOG(kInfo) << "accepting offer " << offer.id << " for task " << task_id_;
  connection_->call("framework.accept", pack_payload(call), kCallTimeout,
                    [this](StatusOr<RpcValue> reply) { on_accepted(std::move(reply)); });
}

void CommandScheduler::on_accepted(StatusOr<RpcValue> reply) {
  if (done_ || phase_ != Phase::kAccepting) return;  // an update already placed or ended it
  if (reply) {
    placed();
    return;
  }
  if (interrupted_) {
    finish(1, "interrupted before the task was placed");
  } else if (reply.status().kind() == ErrorKind::kNotFound) {
    LOG(kWarning) << "offer gone before it was accepted: " << reply.status().message();
    task_id_.clear();
    phase_ = Phase::kWaiting;  // the master offers the resources again
    if (offer_timeout_expired_) on_offer_timeout();
  } else {
    finish(1, "the master refused the task: " + reply.status().message());
  }
}

void CommandScheduler::placed() {
  phase_ = Phase::kPlaced;
  offer_timer_.cancel();
  patience_timer_.cancel();
  say("launched task " + task_id_ + " on agent " + agent_id_ + " (" + agent_host_ + ")");
  say("task " + task_id_ + " is STAGING");
  last_state_ = TaskState::kStaging;
  call_and_log("framework.suppress", pack_payload(FrameworkCall{framework_id_}));
  if (interrupted_) kill_task();
}

void CommandScheduler::on_update(const TaskStatus& status) {
  if (task_id_.empty() || status.task_id != task_id_ || ending_) {
    acknowledge(status, nullptr);
    return;
  }
  if (phase_ == Phase::kAccepting) placed();
  bool ends = ends_execute(status.state);
  bool progress = status.reason == "fetching";  // the agent fetching the task's URIs
  bool health_changed = status.healthy && status.healthy != last_healthy_;
  if (status.state != last_state_ || ends || progress || health_changed) {
    say(describe_status(status));
  }
  last_state_ = status.state;
  if (status.healthy) last_healthy_ = status.healthy;
  if (!ends) {
    acknowledge(status, nullptr);
    return;
  }
  // Exit once the master has the acknowledgement, so the agent can let the task go.
  ending_ = true;
  int code = exit_code_for(status);
  acknowledge(status, [this, code] { finish(code, ""); });
}

void CommandScheduler::acknowledge(const TaskStatus& status, std::function<void()> then) {
  if (status.uuid.empty() || !connection_) {
    if (then) then();
    return;
  }
  AcknowledgeCall call{framework_id_, status.agent_id, status.task_id, status.uuid};
  connection_->call("framework.acknowledge", pack_payload(call), kCallTimeout,
                    [this, then](StatusOr<RpcValue> reply) {
                      if (!reply && !done_) {
                        LOG(kWarning) << "acknowledgement: " << reply.status().message();
                      }
                      if (then) then();
                    });
}

void CommandScheduler::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& error, int) {
    if (error || done_) return;
    wait_for_signal();
    on_signal();
  });
}

void CommandScheduler::on_signal() {
  switch (phase_) {
    case Phase::kConnecting:
    case Phase::kSubscribing:
    case Phase::kWaiting:
      finish(1, "interrupted before the task was placed");
      return;
    case Phase::kAccepting:
      interrupted_ = true;  // kill it as soon as the master confirms the launch
      return;
    case Phase::kPlaced:
      if (kill_sent_) {
        finish(1, "interrupted again; the master kills task " + task_id_ +
                      " when execute disconnects");
      } else {
        kill_task();
      }
      return;
  }
}

void CommandScheduler::kill_task() {
  if (reconnecting_) {
    interrupted_ = true;  // killed once execute is back with the master
    say("will kill task " + task_id_ + " once reconnected");
    return;
  }
  kill_sent_ = true;
  say("killing task " + task_id_);
  connection_->call("framework.kill", pack_payload(KillCall{framework_id_, task_id_}), kCallTimeout,
                    [this](StatusOr<RpcValue> reply) {
                      if (done_ || reply) return;
                      finish(1, "cannot kill task " + task_id_ + ": " + reply.status().message());
                    });
  Duration wait = options_.kill_after + kKillConfirmSlack;
  kill_timer_.start(wait, [this, wait] {
    finish(1, "task " + task_id_ + " did not confirm the kill within " + format_duration(wait));
  });
}

}  // namespace clusterctl::cmd
