// Output files in a directory that a task can write to (its sandbox): the
// task's stdout and stderr, the executor's log. The task may put anything
// under those names before a file is opened or reopened (a symbolic or hard
// link to a file elsewhere, a FIFO, a directory) while the one who opens it
// runs as root. So these opens are relative to a descriptor of the
// directory, never follow a symbolic link, never block, and keep only a
// regular file with no other link: whatever the task plants, nothing outside
// its directory is written, and its output there is dropped instead.
//
//   StatusOr<int> dir = open_directory(sandbox);
//   StatusOr<int> out = open_output_file(*dir, "stdout", sandbox + "/stdout");
//
// Thread-safe: plain system calls.
#pragma once

#include <string>

#include "core/status.hpp"

namespace clusterctl {

// "a/b/stdout" -> {"a/b", "stdout"}; "stdout" -> {".", "stdout"}.
struct DirAndName {
  std::string dir;
  std::string name;
};
DirAndName split_dir_and_name(const std::string& path);

// The directory `path`, opened to open files in (close-on-exec).
StatusOr<int> open_directory(const std::string& path);

// Opens `name` in the directory `dir_fd` for appending (O_WRONLY|O_APPEND,
// close-on-exec), creating it (0644) when missing. Refuses a symbolic link,
// anything but a regular file and a file with other hard links, with a
// message naming `shown` (its full path) and why.
StatusOr<int> open_output_file(int dir_fd, const std::string& name, const std::string& shown);

// open_output_file for a full path: its directory is opened first.
StatusOr<int> open_output_path(const std::string& path);

}  // namespace clusterctl
