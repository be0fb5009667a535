// The agent's HTTP authentication (--authenticate-http: HTTP Basic against
// --http-credentials on /files and /state; /health stays open) and its ACLs
// (--acls: access_sandboxes on /files).
#include "core/http/basic_auth.hpp"
#include "core/log.hpp"
#include "daemons/agent/agent_impl.hpp"

namespace clusterctl {

Status AgentImpl::load_authorization() {
  if (options_.authenticate_http && options_.http_credentials.empty()) {
    return Status::invalid(
        "--authenticate-http needs --http-credentials FILE: the principals and secrets HTTP "
        "Basic is checked against");
  }
  if (!options_.http_credentials.empty()) {
    auto store = load_credential_store(options_.http_credentials, "--http-credentials");
    if (!store) return store.status();
    http_credentials_ = std::move(store).value();
  }
  if (!options_.acls.empty()) {
    auto acls = load_acls(options_.acls);
    if (!acls) return acls.status();
    acls_ = std::move(acls).value();
  }
  if (options_.authenticate_http) {
    LOG(kInfo) << "HTTP: /files and /state need HTTP Basic authentication ("
               << http_credentials_.size() << " principals)";
  }
  return Status::ok();
}

std::optional<HttpResponse> AgentImpl::check_http_access(const HttpRequest& request) const {
  if (!options_.authenticate_http || request.path == "/health") return std::nullopt;
  auto principal = http_basic_principal(request, http_credentials_);
  if (!principal) return http_unauthorized(principal.status().message());
  return std::nullopt;
}

}  // namespace clusterctl
