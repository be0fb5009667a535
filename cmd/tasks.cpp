// clusterctl tasks: the tasks the master knows, live and recently completed.
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/views.hpp"

namespace clusterctl::cmd {

namespace {

Table tasks_table(const TasksReply& reply) {
  Table table({"id", "name", "framework", "agent", "state", "exit"});
  for (const TaskView& task : reply.tasks) {
    table.add_row({task.id, task.name, task.framework_id, task.agent_id,
                   task_state_name(task.state),
                   task.exit_code ? std::to_string(*task.exit_code) : "-"});
  }
  return table;
}

}  // namespace

void setup_tasks(CLI::App& app) {
  auto options = std::make_shared<TasksOptions>();
  add_list_flags(app, *options, "tasks");
  set_run(app, options, &run_tasks);
}

int run_tasks(const TasksOptions& options) {
  return run_listing<TasksReply>("tasks", "state.tasks", options, tasks_table);
}

}  // namespace clusterctl::cmd
