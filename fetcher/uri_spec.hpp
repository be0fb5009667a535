// The artifacts a task asks for, as users write them on the command line:
//
//   URI[,executable][,cache][,no-extract][,sha256=HEX][,output=NAME]
//
//   http://127.0.0.1:8000/app.tar.gz
//   file:///tmp/tool,executable
//   https://host/big.zip,cache,sha256=9f86...,output=data.zip,no-extract
//
// URI is http://, https://, file:// or an absolute path. Commas inside the
// URI must be written %2C. Pure functions, thread-safe.
#pragma once

#include <string>

#include "core/messages.hpp"
#include "core/status.hpp"

namespace clusterctl {

// Errors name the bad part ("unknown option 'exec' in '...'; use executable,
// cache, no-extract, sha256=HEX or output=NAME").
StatusOr<UriInfo> parse_uri_spec(const std::string& text);

// Checks a UriInfo from any source (a framework may build them itself);
// its file name may not be one the task's own output uses (stdout, ...).
Status validate_uri(const UriInfo& uri);

// The file name an artifact gets in the sandbox: output_file, else the last
// path segment of the URI (without query or fragment, %-decoded).
StatusOr<std::string> uri_file_name(const UriInfo& uri);

// Whether the URI has a query string ("...?token=x").
bool uri_has_query(const std::string& uri);

// The local path of a file:// URI or an absolute path; empty for http(s).
std::string uri_local_path(const std::string& uri);

}  // namespace clusterctl
