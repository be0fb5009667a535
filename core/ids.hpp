// Identifiers: agents, frameworks, offers, tasks, containers. Thread-safe.
#pragma once

#include <string>

namespace clusterctl {

// "<prefix>-<16 random hex digits>", e.g. "agent-3f9a0c2b7d1e4f60". Random
// enough that restarts never reuse an id.
std::string new_id(const std::string& prefix);

// Checks a user- or peer-chosen id: 1..128 chars of [A-Za-z0-9_.-], not "." or "..".
bool is_valid_id(const std::string& id);

}  // namespace clusterctl
