// FileServer: the agent's /files endpoints, which let users read sandboxes
// (`clusterctl logs`, `clusterctl sandbox`, a browser, curl):
//
//   GET /files/read?path=P[&offset=N][&length=M]
//       {"path": P, "offset": N, "size": file size, "data": up to M bytes
//        from N}; length is at most 1 MiB (the default); offset -1 answers
//       the size only, with no data.
//   GET /files/browse?path=P
//       {"path": P, "entries": [{"name", "path", "type" (file, directory,
//        link, other), "size", "mtime", "mode"}]} sorted by name.
//
// P is an absolute path below the sandbox root (WORK_DIR/agents). Every
// file is opened beneath the root with openat2(RESOLVE_BENEATH): "..",
// absolute links and links leading out of the root are refused (403), as is
// anything outside it. Errors are {"error": "message"}. Answers are JSON,
// or msgpack when the request has "Accept: application/x-msgpack" (there
// "data" holds the raw bytes; in JSON it is the bytes as a string, meant for
// text: bytes that are not UTF-8 read as U+FFFD there).
//
// Threading: handle() is thread-safe and blocks on the disk; handle_async()
// runs it on the server's worker thread and answers on the io_context
// thread, where it must be called (no answer once the server is destroyed).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/http/http.hpp"
#include "core/worker_pool.hpp"

namespace clusterctl {

// The largest /files/read answer.
constexpr size_t kMaxFileReadBytes = 1 << 20;

class FileServer {
 public:
  FileServer(boost::asio::io_context& io, std::string root);

  const std::string& root() const { return root_; }
  // Whether this server answers the request's path (/files/...).
  static bool serves(const std::string& path);
  HttpResponse handle(const HttpRequest& request) const;
  void handle_async(const HttpRequest& request, std::function<void(HttpResponse)> respond);

 private:
  HttpResponse answer(const HttpRequest& request) const;  // errors with the message as body

  std::string root_;  // absolute, without a trailing '/'
  WorkerPool pool_;
};

}  // namespace clusterctl
