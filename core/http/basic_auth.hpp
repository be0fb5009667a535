// HTTP Basic authentication (--authenticate-http on master and agent): the
// principal a request proves with "Authorization: Basic base64(p:secret)"
// against a credential store, and the 401 answer when it does not.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "core/auth/credentials.hpp"
#include "core/http/http.hpp"
#include "core/status.hpp"

namespace clusterctl {

// The realm of the WWW-Authenticate challenge.
inline constexpr const char* kHttpRealm = "clusterctl";

// The principal, or unauthenticated: no header, not Basic, not base64 of
// "principal:secret", an unknown principal or a wrong secret (the last two
// with the same message). Secrets are compared in constant time.
StatusOr<std::string> http_basic_principal(const HttpRequest& request,
                                           const CredentialStore& credentials);

// 401 with `WWW-Authenticate: Basic realm="clusterctl"` and {"error": why}.
HttpResponse http_unauthorized(const std::string& why);

// Decodes standard base64 (padding required when the length is not a
// multiple of 4 is tolerated); an error on other characters.
StatusOr<std::string> base64_decode(const std::string& text);
// For tests and clients.
std::string base64_encode(const std::string& bytes);

}  // namespace clusterctl
