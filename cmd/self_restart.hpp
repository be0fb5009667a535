// Restarting the running daemon in place: the same program with the same
// arguments and environment, in the same process (execve: the pid stays, so
// supervisors and scripts that hold it keep it), with every other file
// descriptor closed and nothing of its memory kept. An HA master does this
// when it loses its leadership, so that nothing it knew as leader can be
// acted on again. Main thread only.
#pragma once

#include <string>
#include <vector>

namespace clusterctl::cmd {

// `args` with the value of `flag` ("--listen" as "--listen X" or
// "--listen=X") replaced by `value`, or appended when absent (pure).
std::vector<std::string> with_flag_value(std::vector<std::string> args, const std::string& flag,
                                         const std::string& value);

// Re-executes /proc/self/exe with this process's own arguments, `--listen`
// set to `listen` when it is not empty (so that a port picked by the OS is
// kept). Returns only if that failed, with the reason.
std::string restart_self(const std::string& listen);

}  // namespace clusterctl::cmd
