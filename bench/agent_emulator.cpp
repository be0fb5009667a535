// agent_emulator: one process holding many agent connections to a master,
// over the real protocol (bench/emulator/emulated_agent.hpp), for measuring
// registration rates and failover. Prints one JSON line per event of
// interest on stdout (bench/emulator/fleet.hpp); logs go to stderr.
//
//   agent_emulator --master 127.0.0.1:5050,127.0.0.1:5051 --agents 5000
//
// One io_context, one thread.
#include <sys/resource.h>

#include <iostream>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/emulator/emulated_agent.hpp"
#include "bench/emulator/fleet.hpp"
#include "core/asio.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/resources.hpp"
#include "core/timer.hpp"

namespace clusterctl::emulator {
namespace {

struct Options {
  std::string masters;
  size_t agents = 1;
  std::string resources = "cpus:4;mem:8192;disk:65536;ports:[31000-32000]";
  std::string attributes;
  std::string id_prefix;
  bool running_only = false;
  double connect_rate = 0;  // agents started per second; 0: all at once
  Duration progress{1000};
  std::string log_level = "warning";
  AgentSettings settings;
};

// Each file descriptor an agent holds is one connection; the process needs a
// few more for itself.
constexpr rlim_t kSpareDescriptors = 64;

// Raises the soft limit on open files to the hard one; returns the soft limit.
rlim_t raise_nofile_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised{limit.rlim_max, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

// "10s", "500ms"; "0" only where `zero_allowed`.
StatusOr<Duration> parse_flag_duration(const std::string& text, bool zero_allowed) {
  if (zero_allowed && text == "0") return Duration(0);
  auto parsed = parse_duration(text);
  if (parsed && parsed->count() <= 0) {
    return Status::invalid("'" + text + "' is not a positive duration");
  }
  return parsed;
}

void add_duration(CLI::App& app, const std::string& name, Duration& target, const std::string& help,
                  bool zero_allowed = false) {
  app.add_option_function<std::string>(
         name,
         [&target, zero_allowed](const std::string& text) {
           target = *parse_flag_duration(text, zero_allowed);
         },
         help)
      ->type_name("DURATION")
      ->default_str(format_duration(target))
      ->check(CLI::Validator(
          [zero_allowed](std::string& text) {
            auto parsed = parse_flag_duration(text, zero_allowed);
            return parsed ? std::string() : parsed.status().message();
          },
          ""));
}

void add_flags(CLI::App& app, Options& options) {
  app.add_option("--master", options.masters,
                 "Master addresses, host:port or a comma list of them (a standby master names "
                 "the leader)")
      ->required()
      ->type_name("LIST");
  app.add_option("--agents", options.agents, "How many agents to emulate")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20).description(""))
      ->capture_default_str();
  app.add_option("--resources", options.resources, "What each agent offers")
      ->type_name("RESOURCES")
      ->capture_default_str();
  app.add_option("--attributes", options.attributes, "Attributes of each agent (rack:r1;os:x)")
      ->type_name("ATTRIBUTES");
  app.add_option("--id-prefix", options.id_prefix,
                 "Agent ids and hostnames are PREFIX-00000, PREFIX-00001, ... (default: emu- and "
                 "random hex digits, so that two emulators never share agents)")
      ->type_name("PREFIX");
  app.add_flag("--running-only", options.running_only,
               "Tasks report RUNNING only and run until killed (default: STARTING, RUNNING and "
               "FINISHED at once)");
  app.add_option("--connect-rate", options.connect_rate,
                 "Agents started per second (0: all at once)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_duration(app, "--progress", options.progress,
               "Interval of progress events while agents are unregistered (0 for none)", true);
  add_duration(app, "--backoff-min", options.settings.backoff_min,
               "Limit of the first random delay before trying again (doubles up to the max)");
  add_duration(app, "--backoff-max", options.settings.backoff_max,
               "Largest limit of the random delay before trying again");
  add_duration(app, "--register-timeout", options.settings.register_timeout,
               "An unanswered agent.register is given up after this and tried again");
  app.add_option("--log-level", options.log_level, "debug, info, warning or error")
      ->capture_default_str();
}

// Checks what CLI11 cannot; the message says what to change.
Status prepare(Options& options) {
  if (options.masters.rfind("zk://", 0) == 0) {
    return Status::invalid(
        "--master zk://... is not supported by the emulator; list the masters (host:port,...): "
        "a standby master names the leader");
  }
  if (split_address_list(options.masters).empty()) {
    return Status::invalid("--master lists no address");
  }
  auto resources = Resources::parse(options.resources);
  if (!resources) return Status::invalid("--resources: " + resources.status().message());
  options.settings.resources = *resources;
  auto attributes = parse_attributes(options.attributes);
  if (!attributes) return Status::invalid("--attributes: " + attributes.status().message());
  options.settings.attributes = *attributes;
  options.settings.finish_tasks = !options.running_only;
  if (options.id_prefix.empty()) options.id_prefix = new_id("emu").substr(0, 12);
  if (!is_valid_id(options.id_prefix + "-0") || options.id_prefix.size() > 100) {
    return Status::invalid("--id-prefix '" + options.id_prefix +
                           "': use at most 100 of A-Z a-z 0-9 _ . -");
  }
  auto level = parse_log_level(options.log_level);
  if (!level) return level.status();
  set_log_level(*level);
  return Status::ok();
}

std::vector<std::string> agent_ids(const std::string& prefix, size_t count) {
  size_t width = std::max<size_t>(5, std::to_string(count - 1).size());
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string number = std::to_string(i);
    ids.push_back(prefix + "-" + std::string(width - number.size(), '0') + number);
  }
  return ids;
}

// Starts the agents all at once, or `rate` per second.
void start_agents(asio::io_context& io, std::vector<std::unique_ptr<EmulatedAgent>>& agents,
                  double rate, Timer& timer, size_t started, int64_t since) {
  size_t due = agents.size();
  if (rate > 0) {
    due = std::min(agents.size(),
                   static_cast<size_t>(rate * (monotonic_millis() - since) / 1000.0) + 1);
  }
  for (; started < due; ++started) agents[started]->start();
  if (started < agents.size()) {
    timer.start(Duration(10), [&io, &agents, rate, &timer, started, since] {
      start_agents(io, agents, rate, timer, started, since);
    });
  }
}

void print_progress_every(Fleet& fleet, Duration interval, Timer& timer) {
  timer.start(interval, [&fleet, interval, &timer] {
    fleet.print_progress();
    print_progress_every(fleet, interval, timer);
  });
}

int run(Options& options) {
  set_log_component("agent_emulator");
  rlim_t nofile = raise_nofile_limit();
  if (nofile < options.agents + kSpareDescriptors) {
    std::cerr << "agent_emulator: " << options.agents << " agents need about "
              << options.agents + kSpareDescriptors << " open files, but the limit is " << nofile
              << " (raise the hard limit: ulimit -Hn)\n";
    return 1;
  }
  asio::io_context io;
  Fleet fleet(split_address_list(options.masters), options.agents);
  std::vector<std::unique_ptr<EmulatedAgent>> agents;
  agents.reserve(options.agents);
  for (std::string& id : agent_ids(options.id_prefix, options.agents)) {
    agents.push_back(std::make_unique<EmulatedAgent>(io, fleet, options.settings, std::move(id)));
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    fleet.print_stopped();
    for (auto& agent : agents) agent->stop();
    io.stop();
  });
  fleet.print_started(options.id_prefix, nofile);
  Timer starter(io);
  Timer progress(io);
  start_agents(io, agents, options.connect_rate, starter, 0, monotonic_millis());
  if (options.progress.count() > 0) print_progress_every(fleet, options.progress, progress);
  io.run();
  return 0;
}

}  // namespace
}  // namespace clusterctl::emulator

int main(int argc, char** argv) {
  using namespace clusterctl::emulator;
  CLI::App app("Emulates many agents on one connection each, for benchmarks");
  Options options;
  add_flags(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  clusterctl::Status ready = prepare(options);
  if (!ready) {
    std::cerr << "agent_emulator: " << ready.message() << "\n";
    return 2;
  }
  return run(options);
}
