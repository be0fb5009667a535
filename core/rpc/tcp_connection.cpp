#include "core/rpc/tcp_connection.hpp"

#include <algorithm>
#include <atomic>

#include "core/log.hpp"

namespace clusterctl {

namespace {

// A peer that stops reading may not make us buffer without bound.
constexpr size_t kMaxQueuedBytes = 256 * 1024 * 1024;
constexpr size_t kReadChunk = 16 * 1024;  // per connection: idle connections stay cheap

uint64_t next_connection_id() {
  static std::atomic<uint64_t> counter{1};
  return counter++;
}

std::string endpoint_text(const asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

struct HelloParams {
  uint32_t protocol_version = 0;
  MSGPACK_DEFINE_MAP(protocol_version);
};

struct HelloReply {
  uint32_t protocol_version = kProtocolVersion;
  std::string server;
  std::vector<std::string> authentication;  // SASL mechanisms offered
  std::vector<std::string> required;        // "frameworks", "agents", "operators"
  MSGPACK_DEFINE_MAP(protocol_version, server, authentication, required);
};

}  // namespace

// ---- RpcResponder ----

RpcResponder::RpcResponder(std::weak_ptr<RpcConnection> connection, uint32_t msgid)
    : connection_(std::move(connection)), msgid_(msgid), answered_(false) {}

RpcResponder::RpcResponder(RpcResponder&& other) noexcept
    : connection_(std::move(other.connection_)), msgid_(other.msgid_), answered_(other.answered_) {
  other.answered_ = true;
}

RpcResponder& RpcResponder::operator=(RpcResponder&& other) noexcept {
  if (this != &other) {
    if (!answered_) fail(Status::internal("request dropped"));
    connection_ = std::move(other.connection_);
    msgid_ = other.msgid_;
    answered_ = other.answered_;
    other.answered_ = true;
  }
  return *this;
}

RpcResponder::~RpcResponder() {
  if (!answered_) fail(Status::internal("request dropped"));
}

void RpcResponder::reply(const Payload& result) {
  if (answered_) return;
  answered_ = true;
  if (auto connection = connection_.lock()) connection->send_response(msgid_, Status::ok(), result);
}

void RpcResponder::fail(const Status& error) {
  if (answered_) return;
  answered_ = true;
  Status sent = error.is_ok() ? Status::internal("failed without a reason") : error;
  if (auto connection = connection_.lock()) connection->send_response(msgid_, sent, Payload());
}

// ---- TcpConnection ----

TcpConnection::TcpConnection(asio::io_context& io, std::shared_ptr<ByteStream> stream,
                             TcpConnectionOptions options)
    : io_(io),
      stream_(std::move(stream)),
      options_(std::move(options)),
      write_signal_(io),
      decoder_(options_.require_hello
                   ? std::min(options_.max_frame_bytes, kMaxFrameBytesBeforeHello)
                   : options_.max_frame_bytes),
      hello_timer_(io),
      hello_done_(!options_.require_hello),
      peer_(endpoint_text(stream_->socket())),
      id_(next_connection_id()) {
  boost::system::error_code ignored;
  stream_->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::start(const std::string& already_read) {
  auto self = std::static_pointer_cast<TcpConnection>(shared_from_this());
  if (!hello_done_ && options_.hello_timeout.count() > 0) {
    std::weak_ptr<RpcConnection> weak = self;
    hello_timer_.start(options_.hello_timeout, [weak, timeout = options_.hello_timeout] {
      auto connection = std::static_pointer_cast<TcpConnection>(weak.lock());
      if (connection) connection->close_for_cause("no hello within " + format_duration(timeout));
    });
  }
  if (!already_read.empty()) consume(already_read.data(), already_read.size());
  asio::co_spawn(io_, read_loop(self), asio::detached);
  asio::co_spawn(io_, write_loop(self), asio::detached);
}

void TcpConnection::set_handlers(RpcHandlers handlers) {
  handlers_ = std::move(handlers);
}

asio::awaitable<void> TcpConnection::read_loop(std::shared_ptr<TcpConnection> self) {
  std::string buffer(kReadChunk, '\0');
  while (open_) {
    boost::system::error_code error;
    size_t size = co_await stream_->read_some(asio::buffer(buffer), error);
    if (error) {
      close(error == asio::error::eof ? "peer closed the connection" : error.message());
      co_return;
    }
    consume(buffer.data(), size);
  }
}

asio::awaitable<void> TcpConnection::write_loop(std::shared_ptr<TcpConnection> self) {
  while (open_) {
    if (outbox_.empty()) {
      boost::system::error_code ignored;
      write_signal_.expires_at(asio::steady_timer::time_point::max());
      co_await write_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    std::string batch;
    batch.reserve(outbox_bytes_);
    for (std::string& frame : outbox_) batch += frame;
    outbox_.clear();
    outbox_bytes_ = 0;
    boost::system::error_code error;
    co_await stream_->write(asio::buffer(batch), error);
    if (error) {
      close("write failed: " + error.message());
      co_return;
    }
  }
}

void TcpConnection::consume(const char* data, size_t size) {
  decoder_.feed(data, size);
  while (open_) {
    auto next = decoder_.next();
    if (!next) {
      close_for_cause(next.status().message());
      return;
    }
    if (!next->has_value()) break;
    dispatch(std::move(**next));
  }
  // Last: the server may close this connection to stay within its bounds.
  if (open_ && options_.on_unfinished) options_.on_unfinished(decoder_.pending_bytes());
}

void TcpConnection::close_for_cause(const std::string& reason) {
  if (!open_) return;
  auto note = options_.close_log ? options_.close_log->admit() : std::optional<std::string>("");
  if (note) LOG(kWarning) << "closing connection from " << peer_ << ": " << reason << *note;
  close(reason);
}

// Handlers must not throw, but one that does may not take the daemon down:
// the request gets "request dropped" and the error is logged.
void TcpConnection::dispatch(RpcMessage message) {
  try {
    switch (message.type) {
      case RpcMessage::Type::kRequest:
        on_request(std::move(message));
        break;
      case RpcMessage::Type::kResponse:
        on_response(std::move(message));
        break;
      case RpcMessage::Type::kNotification:
        if (!hello_done_) {
          LOG(kDebug) << "ignoring notification " << message.method << " before hello";
        } else if (handlers_.on_notification) {
          handlers_.on_notification(shared_from_this(), message);
        }
        break;
    }
  } catch (const std::exception& e) {
    LOG(kError) << "handler of " << message.method << " from " << peer_ << " failed: " << e.what();
  }
}

void TcpConnection::on_request(RpcMessage message) {
  RpcResponder responder(weak_from_this(), message.msgid);
  if (message.method == "hello") {
    answer_hello(message, std::move(responder));
  } else if (!hello_done_) {
    responder.fail(
        Status::protocol("the first call on a connection must be hello {\"protocol_version\": " +
                         std::to_string(kProtocolVersion) + "}"));
  } else if (handlers_.on_request) {
    handlers_.on_request(shared_from_this(), message, std::move(responder));
  } else {
    responder.fail(Status::not_found("unknown method '" + message.method + "'"));
  }
}

void TcpConnection::answer_hello(const RpcMessage& message, RpcResponder responder) {
  auto hello = message.params.as<HelloParams>("hello");
  if (!hello) {
    responder.fail(hello.status());
    return;
  }
  if (hello->protocol_version != kProtocolVersion) {
    responder.fail(Status::protocol("protocol version " + std::to_string(hello->protocol_version) +
                                    " is not supported; this server speaks version " +
                                    std::to_string(kProtocolVersion)));
    return;
  }
  hello_done_ = true;
  hello_timer_.cancel();
  decoder_.set_max_frame_bytes(options_.max_frame_bytes);
  if (options_.on_hello) options_.on_hello();
  responder.reply(
      pack_payload(HelloReply{kProtocolVersion, options_.server_name, options_.authentication,
                              options_.authentication_required}));
}

void TcpConnection::on_response(RpcMessage message) {
  if (pending_.count(message.msgid) == 0) {
    LOG(kDebug) << "response for unknown or expired call " << message.msgid << " from " << peer_;
    return;
  }
  if (message.error.is_ok()) {
    finish_call(message.msgid, std::move(message.result));
  } else {
    finish_call(message.msgid, message.error);
  }
}

// Takes the call out of the table before running its callback, which may
// make new calls or close the connection.
void TcpConnection::finish_call(uint32_t msgid, StatusOr<RpcValue> result) {
  auto found = pending_.find(msgid);
  if (found == pending_.end()) return;
  PendingCall call = std::move(found->second);
  pending_.erase(found);
  call.timer->cancel();
  call.done(std::move(result));
}

void TcpConnection::call(const std::string& method, const Payload& params, Duration timeout,
                         RpcCallback done) {
  if (!open_) {
    asio::post(io_, [done = std::move(done), peer = peer_, method] {
      done(Status::unavailable("connection to " + peer + " is closed; " + method + " not sent"));
    });
    return;
  }
  uint32_t msgid = next_msgid_++;
  if (next_msgid_ == 0) next_msgid_ = 1;
  auto timer = std::make_unique<Timer>(io_);
  std::weak_ptr<RpcConnection> weak = weak_from_this();
  timer->start(timeout, [weak, msgid, method, timeout] {
    auto self = std::static_pointer_cast<TcpConnection>(weak.lock());
    if (!self) return;
    self->finish_call(msgid, Status::timeout("no answer to " + method + " from " + self->peer_ +
                                             " within " + format_duration(timeout)));
  });
  pending_[msgid] = PendingCall{method, std::move(done), std::move(timer)};
  enqueue(encode_request(msgid, method, params));
}

void TcpConnection::notify(const std::string& method, const Payload& params) {
  enqueue(encode_notification(method, params));
}

void TcpConnection::send_response(uint32_t msgid, const Status& error, const Payload& result) {
  enqueue(encode_response(msgid, error, result));
}

void TcpConnection::enqueue(std::string frame) {
  if (!open_) return;
  outbox_bytes_ += frame.size();
  outbox_.push_back(std::move(frame));
  if (outbox_bytes_ > kMaxQueuedBytes) {
    close_for_cause("peer is not reading (more than " + std::to_string(kMaxQueuedBytes) +
                    " bytes queued)");
    return;
  }
  write_signal_.cancel();
}

void TcpConnection::close(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  auto self = shared_from_this();  // callbacks below may drop the last outside reference
  hello_timer_.cancel();
  stream_->close();
  write_signal_.cancel();
  outbox_.clear();
  std::map<uint32_t, PendingCall> pending = std::move(pending_);
  pending_.clear();
  for (auto& [msgid, call] : pending) {
    call.timer->cancel();
    call.done(Status::unavailable("connection to " + peer_ + " closed before " + call.method +
                                  " was answered: " + reason));
  }
  RpcHandlers handlers = std::move(handlers_);
  handlers_ = RpcHandlers();
  if (handlers.on_close) handlers.on_close(self, Status::unavailable(reason));
}

}  // namespace clusterctl
