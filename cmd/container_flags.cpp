#include "cmd/container_flags.hpp"

#include "cmd/flags.hpp"
#include "core/duration.hpp"
#include "core/isolator_messages.hpp"

namespace clusterctl::cmd {

namespace {

// A size flag ("512MB", "2GB"); `target` keeps its value when absent.
CLI::Option* add_size_flag(CLI::App& app, const std::string& name, uint64_t& target,
                           const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_size(text); }, help)
      ->type_name("SIZE")
      ->default_str(format_size(target))
      ->check(make_validator([](const std::string& text) { return parse_size(text).status(); }));
}

Status check_fraction(const std::string& text) {
  try {
    size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value >= 0 && value <= 1) return Status::ok();
  } catch (const std::exception&) {
  }
  return Status::invalid("'" + text + "' is not a fraction between 0 and 1 (e.g. 0.1)");
}

}  // namespace

void add_container_flags(CLI::App& app, ContainerOptions& options) {
  app.add_option("--isolation", options.isolation,
                 "Isolators, comma separated: cgroups/cpu, cgroups/mem, cgroups/pids, "
                 "namespaces/pid, posix/cpu, posix/mem, posix/rlimits, or a plugin .so path. "
                 "cgroups/mem limits a task's cgroup to its mem plus " +
                     std::to_string(kExecutorMemoryReserveMb) +
                     " MB for its executor, which lives there too; posix/mem counts the "
                     "task's processes only")
      ->type_name("LIST")
      ->capture_default_str();
  app.add_option("--plugin-dir", options.plugin_dir,
                 "Where isolator plugins are found (default: <bin>/../lib/clusterctl)")
      ->type_name("DIR");
  app.add_option("--cgroups-root", options.cgroups_root,
                 "Task cgroups go to <controller mount>/ROOT/<container id>; one ROOT per agent "
                 "(at start-up an agent removes what it does not know below it)")
      ->type_name("ROOT")
      ->capture_default_str();
  app.add_flag("--cgroups-enable-cfs", options.cgroups_enable_cfs,
               "Hard CPU limits (CFS quota / cpu.max), not only CPU shares");
  app.add_option("--pids-limit", options.pids_limit,
                 "With cgroups/pids: processes and threads per task (its executor's "
                 "included) when it does not ask for 'pids'; the default holds a fork bomb "
                 "(0: no limit)")
      ->type_name("N")
      ->capture_default_str()
      ->check(count_validator());
  add_duration_flag(app, "--usage-interval", options.usage_interval,
                    "How often task usage is measured, polled limits enforced and usage reported");
  app.add_option(
         "--fetcher-cache-dir", options.fetcher_cache_dir,
         "Where fetched artifacts marked 'cache' are kept (default: WORK_DIR/fetcher-cache)")
      ->type_name("DIR");
  add_size_flag(app, "--fetcher-cache-size", options.fetcher_cache_size,
                "Largest size of the fetcher cache; least recently used artifacts go first");
  add_duration_flag(app, "--fetcher-stall-timeout", options.fetcher_stall_timeout,
                    "A download that receives nothing for this long fails (or is retried)");
  app.add_option("--fetcher-retries", options.fetcher_retries,
                 "More attempts after a transient download failure (connection, timeout, 5xx)")
      ->type_name("N")
      ->capture_default_str()
      ->check(count_validator());
  add_duration_flag(app, "--fetcher-retry-backoff", options.fetcher_retry_backoff,
                    "Wait before the first retry; it doubles for each next one");
  app.add_option("--fetcher-ca-file", options.fetcher_ca_file,
                 "Extra trusted CA certificates (PEM) for https downloads")
      ->type_name("FILE")
      ->check(CLI::ExistingFile.description(""));
  add_size_flag(app, "--fetcher-max-size", options.fetcher_max_size,
                "Most a task's whole fetch may write into its sandbox (downloads, extracted "
                "archives); the task's disk, when it asks for less");
  app.add_option("--fetcher-max-entries", options.fetcher_max_entries,
                 "Most archive entries (files, directories, links) a task's whole fetch creates")
      ->type_name("N")
      ->capture_default_str()
      ->check(count_validator());
  add_duration_flag(app, "--fetcher-timeout", options.fetcher_timeout,
                    "A task's whole fetch (retries included) fails after this long");
  app.add_option("--fetcher-allowed-dirs", options.fetcher_allowed_dirs,
                 "Comma list of directories below which file:// URIs and paths may be fetched "
                 "(default: none, only http and https)")
      ->type_name("DIRS");
  add_size_flag(app, "--sandbox-log-max-size", options.sandbox_log_max_size,
                "Rotate a task's stdout/stderr past this size (0B: never)");
  app.add_option("--sandbox-log-keep", options.sandbox_log_keep,
                 "Rotated stdout/stderr files kept (stdout.1 ... stdout.N)")
      ->type_name("N")
      ->capture_default_str()
      ->check(count_validator());
  add_duration_flag(app, "--gc-delay", options.gc_delay,
                    "Sandboxes of finished tasks are removed after this long");
  app.add_option_function<std::string>(
         "--gc-disk-headroom",
         [&options](const std::string& text) { options.gc_disk_headroom = std::stod(text); },
         "Remove finished sandboxes early, oldest first, while less than this fraction of the "
         "disk is free")
      ->type_name("FRACTION")
      ->default_str("0.1")
      ->check(make_validator(check_fraction));
  add_duration_flag(app, "--disk-watch-interval", options.disk_watch_interval,
                    "How often the disk is checked against --gc-disk-headroom");
}

}  // namespace clusterctl::cmd
