// TcpConnection: the RpcConnection over a TCP connection, plain or TLS (a
// ByteStream; private to core/rpc).
//
// One reader coroutine splits the byte stream into frames and dispatches
// them; one writer coroutine drains the queue of outgoing frames, so replies
// leave in the order they were made. Both coroutines hold the connection alive
// until it closes. Lives on one io_context thread; not thread-safe.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/log_limiter.hpp"
#include "core/rpc/byte_stream.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl {

// Largest frame a server reads before the peer said hello (a hello is tiny).
constexpr size_t kMaxFrameBytesBeforeHello = 64 * 1024;

struct TcpConnectionOptions {
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // Server side: every request before a successful "hello" is refused, and
  // frames before it may hold at most kMaxFrameBytesBeforeHello.
  bool require_hello = false;
  // Server side: closed unless hello succeeds within this (0: no deadline).
  Duration hello_timeout{0};
  std::string server_name = "clusterctl";
  std::vector<std::string> authentication;           // hello reply: mechanisms
  std::vector<std::string> authentication_required;  // hello reply: "required"
  // Server side: told when hello succeeded, and after each read how many
  // bytes of an unfinished frame the connection holds.
  std::function<void()> on_hello;
  std::function<void(size_t unfinished_bytes)> on_unfinished;
  // Rate-limits the warnings of connections closed for cause (shared by a
  // server's connections); unset: every one is logged.
  std::shared_ptr<LogLimiter> close_log;
};

class TcpConnection : public RpcConnection {
 public:
  TcpConnection(asio::io_context& io, std::shared_ptr<ByteStream> stream,
                TcpConnectionOptions options);
  ~TcpConnection() override;

  // Starts reading and writing; `already_read` are bytes the server read
  // while telling RPC from HTTP.
  void start(const std::string& already_read);
  // Handlers may be installed after start (rpc_connect does so once hello
  // succeeded); until then messages other than responses are ignored.
  void set_handlers(RpcHandlers handlers);

  void call(const std::string& method, const Payload& params, Duration timeout,
            RpcCallback done) override;
  void notify(const std::string& method, const Payload& params) override;
  void close(const std::string& reason) override;
  bool is_open() const override { return open_; }
  std::string peer_address() const override { return peer_; }
  uint64_t id() const override { return id_; }
  void send_response(uint32_t msgid, const Status& error, const Payload& result) override;
  // Logs why (rate-limited by options.close_log) and closes: the peer broke a rule.
  void close_for_cause(const std::string& reason);

 private:
  struct PendingCall {
    std::string method;
    RpcCallback done;
    std::unique_ptr<Timer> timer;
  };

  asio::awaitable<void> read_loop(std::shared_ptr<TcpConnection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<TcpConnection> self);
  // Feeds bytes to the decoder and dispatches every complete frame.
  void consume(const char* data, size_t size);
  void dispatch(RpcMessage message);
  void on_request(RpcMessage message);
  void on_response(RpcMessage message);
  void answer_hello(const RpcMessage& message, RpcResponder responder);
  void enqueue(std::string frame);
  void finish_call(uint32_t msgid, StatusOr<RpcValue> result);

  asio::io_context& io_;
  std::shared_ptr<ByteStream> stream_;
  TcpConnectionOptions options_;
  asio::steady_timer write_signal_;
  FrameDecoder decoder_;
  RpcHandlers handlers_;
  std::deque<std::string> outbox_;
  size_t outbox_bytes_ = 0;
  std::map<uint32_t, PendingCall> pending_;
  Timer hello_timer_;
  uint32_t next_msgid_ = 1;
  bool open_ = true;
  bool hello_done_ = false;
  std::string peer_;
  uint64_t id_;
};

}  // namespace clusterctl
