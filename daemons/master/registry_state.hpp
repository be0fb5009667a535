// RegistryState: what the master's registry holds (admitted agents, which of
// them are unreachable, frameworks, quotas, weights, dynamic reservations),
// the value every registry store (file or ZooKeeper) keeps. Plain values:
// a RegistryState is owned by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <msgpack.hpp>

#include "core/messages.hpp"

namespace clusterctl {

// The version of the registry file this clusterctl writes (and the newest it
// reads).
inline constexpr uint32_t kRegistryFormatVersion = 1;

struct QuotaConfig {
  std::string role;
  Resources guarantee;  // held back for the role
  Resources limit;      // never exceeded (empty: no limit)
  bool operator==(const QuotaConfig& other) const = default;
  MSGPACK_DEFINE_MAP(role, guarantee, limit);
};

struct RegistryState {
  uint32_t format_version = 1;
  std::map<std::string, AgentInfo> agents;          // admitted agents, by id
  std::map<std::string, FrameworkInfo> frameworks;  // by id
  std::map<std::string, QuotaConfig> quotas;        // by role
  std::map<std::string, double> weights;            // by role (absent: 1)
  std::map<std::string, Resources> reservations;    // dynamic reservations, by agent id
  // Agents marked unreachable: wall-clock seconds since when, by agent id.
  // They are forgotten after --registry-max-agent-age (see master_agent_gc.cpp).
  std::map<std::string, double> unreachable;
  bool operator==(const RegistryState& other) const = default;
  MSGPACK_DEFINE_MAP(format_version, agents, frameworks, quotas, weights, reservations,
                     unreachable);
};

}  // namespace clusterctl
