// access_sandboxes on the agent's /files (--acls on the agent): who may read
// which sandbox. The object of the check is the user a sandbox belongs to:
// the owner of its run directory (WORK_DIR/agents/A/frameworks/F/executors/E/
// runs/R, which is the task's user when tasks run as their user); the paths
// above a run directory list every sandbox and are checked as user "*"
// (allowed by ANY, or by a SOME list holding "*").
//
// The principal is the one HTTP Basic proved on the agent's loop thread
// (empty without --authenticate-http); it travels to the /files worker in a
// header that the loop thread always sets, so a client's own is never
// believed. The check stats the run directory, so it runs on the worker
// thread, before the file is served.
//
// Pure functions (and a stat); thread-safe.
#pragma once

#include <string>

#include "core/auth/acls.hpp"
#include "core/auth/credentials.hpp"
#include "core/http/http.hpp"
#include "core/status.hpp"
#include "daemons/agent/file_server.hpp"

namespace clusterctl {

inline constexpr const char* kVerifiedPrincipalHeader = "x-clusterctl-verified-principal";

// The principal `request` proves with HTTP Basic against `credentials`, ""
// when it proves none.
std::string verified_principal(const HttpRequest& request, const CredentialStore& credentials);

// `request` with the principal HTTP Basic proved ("" : nobody), replacing
// whatever the client sent under that name.
HttpRequest with_verified_principal(HttpRequest request, const std::string& principal);

// The user of the sandbox `path` (absolute, below `root`) lies in: the owner
// of its run directory, "*" above one. Errors: a path with "." or ".."
// components (403), a run directory that cannot be read (404).
StatusOr<std::string> sandbox_user(const std::string& root, const std::string& path);

// The agent's /files options: with ACLs from `acls_path` ("": none, nothing
// checked), each request is checked against access_sandboxes first.
FileServerOptions sandbox_file_options(const std::string& acls_path);

}  // namespace clusterctl
