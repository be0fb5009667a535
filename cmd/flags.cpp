#include "cmd/flags.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/resources.hpp"
#include "core/zk/zk_address.hpp"

namespace clusterctl::cmd {

namespace {

Status positive_duration(const std::string& text) {
  auto duration = parse_duration(text);
  if (!duration) return duration.status();
  if (duration->count() <= 0) return Status::invalid("the duration must be more than 0");
  return Status::ok();
}

}  // namespace

// The description is left empty so that help shows only the type name.
CLI::Validator make_validator(std::function<Status(const std::string&)> check) {
  return CLI::Validator(
      [check](std::string& text) -> std::string {
        Status status = check(text);
        return status ? std::string() : status.message();
      },
      "");
}

CLI::Validator count_validator() {
  return make_validator([](const std::string& text) {
    bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    return digits ? Status::ok()
                  : Status::invalid("expected a whole number, 0 or more, got '" + text + "'");
  });
}

std::string connect_error_reason(const Status& status) {
  const std::string prefix = "cannot connect to ";
  const std::string& message = status.message();
  if (message.rfind(prefix, 0) == 0) {
    size_t colon = message.find(": ", prefix.size());
    if (colon != std::string::npos) return message.substr(colon + 2);
  }
  return message;
}

std::string default_master() {
  const char* env = std::getenv("CLUSTERCTL_MASTER");
  if (env != nullptr && *env != '\0') return env;
  return "127.0.0.1:5050";
}

CLI::Option* add_master_flag(CLI::App& app, std::string& target) {
  target = default_master();
  CLI::Option* option =
      app.add_option("--master", target,
                     "Master host:port, a comma list of them (the first reachable answers; a "
                     "standby sends the call on to the leader), or "
                     "zk://[user:pass@]host:port[,host:port...]/path (the leader ZooKeeper "
                     "names); default: $CLUSTERCTL_MASTER, else 127.0.0.1:5050")
          ->type_name("ADDR")
          ->default_str(target)
          ->check(make_validator(check_master_address));
  // The default from CLUSTERCTL_MASTER is checked once this subcommand is
  // parsed (CLI11's own envname would check it for every subcommand, even
  // those not run); when a nested subcommand runs ("frameworks teardown"),
  // that one checks its own --master.
  CLI::App* self = &app;
  app.parse_complete_callback([self, option, &target] {
    const char* env = std::getenv("CLUSTERCTL_MASTER");
    if (option->count() > 0 || !self->get_subcommands().empty()) return;
    if (env == nullptr || target != env) return;
    Status valid = check_master_address(target);
    if (!valid) {
      throw CLI::ValidationError(option->get_name(), valid.message() + " (from CLUSTERCTL_MASTER)");
    }
  });
  return option;
}

void add_credential_flags(CLI::App& app, std::string& principal, std::string& secret_file) {
  app.add_option("--principal", principal,
                 "Authenticate to the master as this principal (default: $CLUSTERCTL_PRINCIPAL)")
      ->type_name("P");
  app.add_option("--secret-file", secret_file,
                 "The principal's secret, in a file only its owner may read (default: "
                 "$CLUSTERCTL_SECRET_FILE)")
      ->type_name("FILE");
}

std::string master_label(const std::string& master) {
  if (!is_zk_address(master)) return master;
  auto address = parse_zk_address(master);
  return address ? address->to_string() : "zk://...";
}

CLI::Option* add_duration_flag(CLI::App& app, const std::string& name, Duration& target,
                               const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_duration(text); }, help)
      ->type_name("DURATION")
      ->default_str(format_duration(target))
      ->check(
          make_validator([](const std::string& text) { return parse_duration(text).status(); }));
}

CLI::Option* add_duration_flag(CLI::App& app, const std::string& name,
                               std::optional<Duration>& target, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_duration(text); }, help)
      ->type_name("DURATION")
      ->check(
          make_validator([](const std::string& text) { return parse_duration(text).status(); }));
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

CLI::Option* add_log_level_flag(CLI::App& app, LogLevel& target) {
  return app
      .add_option_function<std::string>(
          "--log-level", [&target](const std::string& text) { target = *parse_log_level(text); },
          "What to log on stderr: debug, info, warning or error")
      ->type_name("LEVEL")
      ->default_str(log_level_name(target))
      ->check(
          make_validator([](const std::string& text) { return parse_log_level(text).status(); }));
}

void add_connection_flags(CLI::App& app, RpcServerOptions& target) {
  app.add_option("--max-connections", target.max_connections,
                 "Connections the port keeps at once; past it the oldest that made no request "
                 "yet makes room, or the new one is refused")
      ->type_name("N")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30).description(""))
      ->capture_default_str();
  app.add_option("--max-connections-per-peer", target.max_connections_per_peer,
                 "Connections one IP address may hold at once (executors reach their agent "
                 "from 127.0.0.1)")
      ->type_name("N")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30).description(""))
      ->capture_default_str();
  app.add_option_function<std::string>(
         "--hello-timeout",
         [&target](const std::string& text) {
           target.hello_timeout = target.http_head_timeout = *parse_duration(text);
         },
         "A new connection is closed unless it says hello (RPC) or sends its request head "
         "(HTTP) within this")
      ->type_name("DURATION")
      ->default_str(format_duration(target.hello_timeout))
      ->check(make_validator([](const std::string& text) { return positive_duration(text); }));
  add_duration_flag(app, "--http-idle-timeout", target.http_idle_timeout,
                    "An HTTP request or response that makes no progress for this is closed")
      ->check(make_validator([](const std::string& text) { return positive_duration(text); }));
}

void add_tls_server_flags(CLI::App& app, TlsServerOptions& target) {
  app.add_option("--tls-cert", target.cert_file,
                 "PEM certificate (chain) of this daemon: its port takes TLS as well as plain "
                 "connections, RPC and HTTP alike")
      ->type_name("FILE");
  app.add_option("--tls-key", target.key_file,
                 "PEM private key of --tls-cert (must not be readable by group or others)")
      ->type_name("FILE");
  app.add_option("--tls-ca", target.ca_file,
                 "PEM CA certificate(s): verify client certificates (--tls-verify-peer) and, as "
                 "a client (agent to master, executors to their agent), the server's")
      ->type_name("FILE");
  app.add_flag("--tls-verify-peer", target.verify_peer,
               "TLS clients must show a certificate signed by --tls-ca");
  app.add_flag("--tls-required", target.required,
               "Refuse plain connections (they are told to use TLS, then closed)");
}

namespace {

TlsClientOptions& cli_tls() {
  static TlsClientOptions options;
  return options;
}

// $NAME, or "" when it is not set.
std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

void add_tls_client_flag(CLI::App& app) {
  cli_tls().ca_file = env_or_empty("CLUSTERCTL_TLS_CA");
  // For a server with --tls-verify-peer (no flags: rarely needed).
  cli_tls().cert_file = env_or_empty("CLUSTERCTL_TLS_CERT");
  cli_tls().key_file = env_or_empty("CLUSTERCTL_TLS_KEY");
  app.add_option("--tls-ca", cli_tls().ca_file,
                 "PEM CA certificate to check the master's and agents' TLS certificates with "
                 "(TLS on; agents are read over https://); default: $CLUSTERCTL_TLS_CA")
      ->type_name("FILE");
}

const TlsClientOptions& client_tls() {
  return cli_tls();
}

CLI::Validator resources_validator() {
  return make_validator([](const std::string& text) -> Status {
    auto resources = Resources::parse(text);
    return resources ? check_resource_limits(*resources) : resources.status();
  });
}

CLI::Validator attributes_validator() {
  return make_validator([](const std::string& text) { return parse_attributes(text).status(); });
}

CLI::Validator role_validator() {
  return make_validator(validate_role);
}

void print_line(const std::string& message) {
  std::string line = message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void print_error(const std::string& command, const std::string& message) {
  print_line("clusterctl " + command + ": " + message);
}

}  // namespace clusterctl::cmd
