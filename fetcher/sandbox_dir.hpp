// SandboxDir: a sandbox as an open directory, and every way the fetcher
// writes into it. Paths are resolved by the kernel beneath the directory
// (core/open_beneath.hpp), never by looking at their text alone:
//
//  - parent directories are opened with RESOLVE_BENEATH, so a link on the
//    way that leads out of the sandbox (absolute, "..", or a chain of
//    links) is refused, while links that stay inside are followed;
//  - the last component is created with *at() calls relative to that
//    parent and never followed: a file, link or directory already there is
//    replaced (O_CREAT|O_EXCL|O_NOFOLLOW, symlinkat, linkat without
//    AT_SYMLINK_FOLLOW), never written through;
//  - hard links are made only from a file reached the same way.
// A symbolic link may point anywhere (it is data); nothing is written
// through one.
//
// `relative` paths are "a/b/c": no leading '/', no "." or ".." components
// (see normal_entry_path()). Errors say what was in the way.
// Threading: one user at a time.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// "./a//b/" -> "a/b"; empty for names with an absolute start or a ".."
// component, and for "." itself.
std::string normal_entry_path(const std::string& name);

// Names at the top of a sandbox that the agent and the executor open after
// the fetch (the executor's log, the task's stdout and stderr): nothing
// fetched may take them.
bool is_reserved_sandbox_name(const std::string& top_name);

class SandboxDir {
 public:
  static StatusOr<SandboxDir> open(const std::string& path);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // The directory holding `relative` (its parents made with mode 0755 when
  // `create`), opened beneath the sandbox; `leaf` gets the last component.
  // `made` counts the directories created.
  StatusOr<UniqueFd> parent_of(const std::string& relative, bool create, std::string* leaf,
                               size_t* made = nullptr) const;

  // A new regular file, open for reading and writing (what was at `relative`
  // is replaced).
  StatusOr<UniqueFd> create_file(const std::string& relative, size_t* made = nullptr) const;
  // A directory (kept if there is one) with `mode`, owner rwx always kept.
  Status make_directory(const std::string& relative, mode_t mode, size_t* made = nullptr) const;
  Status make_symlink(const std::string& relative, const std::string& target,
                      size_t* made = nullptr) const;
  // A second name for the regular file at `existing`.
  Status make_hardlink(const std::string& relative, const std::string& existing,
                       size_t* made = nullptr) const;
  // Renames `from` to `to`, both plain names at the top of the sandbox.
  Status rename_top(const std::string& from, const std::string& to) const;

  // The names at the top of the sandbox.
  std::vector<std::string> top_names() const;
  // Removes a name at the top with everything below it (links not followed).
  void remove_top(const std::string& name) const;

 private:
  SandboxDir(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  // Removes what is at `leaf` in `parent` unless it is a directory.
  Status clear_leaf(int parent, const std::string& leaf, const std::string& relative) const;

  std::string path_;
  UniqueFd fd_;
};

}  // namespace clusterctl
