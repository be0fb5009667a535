#include "cmd/self_restart.hpp"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.hpp"

namespace clusterctl::cmd {

std::vector<std::string> with_flag_value(std::vector<std::string> args, const std::string& flag,
                                         const std::string& value) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == flag && i + 1 < args.size()) {
      args[i + 1] = value;
      return args;
    }
    if (args[i].rfind(flag + "=", 0) == 0) {
      args[i] = flag + "=" + value;
      return args;
    }
  }
  args.push_back(flag);
  args.push_back(value);
  return args;
}

std::string restart_self(const std::string& listen) {
  auto cmdline = read_file("/proc/self/cmdline");
  if (!cmdline) return cmdline.status().message();
  std::vector<std::string> args;
  std::string current;
  for (char c : *cmdline) {
    if (c == '\0') {
      args.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (args.empty()) return "/proc/self/cmdline is empty";
  if (!listen.empty()) args = with_flag_value(std::move(args), "--listen", listen);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Sockets, the registry's and ZooKeeper's descriptors: none may survive.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execv("/proc/self/exe", argv.data());
  return std::string("cannot restart: execv: ") + std::strerror(errno);
}

}  // namespace clusterctl::cmd
