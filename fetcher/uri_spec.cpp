#include "fetcher/uri_spec.hpp"

#include <cctype>
#include <sstream>
#include <vector>

#include "core/http/http.hpp"
#include "fetcher/sandbox_dir.hpp"
#include "fetcher/sha256.hpp"

namespace clusterctl {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool is_remote(const std::string& uri) {
  return starts_with(uri, "http://") || starts_with(uri, "https://");
}

// The path part of a URI, without scheme, authority, query and fragment.
std::string uri_path(const std::string& uri) {
  std::string rest = uri;
  size_t scheme = rest.find("://");
  if (scheme != std::string::npos) {
    rest = rest.substr(scheme + 3);
    size_t slash = rest.find('/');
    rest = slash == std::string::npos ? "" : rest.substr(slash);
  }
  size_t end = rest.find_first_of("?#");
  return rest.substr(0, end);
}

Status check_file_name(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return Status::invalid(what + " '" + name + "' is not a plain file name");
  }
  return Status::ok();
}

}  // namespace

bool uri_has_query(const std::string& uri) {
  return uri.find('?') != std::string::npos;
}

std::string uri_local_path(const std::string& uri) {
  if (starts_with(uri, "/")) return uri;
  if (!starts_with(uri, "file://")) return "";
  auto decoded = url_decode(uri_path(uri), false);
  return decoded ? *decoded : uri_path(uri);
}

Status validate_uri(const UriInfo& uri) {
  const std::string& value = uri.value;
  if (!is_remote(value) && !starts_with(value, "file:///") && !starts_with(value, "/")) {
    return Status::invalid("cannot fetch '" + value +
                           "': use an http://, https:// or file:/// URI or an absolute path");
  }
  if (!uri.sha256.empty() && !is_sha256_hex(uri.sha256)) {
    return Status::invalid("sha256 of '" + value + "' must be 64 hex digits");
  }
  if (!uri.output_file.empty()) {
    CLUSTERCTL_RETURN_IF_ERROR(check_file_name(uri.output_file, "output"));
  }
  auto name = uri_file_name(uri);
  if (!name) return name.status();
  if (is_reserved_sandbox_name(*name)) {
    return Status::invalid("cannot fetch '" + value + "' as '" + *name +
                           "': that is the task's own output in the sandbox; add output=NAME "
                           "to name the file otherwise");
  }
  return Status::ok();
}

StatusOr<std::string> uri_file_name(const UriInfo& uri) {
  if (!uri.output_file.empty()) return uri.output_file;
  std::string path = uri_path(uri.value);
  std::string last = path.substr(path.find_last_of('/') + 1);
  auto decoded = url_decode(last, false);
  if (!decoded || decoded->empty()) {
    return Status::invalid("cannot tell a file name from '" + uri.value +
                           "': add output=NAME to name the file");
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_file_name(*decoded, "the file name of '" + uri.value + "',"));
  return *decoded;
}

StatusOr<UriInfo> parse_uri_spec(const std::string& text) {
  std::vector<std::string> parts;
  std::istringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  if (parts.empty() || parts[0].empty()) return Status::invalid("empty URI");
  UriInfo uri;
  uri.value = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& option = parts[i];
    if (option == "executable") {
      uri.executable = true;
    } else if (option == "cache") {
      uri.cache = true;
    } else if (option == "no-extract") {
      uri.extract = false;
    } else if (option == "extract") {
      uri.extract = true;
    } else if (starts_with(option, "sha256=")) {
      uri.sha256 = option.substr(7);
      for (char& c : uri.sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (starts_with(option, "output=")) {
      uri.output_file = option.substr(7);
    } else {
      return Status::invalid("unknown option '" + option + "' in '" + text +
                             "'; use executable, cache, no-extract, sha256=HEX or output=NAME");
    }
  }
  CLUSTERCTL_RETURN_IF_ERROR(validate_uri(uri));
  return uri;
}

}  // namespace clusterctl
