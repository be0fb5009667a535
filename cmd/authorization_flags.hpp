// The authorization flags of master and agent, apart from the others so that
// they merge easily: --acls FILE, --authenticate-http, and the credentials
// HTTP Basic is checked against (master --credentials, agent
// --http-credentials). Files are read and checked when the flags are parsed,
// so that a bad file is a usage error (exit code 2) naming the file and the
// place in it.
#pragma once

#include "cmd/flags.hpp"

namespace clusterctl {
struct MasterOptions;
struct AgentOptions;
}  // namespace clusterctl

namespace clusterctl::cmd {

void add_master_authorization_flags(CLI::App& app, clusterctl::MasterOptions& daemon);
void add_agent_authorization_flags(CLI::App& app, clusterctl::AgentOptions& daemon);

}  // namespace clusterctl::cmd
