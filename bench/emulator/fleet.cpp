#include "bench/emulator/fleet.hpp"

#include <iostream>
#include <sstream>

#include "core/json.hpp"
#include "core/timer.hpp"

namespace clusterctl::emulator {

namespace {

FleetCounters difference(const FleetCounters& now, const FleetCounters& before) {
  FleetCounters d;
  d.registrations = now.registrations - before.registrations;
  d.redirects = now.redirects - before.redirects;
  d.failed_attempts = now.failed_attempts - before.failed_attempts;
  d.connections_lost = now.connections_lost - before.connections_lost;
  d.tasks_launched = now.tasks_launched - before.tasks_launched;
  d.updates_sent = now.updates_sent - before.updates_sent;
  d.acknowledgements = now.acknowledgements - before.acknowledgements;
  d.pings = now.pings - before.pings;
  return d;
}

}  // namespace

Fleet::Fleet(std::vector<std::string> masters, size_t agents)
    : masters_(std::move(masters)),
      agents_(agents),
      random_(std::random_device{}()),
      started_ms_(monotonic_millis()),
      wave_started_ms_(started_ms_) {}

Duration Fleet::jitter(Duration limit) {
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(limit.count(), 0));
  return Duration(pick(random_));
}

void Fleet::agent_registered() {
  ++counters_.registrations;
  ++registered_;
  if (registered_ < agents_ || complete_) return;
  complete_ = true;
  std::ostringstream fields;
  fields << "\"wave\":" << wave_ << ",\"count\":" << registered_
         << ",\"elapsed_ms\":" << monotonic_millis() - wave_started_ms_ << ","
         << counter_fields(difference(counters_, at_wave_start_));
  print("registered", fields.str());
}

void Fleet::agent_lost() {
  ++counters_.connections_lost;
  if (complete_) {
    complete_ = false;
    ++wave_;
    wave_started_ms_ = monotonic_millis();
    at_wave_start_ = counters_;
    std::ostringstream fields;
    fields << "\"wave\":" << wave_ << ",\"registered\":" << registered_ - 1
           << ",\"count\":" << agents_;
    print("lost", fields.str());
  }
  --registered_;
}

void Fleet::print_started(const std::string& id_prefix, uint64_t nofile_limit) {
  std::ostringstream fields;
  fields << "\"count\":" << agents_ << ",\"id_prefix\":" << json_quote(id_prefix)
         << ",\"masters\":[";
  for (size_t i = 0; i < masters_.size(); ++i) {
    fields << (i > 0 ? "," : "") << json_quote(masters_[i]);
  }
  fields << "],\"nofile\":" << nofile_limit;
  print("started", fields.str());
}

void Fleet::print_progress() {
  if (complete_) return;
  std::ostringstream fields;
  fields << "\"wave\":" << wave_ << ",\"registered\":" << registered_ << ",\"count\":" << agents_
         << ",\"elapsed_ms\":" << monotonic_millis() - wave_started_ms_ << ","
         << counter_fields(difference(counters_, at_wave_start_));
  print("progress", fields.str());
}

void Fleet::print_stopped() {
  std::ostringstream fields;
  fields << "\"registered\":" << registered_ << ",\"count\":" << agents_ << ",\"waves\":" << wave_
         << "," << counter_fields(counters_);
  print("stopped", fields.str());
}

std::string Fleet::counter_fields(const FleetCounters& c) const {
  std::ostringstream out;
  out << "\"registrations\":" << c.registrations << ",\"redirects\":" << c.redirects
      << ",\"failed_attempts\":" << c.failed_attempts
      << ",\"connections_lost\":" << c.connections_lost
      << ",\"tasks_launched\":" << c.tasks_launched << ",\"updates_sent\":" << c.updates_sent
      << ",\"acknowledgements\":" << c.acknowledgements << ",\"pings\":" << c.pings;
  return out.str();
}

int64_t Fleet::since_start() const {
  return monotonic_millis() - started_ms_;
}

void Fleet::print(const std::string& event, const std::string& fields) {
  // One write per line, flushed: a script reading a pipe sees it at once.
  std::ostringstream line;
  line << "{\"event\":\"" << event << "\"," << fields << ",\"t_ms\":" << since_start()
       << ",\"unix_ms\":" << static_cast<int64_t>(wall_seconds() * 1000) << "}\n";
  std::cout << line.str() << std::flush;
}

}  // namespace clusterctl::emulator
