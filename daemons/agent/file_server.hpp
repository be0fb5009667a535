// FileServer: the agent's /files endpoints, which let users read sandboxes
// (`clusterctl logs`, `clusterctl sandbox`, a browser, curl):
//
//   GET /files/read?path=P[&offset=N][&length=M]
//       {"path": P, "offset": N, "size": file size, "data": up to M bytes
//        from N}; length is at most 1 MiB (the default); offset -1 answers
//       the size only, with no data.
//   GET /files/browse?path=P
//       {"path": P, "entries": [{"name", "path", "type" (file, directory,
//        link, fifo, socket, char_device, block_device, other), "size",
//        "mtime", "mode"}], "truncated"} sorted by name: at most 10000
//       entries (the first the directory gives; "truncated" says if more).
//
// P is an absolute path below the sandbox root (WORK_DIR/agents). Every
// file is opened beneath the root with openat2(RESOLVE_BENEATH): "..",
// absolute links and links leading out of the root are refused (403), as is
// anything outside it; links that stay beneath it are followed (runs/latest).
// Only regular files (read) and directories (browse) are served, and nothing
// else is ever opened: P is first opened O_PATH, which runs no driver and
// waits for no FIFO writer, its type is checked, and only then is it
// reopened for reading (O_NONBLOCK, through /proc/self/fd, so the very same
// file). A FIFO, socket or device node answers 403 naming its type. Errors
// are {"error": "message"}. Answers are JSON, or msgpack when the request has
// "Accept: application/x-msgpack" (there "data" holds the raw bytes; in JSON
// it is the bytes as a string, meant for text: bytes that are not UTF-8 read
// as U+FFFD there).
//
// Deadlines: requests run on kFileWorkers threads (a DeadlinePool), so one
// slow read holds up no other, and each answers within kFileRequestDeadline:
// one still blocked in the kernel then (a hung file system) answers 504, and
// its thread is written off and replaced. The server never waits for its
// threads, not even when destroyed, so the agent exits on SIGTERM whatever
// they are doing: a thread blocked in a system call cannot be woken, and
// joining it could hang the exit forever.
//
// Threading: handle() is thread-safe and blocks on the disk; handle_async()
// runs it on a worker thread and answers on the io_context thread, where it
// must be called (no answer once the server is destroyed).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/deadline_pool.hpp"
#include "core/duration.hpp"
#include "core/http/http.hpp"

namespace clusterctl {

// The largest /files/read answer.
constexpr size_t kMaxFileReadBytes = 1 << 20;
// The most entries a /files/browse answer lists.
constexpr size_t kMaxBrowseEntries = 10000;
// Threads serving /files at the same time.
constexpr size_t kFileWorkers = 4;
// A /files request answers within this (the CLI waits 10 s by default).
constexpr Duration kFileRequestDeadline{5000};

// Answers one /files request from the disk below `root` (blocking;
// thread-safe): the answer, or the error encoded as the client asked.
HttpResponse serve_files(const std::string& root, const HttpRequest& request);

struct FileServerOptions {
  size_t workers = kFileWorkers;
  Duration deadline = kFileRequestDeadline;
  // What a worker runs for a request: serve_files (tests put a slow one in front).
  std::function<HttpResponse(const std::string& root, const HttpRequest& request)> serve =
      serve_files;
};

class FileServer {
 public:
  FileServer(boost::asio::io_context& io, std::string root, FileServerOptions options = {});

  const std::string& root() const { return root_; }
  // Whether this server answers the request's path (/files/...).
  static bool serves(const std::string& path);
  HttpResponse handle(const HttpRequest& request) const;
  void handle_async(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  // Threads stuck past a deadline that have not come back (for tests).
  size_t stuck_workers() const { return pool_.stuck(); }

 private:
  std::string root_;  // absolute, without a trailing '/'
  FileServerOptions options_;
  DeadlinePool pool_;
};

}  // namespace clusterctl
