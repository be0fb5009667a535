// What the listing subcommands (tasks, agents, offers, frameworks) share: the
// --master/--json/--timeout flags, one read-only "state.*" call to the master,
// and the output as pretty JSON or as a table. Main thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/table.hpp"
#include "core/rpc/message.hpp"
#include "core/status.hpp"

namespace clusterctl::cmd {

// Declares --master, --json and --timeout; `what` names the listed things.
void add_list_flags(CLI::App& app, ListOptions& options, const std::string& what);
// Declares --master and --timeout.
void add_client_flags(CLI::App& app, ListOptions& options);

// A nested action of a client subcommand ("quota set"): --master and
// --timeout, and a callback that runs `run` on a copy of the shared options
// as `choose` sets them. A non-zero exit code leaves through CLI::RuntimeError.
template <typename Options>
CLI::App* add_action(CLI::App& app, const std::string& name, const std::string& help,
                     std::shared_ptr<Options> options, std::function<void(Options&)> choose,
                     int (*run)(const Options&)) {
  CLI::App* action = app.add_subcommand(name, help);
  add_client_flags(*action, *options);
  action->callback([options, choose, run] {
    Options chosen = *options;
    choose(chosen);
    int code = run(chosen);
    if (code != 0) throw CLI::RuntimeError(code);
  });
  return action;
}

// Connects to the master and calls `method` with an empty map. On failure,
// prints one line ("clusterctl COMMAND: cannot reach master at ...") and
// returns the error.
StatusOr<RpcValue> query_master(const std::string& command, const std::string& method,
                                const ListOptions& options);

// Connects to the master and calls `method` with `params`. On failure, prints
// one line: why the master cannot be reached, or the master's own reason for
// refusing the call ("clusterctl quota: role x has no quota").
StatusOr<RpcValue> call_master(const std::string& command, const std::string& method,
                               const Payload& params, const ListOptions& options);

// Writes the value as pretty JSON and a newline to stdout.
void print_json(const RpcValue& value);
// Writes the table, or `empty_text` (e.g. "No tasks.") when it has no rows.
void print_table(const Table& table, const std::string& empty_text);

// The whole flow of a listing: query, check the reply's shape, print JSON or
// the table that `make_table` builds. Returns the exit code.
template <typename Reply>
int run_listing(const std::string& command, const std::string& method, const ListOptions& options,
                const std::function<Table(const Reply&)>& make_table) {
  StatusOr<RpcValue> value = query_master(command, method, options);
  if (!value) return 1;
  StatusOr<Reply> reply = value->template as<Reply>("reply to state call");
  if (!reply) {
    print_error(command,
                "the master sent a bad reply to " + method + ": " + reply.status().message());
    return 1;
  }
  if (options.json) {
    print_json(*value);
  } else {
    print_table(make_table(*reply), "No " + command + ".");
  }
  return 0;
}

}  // namespace clusterctl::cmd
