// Status and StatusOr<T>: errors as values at module boundaries.
//
// A Status is either OK or carries a small error kind and a message meant for a
// user ("agent 'a1' is unknown: run 'clusterctl agents' to list agents").
// The OK path holds no allocation. Not thread-safe for concurrent mutation;
// copies are independent.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace clusterctl {

enum class ErrorKind {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a peer
  kNotFound,         // a named thing does not exist
  kAlreadyExists,
  kFailedPrecondition,  // the request is valid but the state does not allow it
  kUnavailable,         // a peer or resource cannot be reached now; retrying may help
  kTimeout,
  kIoError,
  kProtocol,  // a peer broke the wire protocol
  kInternal,
  kNotLeader,         // a standby master: ask the leader instead (Status::leader() names it)
  kUnauthenticated,   // the peer has not proved who it is (or failed to)
  kPermissionDenied,  // the peer is known, but the ACLs or ownership forbid this
};

// Stable lower-case name of an error kind ("invalid_argument"), used on the wire.
const char* error_kind_name(ErrorKind kind);
ErrorKind error_kind_from_name(const std::string& name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid(std::string m) { return {ErrorKind::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {ErrorKind::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {ErrorKind::kAlreadyExists, std::move(m)}; }
  static Status failed_precondition(std::string m) {
    return {ErrorKind::kFailedPrecondition, std::move(m)};
  }
  static Status unavailable(std::string m) { return {ErrorKind::kUnavailable, std::move(m)}; }
  static Status timeout(std::string m) { return {ErrorKind::kTimeout, std::move(m)}; }
  static Status io_error(std::string m) { return {ErrorKind::kIoError, std::move(m)}; }
  static Status protocol(std::string m) { return {ErrorKind::kProtocol, std::move(m)}; }
  static Status internal(std::string m) { return {ErrorKind::kInternal, std::move(m)}; }
  static Status unauthenticated(std::string m) {
    return {ErrorKind::kUnauthenticated, std::move(m)};
  }
  static Status permission_denied(std::string m) {
    return {ErrorKind::kPermissionDenied, std::move(m)};
  }
  // A standby master's answer: `leader` is the leader's host:port, empty while
  // none is elected.
  static Status not_leader(std::string leader);

  bool is_ok() const { return kind_ == ErrorKind::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // kNotLeader only: the leader's host:port ("" while none is elected).
  const std::string& leader() const { return leader_; }

  // "invalid_argument: message", or "ok".
  std::string to_string() const;

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
  std::string leader_;
};

namespace internal {
// Reached only through a bug: the value of a StatusOr holding an error was
// used. Prints the error and aborts, so that the bug cannot go on silently.
[[noreturn]] void abort_on_missing_value(const Status& status);
// A StatusOr made from an OK Status holds this error instead.
Status ok_status_without_value();
}  // namespace internal

// Either a value or a non-OK Status. Using the value of an error (value(), *,
// ->) is a bug: it aborts with the error's message.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.is_ok()) status_ = internal::ok_status_without_value();
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }

  T& value() & { return checked(); }
  const T& value() const& { return checked(); }
  T&& value() && { return std::move(checked()); }
  // The value, or `fallback` on error.
  T value_or(T fallback) const { return value_ ? *value_ : std::move(fallback); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return checked(); }

 private:
  T& checked() {
    if (!value_) internal::abort_on_missing_value(status_);
    return *value_;
  }
  const T& checked() const {
    if (!value_) internal::abort_on_missing_value(status_);
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace clusterctl

// Returns early from a function returning Status (or StatusOr) on error.
#define CLUSTERCTL_RETURN_IF_ERROR(expr)              \
  do {                                                \
    ::clusterctl::Status status_macro_ = (expr);      \
    if (!status_macro_.is_ok()) return status_macro_; \
  } while (0)
