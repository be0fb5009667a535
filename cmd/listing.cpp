#include "cmd/listing.hpp"

#include <iostream>

#include "core/auth/client_authentication.hpp"
#include "core/json.hpp"
#include "core/rpc/blocking_client.hpp"

namespace clusterctl::cmd {

void add_list_flags(CLI::App& app, ListOptions& options, const std::string& what) {
  add_master_flag(app, options.master);
  add_credential_flags(app, options.principal, options.secret_file);
  add_tls_client_flag(app);
  app.add_flag("--json", options.json,
               "Print JSON ({\"" + what + "\": [...]}, stable field names), not a table");
  add_duration_flag(app, "--timeout", options.timeout,
                    "Give up when the master has not answered by then");
}

void add_client_flags(CLI::App& app, ListOptions& options) {
  add_master_flag(app, options.master);
  add_credential_flags(app, options.principal, options.secret_file);
  add_tls_client_flag(app);
  add_duration_flag(app, "--timeout", options.timeout,
                    "Give up when the master has not answered by then");
}

namespace {

StatusOr<BlockingRpcClient> connect_master(const std::string& command, const ListOptions& options) {
  auto credential = client_credential(options.principal, options.secret_file);
  if (!credential) {
    print_error(command, credential.status().message());
    return credential.status();
  }
  StatusOr<BlockingRpcClient> client =
      BlockingRpcClient::connect(options.master, options.timeout, *credential, client_tls());
  if (!client && client.status().kind() == ErrorKind::kUnauthenticated) {
    print_error(command, "the master at " + master_label(options.master) +
                             " refused the connection: " + client.status().message());
  } else if (!client) {
    print_error(command, "cannot reach master at " + master_label(options.master) + ": " +
                             connect_error_reason(client.status()) +
                             " (is it running? set --master or CLUSTERCTL_MASTER)");
  }
  return client;
}

std::string no_answer(const BlockingRpcClient& client, const ListOptions& options) {
  return "no answer from the master at " + client.address() + " within " +
         format_duration(options.timeout);
}

}  // namespace

StatusOr<RpcValue> query_master(const std::string& command, const std::string& method,
                                const ListOptions& options) {
  StatusOr<BlockingRpcClient> client = connect_master(command, options);
  if (!client) return client.status();
  StatusOr<RpcValue> reply = client->call(method, empty_payload(), options.timeout);
  if (!reply) {
    std::string why = reply.status().kind() == ErrorKind::kTimeout
                          ? "no answer within " + format_duration(options.timeout)
                          : reply.status().message();
    print_error(command, "the master at " + client->address() + " failed " + method + ": " + why);
  }
  return reply;
}

StatusOr<RpcValue> call_master(const std::string& command, const std::string& method,
                               const Payload& params, const ListOptions& options) {
  StatusOr<BlockingRpcClient> client = connect_master(command, options);
  if (!client) return client.status();
  StatusOr<RpcValue> reply = client->call(method, params, options.timeout);
  if (!reply) {
    print_error(command, reply.status().kind() == ErrorKind::kTimeout ? no_answer(*client, options)
                                                                      : reply.status().message());
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
