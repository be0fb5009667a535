// msgpack form of TaskState: its name as a string ("RUNNING"), the one wire
// and disk form. Converting anything else (another type, an unknown name)
// throws std::invalid_argument naming the value; RpcValue::as and
// unpack_payload turn that into a protocol error. Include this wherever a
// TaskState crosses the wire or goes to disk.
#pragma once

#include <stdexcept>
#include <string>

#include <msgpack.hpp>

#include "core/task_state.hpp"

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
  namespace adaptor {

  template <>
  struct pack<clusterctl::TaskState> {
    template <typename Stream>
    packer<Stream>& operator()(packer<Stream>& out, clusterctl::TaskState value) const {
      out.pack(std::string(clusterctl::task_state_name(value)));
      return out;
    }
  };

  template <>
  struct convert<clusterctl::TaskState> {
    const msgpack::object& operator()(const msgpack::object& in,
                                      clusterctl::TaskState& value) const {
      if (in.type != msgpack::type::STR) {
        throw std::invalid_argument("a task state must be a string such as \"RUNNING\"");
      }
      auto parsed = clusterctl::parse_task_state(std::string(in.via.str.ptr, in.via.str.size));
      if (!parsed) throw std::invalid_argument(parsed.status().message());
      value = *parsed;
      return in;
    }
  };

  }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
