// msgpack form of Resources: the flat map of Resources::to_flat_map(),
// {"cpus": 2.0, "mem(ops)": 1024.0, "ports": "[31000-32000]"}. Converting a
// value of the wrong shape throws msgpack::type_error, an invalid one (negative,
// bad role or range) std::invalid_argument with the reason; RpcValue::as turns
// either into a protocol error. Include this wherever Resources cross the wire.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <msgpack.hpp>

#include "core/resources.hpp"

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
  namespace adaptor {

  template <>
  struct pack<clusterctl::Resources> {
    template <typename Stream>
    packer<Stream>& operator()(packer<Stream>& out, const clusterctl::Resources& value) const {
      auto flat = value.to_flat_map();
      out.pack_map(static_cast<uint32_t>(flat.size()));
      for (const auto& [key, entry] : flat) {
        out.pack(key);
        if (entry.is_number) {
          out.pack_double(entry.number);
        } else {
          out.pack(entry.text);
        }
      }
      return out;
    }
  };

  template <>
  struct convert<clusterctl::Resources> {
    const msgpack::object& operator()(const msgpack::object& in,
                                      clusterctl::Resources& value) const {
      if (in.type == msgpack::type::NIL) {
        value = clusterctl::Resources();
        return in;
      }
      if (in.type != msgpack::type::MAP) throw msgpack::type_error();
      std::map<std::string, clusterctl::Resources::FlatValue> flat;
      for (uint32_t i = 0; i < in.via.map.size; ++i) {
        const msgpack::object_kv& kv = in.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) throw msgpack::type_error();
        clusterctl::Resources::FlatValue entry;
        switch (kv.val.type) {
          case msgpack::type::FLOAT32:
          case msgpack::type::FLOAT64:
          case msgpack::type::POSITIVE_INTEGER:
          case msgpack::type::NEGATIVE_INTEGER:
            entry.number = kv.val.as<double>();
            break;
          case msgpack::type::STR:
            entry.is_number = false;
            entry.text = kv.val.as<std::string>();
            break;
          default:
            throw msgpack::type_error();
        }
        flat[kv.key.as<std::string>()] = entry;
      }
      auto parsed = clusterctl::Resources::from_flat_map(flat);
      if (!parsed.is_ok()) throw std::invalid_argument(parsed.status().message());
      value = std::move(parsed).value();
      return in;
    }
  };

  }  // namespace adaptor
}
}  // namespace msgpack
