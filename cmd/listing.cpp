#include "cmd/listing.hpp"

#include <iostream>

#include "core/json.hpp"
#include "core/rpc/blocking_client.hpp"

namespace clusterctl::cmd {

void add_list_flags(CLI::App& app, ListOptions& options, const std::string& what) {
  add_master_flag(app, options.master);
  app.add_flag("--json", options.json,
               "Print JSON ({\"" + what + "\": [...]}, stable field names), not a table");
  add_duration_flag(app, "--timeout", options.timeout,
                    "Give up when the master has not answered by then");
}

StatusOr<RpcValue> query_master(const std::string& command, const std::string& method,
                                const ListOptions& options) {
  return call_master(command, method, empty_payload(), options.master, options.timeout);
}

StatusOr<RpcValue> call_master(const std::string& command, const std::string& method,
                               const Payload& params, const std::string& master,
                               Duration timeout) {
  StatusOr<BlockingRpcClient> client = BlockingRpcClient::connect(master, timeout);
  if (!client) {
    print_error(command, "cannot reach master at " + master + ": " +
                             connect_error_reason(client.status()) +
                             " (is it running? set --master or CLUSTERCTL_MASTER)");
    return client.status();
  }
  StatusOr<RpcValue> reply = client->call(method, params, timeout);
  if (!reply) {
    std::string why = reply.status().kind() == ErrorKind::kTimeout
                          ? "no answer within " + format_duration(timeout)
                          : reply.status().message();
    print_error(command, "the master at " + master + " failed " + method + ": " + why);
  }
  return reply;
}

void print_json(const RpcValue& value) {
  std::cout << to_json(value.object, true) << "\n";
}

void print_table(const Table& table, const std::string& empty_text) {
  std::cout << (table.empty() ? empty_text + "\n" : table.render());
}

}  // namespace clusterctl::cmd
