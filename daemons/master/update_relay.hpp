// UpdateRelay: the master's half of reliable status updates. It passes each
// update an agent sends to the task's framework, keeps it until the framework
// acknowledges it, and then acknowledges it to the agent, whose stream
// (daemons/agent/status_update_manager.*) sends the task's next update only
// after that.
//
// It follows the tasks it is told to track (track/forget), each with at most
// one update waiting for the framework's acknowledgement:
//   - An update the agent sends again is passed on only if the framework's
//     current connection has not had it: the framework sees each update once
//     per connection. One the framework already acknowledged is acknowledged
//     to the agent again without bothering the framework.
//   - Once the framework was told a terminal state (by the agent, or by the
//     master: LOST when the agent was lost), later updates of the task are
//     acknowledged to the agent and dropped: the framework hears of exactly
//     one end.
//   - Updates for a framework that is gone are acknowledged at once; updates
//     of tasks it does not track are acknowledged and dropped.
//   - A status the master makes while the framework is disconnected waits,
//     like the agent's (which it supersedes), for the framework to return;
//     framework_connected() sends every waiting update again.
//
// It owns no sockets: it reaches frameworks and agents through the Links it
// is given, which it calls synchronously from its methods. It does not check
// who may send what: the master checks that an update comes from the task's
// own agent, and an acknowledgement from the task's own framework.
//
// Threading: one thread (the master's event loop); not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/messages.hpp"

namespace clusterctl {

class UpdateRelay {
 public:
  struct Links {
    // The id of the framework's current connection: 0 while it is
    // disconnected, nullopt once it is gone (unknown or torn down).
    std::function<std::optional<uint64_t>(const std::string& framework_id)> framework_connection;
    // Sends `status` to the framework on its current connection.
    std::function<void(const std::string& framework_id, const TaskStatus& status)> send;
    // Acknowledges to the agent `agent_id` its update `status`.
    std::function<void(const std::string& agent_id, const TaskStatus& status)> acknowledge;
  };

  // What from_agent() made of an update.
  enum class Received {
    kNew,        // first seen: the master records the task's new state
    kDuplicate,  // sent again: passed on or acknowledged again, nothing else
    kUnknown,    // no such task tracked: acknowledged to the agent and dropped
  };

  explicit UpdateRelay(Links links);

  // Starts following a task on `agent_id` (again, if its id is reused: the old
  // stream is replaced). Returns the stream's number, for forget().
  uint64_t track(const std::string& framework_id, const std::string& task_id,
                 const std::string& agent_id);
  // Stops following the task, if `stream` is still its stream.
  void forget(const std::string& framework_id, const std::string& task_id, uint64_t stream);
  bool tracks(const std::string& framework_id, const std::string& task_id) const;

  // An update from the task's agent (the master checked it is).
  Received from_agent(const TaskStatus& status);
  // A status the master made for a tracked task (LOST, ...).
  void from_master(const TaskStatus& status);
  // The framework acknowledged `uuid`; false if no such update was waiting.
  bool acknowledge(const std::string& framework_id, const std::string& task_id,
                   const std::string& uuid);

  // The framework (re)subscribed: every waiting update is sent again.
  void framework_connected(const std::string& framework_id);
  // The framework is gone: nobody will acknowledge its updates, so they are
  // acknowledged to the agents now, and the streams move on.
  void framework_gone(const std::string& framework_id);

  // Whether the framework was told a terminal state of the task.
  bool terminal_reported(const std::string& framework_id, const std::string& task_id) const;
  // Updates waiting for an acknowledgement, over all tasks.
  size_t pending() const;
  size_t tracked() const { return streams_.size(); }

 private:
  struct Stream {
    uint64_t number = 0;
    std::string agent_id;
    TaskStatus pending;  // uuid empty: none
    bool pending_from_agent = false;
    uint64_t sent_on = 0;                  // the framework connection it last went out on
    std::deque<std::string> acknowledged;  // recent uuids, to answer resent updates
    bool terminal_reported = false;
  };

  Stream* find(const std::string& framework_id, const std::string& task_id);
  const Stream* find(const std::string& framework_id, const std::string& task_id) const;
  // Calls `visit` on each stream of the framework.
  void for_each_of(const std::string& framework_id, const std::function<void(Stream&)>& visit);
  void send_pending(const std::string& framework_id, Stream& stream);
  // Marks the waiting update acknowledged (telling its agent) and clears it.
  void release_pending(Stream& stream);
  static void remember(Stream& stream, const std::string& uuid);

  Links links_;
  std::map<std::string, Stream> streams_;  // by "FRAMEWORK_ID/TASK_ID"
  uint64_t next_number_ = 1;
};

}  // namespace clusterctl
