// Flags and helpers shared by the subcommands: --master with its environment
// default, duration and log-level flags that reject bad text while parsing (a
// usage error, exit 2) and one-line error output.
// Main thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "core/log.hpp"
#include "core/rpc/server_options.hpp"
#include "core/status.hpp"

namespace clusterctl::cmd {

// $CLUSTERCTL_MASTER if set and not empty, else "127.0.0.1:5050".
std::string default_master();

// --master ADDR: host:port, a comma list or zk://...; default_master() when
// absent. A malformed address (also from the environment) is a usage error
// naming what is wrong.
CLI::Option* add_master_flag(CLI::App& app, std::string& target);
// --principal P and --secret-file F: who a client authenticates as towards
// the master (defaults: $CLUSTERCTL_PRINCIPAL, $CLUSTERCTL_SECRET_FILE, read
// by client_credential() in core/auth/client_authentication.hpp).
void add_credential_flags(CLI::App& app, std::string& principal, std::string& secret_file);

// A master address fit for messages: a zk:// address without its password.
std::string master_label(const std::string& master);

// A duration flag ("500ms", "10s", "5m"); `target` keeps its value when the
// flag is absent, and that value is shown as the default.
CLI::Option* add_duration_flag(CLI::App& app, const std::string& name, Duration& target,
                               const std::string& help);
// The same for a duration with no default (unset until given).
CLI::Option* add_duration_flag(CLI::App& app, const std::string& name,
                               std::optional<Duration>& target, const std::string& help);

// The bounds of a daemon's port: --max-connections, --max-connections-per-peer,
// --hello-timeout (RPC hello and HTTP request head), --http-idle-timeout.
void add_connection_flags(CLI::App& app, RpcServerOptions& target);

// TLS on a daemon's port: --tls-cert, --tls-key, --tls-ca, --tls-verify-peer,
// --tls-required (checked when the port opens: rpc_listen names a bad file).
void add_tls_server_flags(CLI::App& app, TlsServerOptions& target);
// A client's --tls-ca FILE (default: $CLUSTERCTL_TLS_CA): TLS towards the
// master and https:// towards agents. One setting for the process: what the
// subcommand run was given, read through client_tls().
void add_tls_client_flag(CLI::App& app);
const TlsClientOptions& client_tls();

// --log-level debug|info|warning|error.
CLI::Option* add_log_level_flag(CLI::App& app, LogLevel& target);
const char* log_level_name(LogLevel level);

// A CLI11 validator from a check that returns a Status; its message becomes the
// usage error ("--timeout: invalid duration 'x': ...").
CLI::Validator make_validator(std::function<Status(const std::string&)> check);
// Checks a count: a whole number, 0 or more.
CLI::Validator count_validator();
// Checks the resources syntax ("cpus:2;mem:1024") and what one agent may
// offer (check_resource_limits).
CLI::Validator resources_validator();
// Checks an agent attributes list ("rack:r1;zone:z").
CLI::Validator attributes_validator();
// Checks a role name ("*", "ops", "eng/ml").
CLI::Validator role_validator();

// Makes `app` call run(*options) once it has been parsed. A non-zero exit code
// leaves through CLI::RuntimeError, which main() turns into the process's exit
// code.
template <typename Options>
void set_run(CLI::App& app, std::shared_ptr<Options> options, int (*run)(const Options&)) {
  app.callback([options, run] {
    int code = run(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

// Writes "clusterctl COMMAND: MESSAGE\n" to stderr in one write.
void print_error(const std::string& command, const std::string& message);
// Writes MESSAGE plus a newline to stderr in one write.
void print_line(const std::string& message);

// Why a connection failed, without the address: rpc_connect's "cannot connect
// to HOST:PORT: Connection refused" becomes "Connection refused".
std::string connect_error_reason(const Status& status);

}  // namespace clusterctl::cmd
