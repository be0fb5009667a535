#include "core/auth/credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree still includes the old boost/bind.hpp
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

namespace clusterctl {

namespace {

// Larger files are not credentials: refuse rather than read them.
constexpr size_t kMaxFileBytes = 4 * 1024 * 1024;

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Reads the whole file after checking its mode on the open descriptor (no
// window between the check and the read).
StatusOr<std::string> read_secret_file(const std::string& what, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return Status::invalid(what + " " + path + ": cannot open: " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    return Status::invalid(what + " " + path + ": cannot stat: " + std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::invalid(what + " " + path + " is not a regular file");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return Status::invalid(what + " " + path + " has mode " + octal_mode(info.st_mode) +
                           ": it must not be readable by group or others (chmod 600 " + path + ")");
  }
  if (static_cast<size_t>(info.st_size) > kMaxFileBytes) {
    ::close(fd);
    return Status::invalid(what + " " + path + " is larger than 4 MB");
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int error = errno;
      ::close(fd);
      return Status::invalid(what + " " + path + ": cannot read: " + std::strerror(error));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      return Status::invalid(what + " " + path + " is larger than 4 MB");
    }
  }
  ::close(fd);
  return text;
}

StatusOr<boost::property_tree::ptree> parse_json(const std::string& json,
                                                 const std::string& where) {
  boost::property_tree::ptree tree;
  try {
    std::istringstream in(json);
    boost::property_tree::read_json(in, tree);
  } catch (const boost::property_tree::json_parser_error& error) {
    return Status::invalid(where + ": not valid JSON (line " + std::to_string(error.line()) + ": " +
                           error.message() + ")");
  }
  return tree;
}

StatusOr<Credential> credential_from(const boost::property_tree::ptree& tree,
                                     const std::string& where) {
  Credential credential;
  credential.principal = tree.get<std::string>("principal", "");
  credential.secret = tree.get<std::string>("secret", "");
  if (credential.principal.empty()) return Status::invalid(where + ": a \"principal\" is missing");
  if (credential.secret.empty()) {
    return Status::invalid(where + ": principal '" + credential.principal + "' has no \"secret\"");
  }
  return credential;
}

}  // namespace

StatusOr<CredentialStore> CredentialStore::from(const std::vector<Credential>& credentials) {
  CredentialStore store;
  for (const Credential& credential : credentials) {
    if (credential.principal.empty()) return Status::invalid("a credential has no principal");
    if (credential.secret.empty()) {
      return Status::invalid("principal '" + credential.principal + "' has an empty secret");
    }
    if (!store.secrets_.emplace(credential.principal, credential.secret).second) {
      return Status::invalid("principal '" + credential.principal + "' is listed twice");
    }
  }
  return store;
}

std::optional<std::string> CredentialStore::secret_of(const std::string& principal) const {
  auto found = secrets_.find(principal);
  if (found == secrets_.end()) return std::nullopt;
  return found->second;
}

Status check_secret_file_mode(const std::string& what, const std::string& path) {
  auto text = read_secret_file(what, path);
  return text ? Status::ok() : text.status();
}

StatusOr<CredentialStore> parse_credential_store(const std::string& json,
                                                 const std::string& where) {
  auto tree = parse_json(json, where);
  if (!tree) return tree.status();
  auto list = tree->get_child_optional("credentials");
  if (!list) {
    return Status::invalid(where +
                           ": expected {\"credentials\":[{\"principal\":...,\"secret\":...}]}");
  }
  std::vector<Credential> credentials;
  size_t index = 0;
  for (const auto& [key, entry] : *list) {
    auto credential =
        credential_from(entry, where + ": credentials[" + std::to_string(index) + "]");
    if (!credential) return credential.status();
    credentials.push_back(std::move(*credential));
    ++index;
  }
  auto store = CredentialStore::from(credentials);
  if (!store) return Status::invalid(where + ": " + store.status().message());
  if (store->empty()) return Status::invalid(where + ": no credentials in it");
  return store;
}

StatusOr<Credential> parse_credential(const std::string& json, const std::string& where) {
  auto tree = parse_json(json, where);
  if (!tree) return tree.status();
  return credential_from(*tree, where);
}

StatusOr<CredentialStore> load_credential_store(const std::string& path, const std::string& what) {
  auto text = read_secret_file(what, path);
  if (!text) return text.status();
  return parse_credential_store(*text, what + " " + path);
}

StatusOr<Credential> load_credential(const std::string& path, const std::string& what) {
  auto text = read_secret_file(what, path);
  if (!text) return text.status();
  return parse_credential(*text, what + " " + path);
}

StatusOr<std::string> load_secret_file(const std::string& path, const std::string& what) {
  auto text = read_secret_file(what, path);
  if (!text) return text.status();
  std::string secret = std::move(*text);
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) return Status::invalid(what + " " + path + " is empty");
  return secret;
}

}  // namespace clusterctl
