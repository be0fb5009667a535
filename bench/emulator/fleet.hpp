// Fleet: what the emulated agents share. The master addresses, the random
// source for backoff jitter, the counters, and the events printed for
// scripts: one JSON object per line on stdout, e.g.
//
//   {"event":"registered","wave":0,"count":5000,"elapsed_ms":812,...}
//
// Events (each also carries t_ms, milliseconds since the emulator started,
// and unix_ms, the wall clock, so a script can relate them to its own
// actions):
//   started     the agents are starting
//   progress    every --progress while not all agents are registered
//   registered  all agents are registered: at the start (wave 0) and after
//               each re-registration wave (elapsed_ms counts from the wave's
//               first lost agent; wave 0 from the start)
//   lost        a wave starts: an agent lost its master while all were
//               registered
//   stopped     the emulator stops (SIGINT, SIGTERM), with totals
//
// Threading: one io_context thread; everything happens there.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/duration.hpp"

namespace clusterctl::emulator {

// Totals since the start; the "wave" ones since the current wave began.
struct FleetCounters {
  uint64_t registrations = 0;     // agent.register answered with success
  uint64_t redirects = 0;         // not_leader answers
  uint64_t failed_attempts = 0;   // connects or registrations that failed otherwise
  uint64_t connections_lost = 0;  // registered connections that closed
  uint64_t tasks_launched = 0;
  uint64_t updates_sent = 0;  // agent.status_update calls, resends included
  uint64_t acknowledgements = 0;
  uint64_t pings = 0;
};

class Fleet {
 public:
  Fleet(std::vector<std::string> masters, size_t agents);

  const std::vector<std::string>& masters() const { return masters_; }
  // A uniformly random delay in [0, limit] ("full jitter").
  Duration jitter(Duration limit);

  // An agent registered (again), or lost its registered connection.
  void agent_registered();
  void agent_lost();

  FleetCounters& counters() { return counters_; }
  size_t registered() const { return registered_; }
  size_t agents() const { return agents_; }

  void print_started(const std::string& id_prefix, uint64_t nofile_limit);
  // Prints "progress" unless every agent is registered.
  void print_progress();
  void print_stopped();

 private:
  // {"event":"NAME",<fields>,"t_ms":...,"unix_ms":...}
  void print(const std::string& event, const std::string& fields);
  std::string counter_fields(const FleetCounters& counters) const;
  int64_t since_start() const;

  std::vector<std::string> masters_;
  size_t agents_;
  std::mt19937_64 random_;
  FleetCounters counters_;
  FleetCounters at_wave_start_;
  size_t registered_ = 0;
  bool complete_ = false;  // all agents registered, no wave under way
  int wave_ = 0;
  int64_t started_ms_;
  int64_t wave_started_ms_;
};

}  // namespace clusterctl::emulator
