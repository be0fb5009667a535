// The master's authentication flags (a light header, so that MasterOptions
// can hold them). Plain values; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "core/duration.hpp"

namespace clusterctl {

struct AuthenticationOptions {
  bool frameworks = false;  // --authenticate-frameworks
  bool agents = false;      // --authenticate-agents
  bool operators = false;   // --authenticate-http: the operator calls (state.*, quota.*, ...)
  std::vector<std::string> authenticators = {"crammd5"};  // plugin names or paths
  std::string credentials_file;                           // --credentials
  std::string plugin_dir;                                 // empty: default_plugin_dir()
  Duration failure_delay{1000};
};

}  // namespace clusterctl
