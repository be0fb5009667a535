#include "fetcher/sandbox_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/open_beneath.hpp"

namespace clusterctl {

namespace {

// Deeper trees are left to the sandbox GC when a failed fetch is cleaned up.
constexpr int kMaxRemoveDepth = 128;

Status path_error(const std::string& path, int error) {
  if (leads_out(error)) return Status::invalid("'" + path + "' leads out of the sandbox");
  if (error == ENOTDIR) return Status::invalid("'" + path + "' is in the way: not a directory");
  if (error == ENOENT) return Status::not_found("'" + path + "' does not exist");
  return Status::io_error("'" + path + "': " + std::strerror(error));
}

void remove_tree(int parent, const std::string& name, int depth) {
  struct stat info;
  if (::fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(info.st_mode)) {
    ::unlinkat(parent, name.c_str(), 0);
    return;
  }
  if (depth >= kMaxRemoveDepth) return;
  int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  std::vector<std::string> children;
  DIR* stream = ::fdopendir(fd);
  if (stream == nullptr) {
    ::close(fd);
    return;
  }
  while (struct dirent* item = ::readdir(stream)) {
    std::string child = item->d_name;
    if (child != "." && child != "..") children.push_back(child);
  }
  for (const std::string& child : children) remove_tree(::dirfd(stream), child, depth + 1);
  ::closedir(stream);
  ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string normal_entry_path(const std::string& name) {
  if (name.empty() || name.front() == '/') return "";
  std::string path;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    std::string part = name.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." || part.find('\0') != std::string::npos) return "";
    path += (path.empty() ? "" : "/") + part;
  }
  return path;
}

bool is_reserved_sandbox_name(const std::string& top_name) {
  // daemons/agent/executors.cpp (executor.log), daemons/executor (stdout, stderr).
  return top_name == "stdout" || top_name == "stderr" || top_name == "executor.log";
}

StatusOr<SandboxDir> SandboxDir::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Status::io_error("cannot open the sandbox '" + path + "': " + std::strerror(errno));
  }
  return SandboxDir(path, std::move(fd));
}

StatusOr<UniqueFd> SandboxDir::parent_of(const std::string& relative, bool create,
                                         std::string* leaf, size_t* made) const {
  size_t slash = relative.rfind('/');
  std::string parent = slash == std::string::npos ? "" : relative.substr(0, slash);
  *leaf = relative.substr(slash == std::string::npos ? 0 : slash + 1);
  UniqueFd fd(open_beneath(fd_.get(), parent, O_PATH | O_DIRECTORY));
  if (fd.get() >= 0) return fd;
  if (errno != ENOENT || !create) return path_error(parent, errno);
  // Some parents are missing: make them one by one, each beneath the sandbox.
  UniqueFd current(open_beneath(fd_.get(), "", O_PATH | O_DIRECTORY));
  if (current.get() < 0) return path_error(".", errno);
  std::string prefix;
  for (size_t start = 0; start <= parent.size();) {
    size_t end = parent.find('/', start);
    if (end == std::string::npos) end = parent.size();
    std::string part = parent.substr(start, end - start);
    start = end + 1;
    prefix += (prefix.empty() ? "" : "/") + part;
    UniqueFd next(open_beneath(fd_.get(), prefix, O_PATH | O_DIRECTORY));
    if (next.get() < 0 && errno == ENOENT) {
      if (::mkdirat(current.get(), part.c_str(), 0755) == 0) {
        if (made != nullptr) ++*made;
      } else if (errno != EEXIST) {
        return path_error(prefix, errno);
      }
      next.reset(open_beneath(fd_.get(), prefix, O_PATH | O_DIRECTORY));
    }
    if (next.get() < 0) return path_error(prefix, errno);
    current = std::move(next);
  }
  return current;
}

Status SandboxDir::clear_leaf(int parent, const std::string& leaf,
                              const std::string& relative) const {
  struct stat info;
  if (::fstatat(parent, leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::ok() : path_error(relative, errno);
  }
  if (S_ISDIR(info.st_mode)) return Status::invalid("'" + relative + "' is a directory");
  if (::unlinkat(parent, leaf.c_str(), 0) != 0) return path_error(relative, errno);
  return Status::ok();
}

StatusOr<UniqueFd> SandboxDir::create_file(const std::string& relative, size_t* made) const {
  std::string leaf;
  auto parent = parent_of(relative, true, &leaf, made);
  if (!parent) return parent.status();
  CLUSTERCTL_RETURN_IF_ERROR(clear_leaf(parent->get(), leaf, relative));
  UniqueFd fd(::openat(parent->get(), leaf.c_str(),
                       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return path_error(relative, errno);
  return fd;
}

Status SandboxDir::make_directory(const std::string& relative, mode_t mode, size_t* made) const {
  std::string leaf;
  auto parent = parent_of(relative, true, &leaf, made);
  if (!parent) return parent.status();
  if (::mkdirat(parent->get(), leaf.c_str(), 0700) != 0) {
    if (errno != EEXIST) return path_error(relative, errno);
    struct stat info;
    if (::fstatat(parent->get(), leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
      return path_error(relative, errno);
    if (!S_ISDIR(info.st_mode)) {  // a file or link in the way is replaced
      CLUSTERCTL_RETURN_IF_ERROR(clear_leaf(parent->get(), leaf, relative));
      if (::mkdirat(parent->get(), leaf.c_str(), 0700) != 0) return path_error(relative, errno);
    }
  }
  UniqueFd dir(
      ::openat(parent->get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.get() < 0 || ::fchmod(dir.get(), (mode & 0777) | 0700) != 0)
    return path_error(relative, errno);
  return Status::ok();
}

Status SandboxDir::make_symlink(const std::string& relative, const std::string& target,
                                size_t* made) const {
  std::string leaf;
  auto parent = parent_of(relative, true, &leaf, made);
  if (!parent) return parent.status();
  CLUSTERCTL_RETURN_IF_ERROR(clear_leaf(parent->get(), leaf, relative));
  if (::symlinkat(target.c_str(), parent->get(), leaf.c_str()) != 0)
    return path_error(relative, errno);
  return Status::ok();
}

Status SandboxDir::make_hardlink(const std::string& relative, const std::string& existing,
                                 size_t* made) const {
  if (relative == existing) return Status::ok();
  std::string existing_leaf;
  auto existing_parent = parent_of(existing, false, &existing_leaf);
  if (!existing_parent) return existing_parent.status();
  struct stat info;
  if (::fstatat(existing_parent->get(), existing_leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
    return path_error(existing, errno);
  if (!S_ISREG(info.st_mode)) return Status::invalid("'" + existing + "' is not a file");
  std::string leaf;
  auto parent = parent_of(relative, true, &leaf, made);
  if (!parent) return parent.status();
  CLUSTERCTL_RETURN_IF_ERROR(clear_leaf(parent->get(), leaf, relative));
  if (::linkat(existing_parent->get(), existing_leaf.c_str(), parent->get(), leaf.c_str(), 0) != 0)
    return path_error(relative, errno);
  return Status::ok();
}

Status SandboxDir::rename_top(const std::string& from, const std::string& to) const {
  if (::renameat(fd_.get(), from.c_str(), fd_.get(), to.c_str()) != 0) return path_error(to, errno);
  return Status::ok();
}

std::vector<std::string> SandboxDir::top_names() const {
  std::vector<std::string> names;
  int fd = ::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* stream = ::fdopendir(fd);
  if (stream == nullptr) {
    ::close(fd);
    return names;
  }
  while (struct dirent* item = ::readdir(stream)) {
    std::string name = item->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(stream);
  return names;
}

void SandboxDir::remove_top(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) return;
  remove_tree(fd_.get(), name, 0);
}

}  // namespace clusterctl
