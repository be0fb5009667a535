// Memory of a real master process: starts `clusterctl master` on loopback,
// subscribes frameworks (one connection each), then registers agents (all on
// one connection; each agent's resources end up in one outstanding offer),
// and prints the growth of the master's resident set per framework and per
// agent. Stops the master it started.
#pragma once

#include <string>

namespace clusterctl {

void print_master_memory(const std::string& clusterctl_binary, int agents, int frameworks);

}  // namespace clusterctl
