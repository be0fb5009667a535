// Status and StatusOr<T>: errors as values at module boundaries.
//
// A Status is either OK or carries a small error kind and a message meant for a
// user ("agent 'a1' is unknown: run 'clusterctl agents' to list agents").
// The OK path holds no allocation. Not thread-safe for concurrent mutation;
// copies are independent.
#pragma once

#include <cassert>
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

  bool is_ok() const { return kind_ == ErrorKind::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: message", or "ok".
  std::string to_string() const;

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.is_ok());
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  // The value, or `fallback` on error.
  T value_or(T fallback) const { return value_ ? *value_ : std::move(fallback); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
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
