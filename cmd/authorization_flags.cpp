#include "cmd/authorization_flags.hpp"

#include "core/auth/acls.hpp"
#include "core/auth/credentials.hpp"
#include "daemons/agent/agent.hpp"
#include "daemons/master/master.hpp"

namespace clusterctl::cmd {

namespace {

// CLI11 names the flag itself: "--acls: /x: run_tasks[0]: ...".
Status without_flag(const std::string& flag, Status status) {
  const std::string prefix = flag + " ";
  if (status.is_ok() || status.message().rfind(prefix, 0) != 0) return status;
  return Status(status.kind(), status.message().substr(prefix.size()));
}

CLI::Option* add_acls_flag(CLI::App& app, std::string& target, const std::string& what) {
  return app.add_option("--acls", target, what)
      ->type_name("FILE")
      ->check(make_validator([](const std::string& path) {
        return without_flag("--acls", load_acls(path).status());
      }));
}

CLI::Option* add_store_flag(CLI::App& app, const std::string& flag, std::string& target,
                            const std::string& what) {
  return app.add_option(flag, target, what)
      ->type_name("FILE")
      ->check(make_validator([flag](const std::string& path) {
        return without_flag(flag, load_credential_store(path, flag).status());
      }));
}

}  // namespace

void add_master_authorization_flags(CLI::App& app, clusterctl::MasterOptions& daemon) {
  add_acls_flag(app, daemon.acls,
                "Authorization: who may register frameworks, run tasks as which user, kill, tear "
                "down, set quotas and weights, reserve, view (JSON, see docs/ARCHITECTURE.md)");
  // --credentials and --authenticate-http are the authentication's flags
  // (cmd/master.cpp); with them /state needs HTTP Basic against that store.
}

void add_agent_authorization_flags(CLI::App& app, clusterctl::AgentOptions& daemon) {
  add_acls_flag(app, daemon.acls,
                "Authorization on this agent: access_sandboxes (JSON, see docs/ARCHITECTURE.md)");
  CLI::Option* credentials =
      add_store_flag(app, "--http-credentials", daemon.http_credentials,
                     "Principals and secrets for HTTP Basic, {\"credentials\":[{\"principal\":"
                     "...,\"secret\":...}]} (mode 600)");
  app.add_flag("--authenticate-http", daemon.authenticate_http,
               "/files and /state need HTTP Basic authentication against --http-credentials "
               "(/health stays open)")
      ->needs(credentials);
}

}  // namespace clusterctl::cmd
