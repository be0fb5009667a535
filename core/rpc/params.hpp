// Decoding a request's params in a daemon's handlers.
// Called on the daemon's event loop thread.
#pragma once

#include <optional>

#include "core/rpc/rpc.hpp"

namespace clusterctl {

// Converts the params of a request to Call, or answers the error and returns nullopt.
template <typename Call>
std::optional<Call> parse_params(const RpcMessage& message, RpcResponder& responder) {
  auto call = message.params.as<Call>(message.method.c_str());
  if (!call) {
    responder.fail(call.status());
    return std::nullopt;
  }
  return std::move(call).value();
}

}  // namespace clusterctl
