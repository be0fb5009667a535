// Credentials: the secrets of principals, read from files that only their
// owner may read. The master's store (--credentials, and the agents'
// --http-credentials), an agent's own credential (--credential) and a
// client's secret file (--secret-file) all come through here.
//
// Files:
//   store:      {"credentials":[{"principal":"p","secret":"s"}, ...]}
//   credential: {"principal":"p","secret":"s"}
//   secret:     the secret itself; one trailing newline is dropped
// A file that group or others can read is refused, naming the file and its
// mode. Pure functions and a plain value type; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

struct Credential {
  std::string principal;
  std::string secret;
};

class CredentialStore {
 public:
  CredentialStore() = default;
  // Refuses empty principals or secrets and a principal given twice.
  static StatusOr<CredentialStore> from(const std::vector<Credential>& credentials);

  // The secret of `principal`, if it has one here.
  std::optional<std::string> secret_of(const std::string& principal) const;
  bool empty() const { return secrets_.empty(); }
  size_t size() const { return secrets_.size(); }

 private:
  std::map<std::string, std::string> secrets_;
};

// "credentials file F has mode 0644: it must not be readable by group or
// others (chmod 600 F)" when it is; a missing file is named too.
Status check_secret_file_mode(const std::string& what, const std::string& path);

// The master's store (`what` names the flag in errors: "--credentials").
StatusOr<CredentialStore> load_credential_store(const std::string& path,
                                                const std::string& what = "--credentials");
// An agent's own credential (--credential).
StatusOr<Credential> load_credential(const std::string& path,
                                     const std::string& what = "--credential");
// A client's secret (--secret-file).
StatusOr<std::string> load_secret_file(const std::string& path,
                                       const std::string& what = "--secret-file");

// The same parsers on text already read (for tests and config strings).
StatusOr<CredentialStore> parse_credential_store(const std::string& json, const std::string& where);
StatusOr<Credential> parse_credential(const std::string& json, const std::string& where);

}  // namespace clusterctl
