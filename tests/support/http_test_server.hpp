// A small HTTP/1.1 server on 127.0.0.1 (a port the OS picks) for the fetcher
// tests and benchmarks: it serves bodies from memory, counts requests, and
// misbehaves on purpose when asked (error statuses, stalls, failing first,
// a body that never ends, a body that trickles).
//
// Threading: it runs its own io_context on its own thread; the public
// methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace clusterctl {

class HttpTestServer {
 public:
  struct Route {
    int status = 200;
    std::string body;
    // Sends this many body bytes, then nothing more (the connection stays open).
    size_t stall_after = std::string::npos;
    // Answers 503 to this many requests first.
    int fail_first = 0;
    // Waits this long before answering.
    int delay_millis = 0;
    // Sends `body` over and over without a length, until the client goes.
    bool endless = false;
    // Sends the body one byte at a time, this many bytes a second (0: at once).
    int bytes_per_second = 0;
  };

  HttpTestServer();
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // Serves `route` at `path` (the part before any '?').
  void add(const std::string& path, Route route);
  // "http://127.0.0.1:PORT" + path_and_query
  std::string url(const std::string& path_and_query) const;
  uint16_t port() const { return port_; }
  // Requests seen for `path` so far.
  int requests(const std::string& path) const;

  struct State;  // shared with the serving coroutines

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace clusterctl
