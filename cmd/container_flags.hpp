// The flags of `clusterctl agent` for containers: isolation, the fetcher,
// sandbox logs and their garbage collection (daemons/agent/container_options.hpp).
// Main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include "daemons/agent/container_options.hpp"

namespace clusterctl::cmd {

void add_container_flags(CLI::App& app, ContainerOptions& options);

}  // namespace clusterctl::cmd
