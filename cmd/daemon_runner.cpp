#include "cmd/daemon_runner.hpp"

#include <csignal>
#include <filesystem>

#include "cmd/flags.hpp"
#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/log.hpp"

namespace clusterctl::cmd {

namespace {
std::string address_file(const std::string& work_dir, const std::string& name) {
  return work_dir + "/" + name + ".address";
}
}  // namespace

void prepare_work_dir(const std::string& work_dir, const std::string& name) {
  std::error_code ignored;
  std::filesystem::create_directories(work_dir, ignored);
  std::filesystem::remove(address_file(work_dir, name), ignored);  // never leave a stale one
}

int run_daemon(asio::io_context& io, const std::string& name, const std::string& work_dir,
               const std::string& address, StopDaemon stop) {
  std::string file = address_file(work_dir, name);
  Status written = write_file_atomic(file, address + "\n");
  if (!written) {
    print_error(name, written.message());
    return 1;
  }
  LOG(kInfo) << name << " listening on " << address;

  int exit_code = 0;
  bool stopping = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int signal_number) {
        if (error) return;
        if (stopping) {
          LOG(kWarning) << "second signal: stopping at once";
          exit_code = 1;
          io.stop();
          return;
        }
        stopping = true;
        LOG(kInfo) << "received " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
                   << ", stopping";
        signals.async_wait(on_signal);
        stop([&] {
          boost::system::error_code ignored;
          signals.cancel(ignored);
          asio::post(io, [&io] { io.stop(); });
        });
      };
  signals.async_wait(on_signal);
  io.run();
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  LOG(kInfo) << name << " stopped";
  return exit_code;
}

}  // namespace clusterctl::cmd
