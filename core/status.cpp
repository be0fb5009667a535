#include "core/status.hpp"

#include <cstdio>
#include <cstdlib>

namespace clusterctl {

namespace {
struct KindName {
  ErrorKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {ErrorKind::kOk, "ok"},
    {ErrorKind::kInvalidArgument, "invalid_argument"},
    {ErrorKind::kNotFound, "not_found"},
    {ErrorKind::kAlreadyExists, "already_exists"},
    {ErrorKind::kFailedPrecondition, "failed_precondition"},
    {ErrorKind::kUnavailable, "unavailable"},
    {ErrorKind::kTimeout, "timeout"},
    {ErrorKind::kIoError, "io_error"},
    {ErrorKind::kProtocol, "protocol_error"},
    {ErrorKind::kInternal, "internal"},
    {ErrorKind::kNotLeader, "not_leader"},
    {ErrorKind::kUnauthenticated, "unauthenticated"},
    {ErrorKind::kPermissionDenied, "permission_denied"},
};
}  // namespace

const char* error_kind_name(ErrorKind kind) {
  for (const auto& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "internal";
}

ErrorKind error_kind_from_name(const std::string& name) {
  for (const auto& entry : kKindNames) {
    if (name == entry.name) return entry.kind;
  }
  return ErrorKind::kInternal;
}

Status Status::not_leader(std::string leader) {
  Status status(ErrorKind::kNotLeader,
                leader.empty()
                    ? "this master stands by and no leader is elected yet; try again soon"
                    : "this master stands by; the leader is " + leader);
  status.leader_ = std::move(leader);
  return status;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_kind_name(kind_)) + ": " + message_;
}

namespace internal {

void abort_on_missing_value(const Status& status) {
  std::fprintf(stderr, "clusterctl: bug: used the value of a failed StatusOr (%s)\n",
               status.to_string().c_str());
  std::abort();
}

Status ok_status_without_value() {
  return Status::internal("bug: a StatusOr was made from an OK status without a value");
}

}  // namespace internal

}  // namespace clusterctl
