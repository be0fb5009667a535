// open_beneath: opening a path below a directory without ever leaving it,
// whatever links, ".." or renames the path meets on the way: openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS relative to a directory fd. Used
// wherever a path comes from someone who must not reach past a directory
// (the /files server, the fetcher writing into sandboxes and reading
// allowed local files).
//
// Thread-safe (a system call).
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <string>

namespace clusterctl {

// Opens `relative` below the directory `root_fd` ("" or "." is the directory
// itself), with `flags` (O_CLOEXEC is always added; `mode` is used with
// O_CREAT). Absolute links, ".." past the root and /proc magic links fail
// with EXDEV or ELOOP. Retried while the kernel answers EAGAIN (a rename or
// mount somewhere raced with a ".." check). The descriptor, or -1 and errno.
int open_beneath(int root_fd, const std::string& relative, int flags, mode_t mode = 0);

// Whether an errno from open_beneath means "the path leads out".
inline bool leads_out(int error) {
  return error == EXDEV || error == ELOOP;
}

}  // namespace clusterctl
