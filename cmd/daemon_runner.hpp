// What `clusterctl master` and `clusterctl agent` share once their daemon is
// up: publish the bound address in WORK_DIR/NAME.address (so that scripts and
// tests can start a daemon on port 0), run the event loop until SIGTERM or
// SIGINT, stop the daemon, and remove the address file. Main thread only.
#pragma once

#include <functional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace clusterctl::cmd {

// Asks the daemon to stop and calls `stopped` once it has.
using StopDaemon = std::function<void(std::function<void()> stopped)>;

// Removes a stale WORK_DIR/NAME.address and creates WORK_DIR.
void prepare_work_dir(const std::string& work_dir, const std::string& name);

// Writes the address file, runs `io` until a signal has stopped the daemon
// (a second signal stops at once, exit 1) and returns the exit code.
int run_daemon(boost::asio::io_context& io, const std::string& name, const std::string& work_dir,
               const std::string& address, StopDaemon stop);

}  // namespace clusterctl::cmd
