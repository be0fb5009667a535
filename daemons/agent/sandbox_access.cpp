#include "daemons/agent/sandbox_access.hpp"

#include <pwd.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/http/basic_auth.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {

namespace {

// A run directory is this many components below the root:
// A/frameworks/F/executors/E/runs/R.
constexpr size_t kRunDepth = 7;

std::vector<std::string> components(const std::string& relative) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (slash > start) parts.push_back(relative.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// {"error": message}, in JSON or msgpack as the client asked (like every
// /files answer).
HttpResponse refusal(const HttpRequest& request, int status, const std::string& message) {
  HttpResponse response =
      http_payload(request, pack_payload(std::map<std::string, std::string>{{"error", message}}));
  response.status = status;
  return response;
}

// The user of the sandbox `path` leads into once its links are followed;
// nullopt when it does not exist.
std::optional<std::string> resolved_user(const std::string& root, const std::string& path) {
  char real_root[PATH_MAX];
  char real_path[PATH_MAX];
  if (::realpath(root.c_str(), real_root) == nullptr) return std::nullopt;
  if (::realpath(path.c_str(), real_path) == nullptr) return std::nullopt;
  auto user = sandbox_user(real_root, real_path);
  return user ? std::optional<std::string>(*user) : std::nullopt;
}

std::string user_name(uid_t uid) {
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

}  // namespace

std::string verified_principal(const HttpRequest& request, const CredentialStore& credentials) {
  return http_basic_principal(request, credentials).value_or("");
}

HttpRequest with_verified_principal(HttpRequest request, const std::string& principal) {
  request.headers[kVerifiedPrincipalHeader] = principal;
  return request;
}

StatusOr<std::string> sandbox_user(const std::string& root, const std::string& path) {
  if (path.size() <= root.size() || path.compare(0, root.size(), root) != 0 ||
      path[root.size()] != '/') {
    return std::string("*");  // the root itself (or not below it: refused when served)
  }
  std::vector<std::string> parts = components(path.substr(root.size() + 1));
  for (const std::string& part : parts) {
    if (part == "." || part == "..") {
      return Status::permission_denied("'.' and '..' are not allowed in /files paths");
    }
  }
  if (parts.size() < kRunDepth) return std::string("*");
  std::string run = root;
  for (size_t i = 0; i < kRunDepth; ++i) run += "/" + parts[i];
  struct stat info {};
  if (::stat(run.c_str(), &info) != 0) return Status::not_found("no sandbox " + run);
  return user_name(info.st_uid);
}

FileServerOptions sandbox_file_options(const std::string& acls_path) {
  FileServerOptions options;
  if (acls_path.empty()) return options;
  auto loaded = load_acls(acls_path);
  // A bad file stops the agent at start (load_authorization) before any request.
  auto acls = std::make_shared<const Acls>(loaded ? *loaded : Acls());
  options.serve = [acls](const std::string& root, const HttpRequest& request) {
    auto path = request.query.find("path");
    if (path == request.query.end()) return serve_files(root, request);
    auto principal = request.headers.find(kVerifiedPrincipalHeader);
    std::string who = principal != request.headers.end() ? principal->second : "";
    auto user = sandbox_user(root, path->second);
    if (!user) {
      return refusal(request, user.status().kind() == ErrorKind::kNotFound ? 404 : 403,
                     user.status().message());
    }
    Status allowed = acls->authorize(AclAction::kAccessSandboxes, who, *user);
    if (!allowed) return refusal(request, 403, allowed.message());
    // A link in one sandbox may lead into another: that one is checked too.
    if (auto real = resolved_user(root, path->second); real && *real != *user) {
      allowed = acls->authorize(AclAction::kAccessSandboxes, who, *real);
      if (!allowed) return refusal(request, 403, allowed.message());
    }
    return serve_files(root, request);
  };
  return options;
}

}  // namespace clusterctl
