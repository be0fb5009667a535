// The authorization flags of master and agent, apart from the others so that
// they merge easily: --acls FILE on both; on the agent --authenticate-http and
// --http-credentials, the store HTTP Basic is checked against (the master's
// --authenticate-http and --credentials are its authentication flags). Files are read and checked
// when the flags are parsed, so that a bad file is a usage error (exit code 2) naming the file and
// the place in it.
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
