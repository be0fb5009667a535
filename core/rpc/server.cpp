// rpc_listen: accepts connections within the server's bounds and tells
// msgpack-RPC from HTTP by the first byte (a letter starts an HTTP request; an
// RPC frame starts with an array byte), after the TLS handshake if the first
// byte starts one (tls_accept.cpp).
//
// Out of file descriptors (EMFILE, ENFILE), the accept loop sheds the oldest
// connections that made no request yet and waits a little, longer each time
// nothing could be shed, instead of retrying at once.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>

#include "core/log.hpp"
#include "core/rpc/listener.hpp"
#include "core/rpc/tcp_connection.hpp"

namespace clusterctl {

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A connection that held an unfinished frame this large gives memory back to
// the system (malloc_trim) once it is gone.
constexpr size_t kTrimAfterBytes = 1024 * 1024;
// Out of file descriptors: how many idle connections to shed at once, and
// the waits before accepting again (growing while nothing can be shed).
constexpr size_t kShedBatch = 16;
constexpr Duration kRetryAfterShed{10};
constexpr Duration kFirstBackoff{50};
constexpr Duration kLongestBackoff{1000};
// Each kind of warning: at most this many lines per interval.
constexpr int kWarningsPerInterval = 5;
constexpr Duration kWarningInterval{10 * 1000};

// Connections may take at most this share of the file descriptors the
// process may open; the rest stay for the registry, pidfds, plugins, files.
constexpr size_t kConnectionDescriptorsPercent = 75;

// --max-connections, lowered to what the descriptor limit leaves room for.
size_t connection_cap(size_t max_connections) {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return max_connections;
  }
  size_t room = static_cast<size_t>(limit.rlim_cur) * kConnectionDescriptorsPercent / 100;
  if (room >= max_connections) return max_connections;
  LOG(kDebug) << "at most " << room << " connections at once: " << kConnectionDescriptorsPercent
              << "% of the " << limit.rlim_cur << " file descriptors this process may open";
  return std::max<size_t>(room, 1);
}

bool out_of_descriptors(const boost::system::error_code& error) {
  return error == asio::error::no_descriptors ||
         error == boost::system::errc::too_many_files_open_in_system ||
         error == asio::error::no_buffer_space || error == asio::error::no_memory;
}

// Blocks of kTrimAfterBytes and more are mapped on their own, so that the
// buffer of a large frame goes back to the system as soon as it is freed;
// glibc's default would raise this threshold to the largest block freed and
// keep later ones in a heap that only malloc_trim shrinks.
void use_mapped_large_blocks() {
  static bool done = [] { return mallopt(M_MMAP_THRESHOLD, kTrimAfterBytes) == 1; }();
  (void)done;
}

// Closes a connection that is not (yet) a TcpConnection.
ConnectionTable::Closer stream_closer(std::shared_ptr<ByteStream> stream) {
  std::weak_ptr<ByteStream> weak = stream;
  return [weak](const std::string&) {
    if (auto stream = weak.lock()) stream->close();
  };
}

// Takes a connection out of the table when its coroutine ends, unless it was
// handed to a TcpConnection (which does so when it closes).
struct TableGuard {
  std::shared_ptr<Listener> listener;
  uint64_t key;
  ~TableGuard() {
    if (listener) listener->connection_gone(key);
  }
};

std::shared_ptr<TcpConnection> start_rpc(std::shared_ptr<Listener> listener,
                                         std::shared_ptr<ByteStream> stream, uint64_t key,
                                         Clock::time_point accepted) {
  TcpConnectionOptions options;
  options.max_frame_bytes = listener->options.max_frame_bytes;
  options.require_hello = true;
  options.hello_timeout = remaining(listener->options.hello_timeout, accepted);
  options.server_name = listener->options.server_name;
  options.authentication = listener->options.authentication;
  options.authentication_required = listener->options.authentication_required;
  options.close_log = listener->close_log;
  options.on_hello = [listener, key] { listener->table.set_established(key); };
  options.on_unfinished = [listener, key](size_t bytes) { listener->note_unfinished(key, bytes); };
  auto connection = std::make_shared<TcpConnection>(listener->io, std::move(stream), options);
  RpcHandlers handlers = listener->handlers;
  handlers.on_close = [listener, key, on_close = std::move(handlers.on_close)](
                          const RpcConnectionPtr& closed, const Status& why) {
    listener->connection_gone(key);
    if (on_close) on_close(closed, why);
  };
  connection->set_handlers(std::move(handlers));
  std::weak_ptr<TcpConnection> weak = connection;
  listener->table.set_closer(key, [weak](const std::string& reason) {
    if (auto connection = weak.lock()) connection->close(reason);
  });
  return connection;
}

asio::awaitable<void> serve(std::shared_ptr<Listener> listener, tcp::socket accepted_socket,
                            std::string peer) {
  auto accepted = Clock::now();
  auto stream = std::make_shared<ByteStream>(std::move(accepted_socket));
  uint64_t key = listener->table.add(peer, stream_closer(stream));
  TableGuard guard{listener, key};
  Duration timeout = listener->options.hello_timeout;
  Timer deadline(listener->io);  // covers the TLS handshake too
  deadline.start(timeout, [listener, key, timeout] {
    listener->close_for_cause(key, "no request within " + format_duration(timeout));
  });
  if (!co_await accept_tls(*listener, *stream, key)) co_return;
  char first[4096];
  boost::system::error_code error;
  size_t size = co_await stream->read_some(asio::buffer(first), error);
  if (error || listener->stopped || !stream->is_open()) co_return;
  std::string data(first, size);
  bool refuse_plain = listener->options.tls.required && !stream->is_tls();
  if (std::isalpha(static_cast<unsigned char>(data[0]))) {
    co_await serve_http(listener, stream, std::move(data), key, deadline, accepted, refuse_plain);
    co_return;
  }
  if (refuse_plain) {
    co_await refuse_plain_rpc(listener, stream, std::move(data), key);
    co_return;
  }
  deadline.cancel();
  guard.listener.reset();  // the TcpConnection takes over
  start_rpc(listener, std::move(stream), key, accepted)->start(data);
}

// The peer's IP address, or why it has none (it is already gone).
StatusOr<std::string> peer_of(const tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return Status::unavailable(error.message());
  return endpoint.address().to_string();
}

// Sheds up to `count` idle connections; returns how many.
size_t shed_idle(Listener& listener, size_t count, const std::string& why) {
  auto keys = listener.table.oldest_idle(count);
  for (uint64_t key : keys) listener.close_for_cause(key, "shed: " + why);
  return keys.size();
}

// Admits a new connection, or refuses it (logged): a peer at its cap is
// refused; at the total cap the oldest idle connection makes room if any.
bool admit(Listener& listener, const tcp::socket& socket, const std::string& peer) {
  Status admitted = listener.table.admit(peer);
  if (!admitted && listener.table.count_of(peer) < listener.options.max_connections_per_peer &&
      shed_idle(listener, 1, "a new connection needs its place") == 1) {
    admitted = listener.table.admit(peer);
  }
  if (admitted) return true;
  if (auto note = listener.refusal_log.admit()) {
    boost::system::error_code ignored;
    auto endpoint = socket.remote_endpoint(ignored);
    LOG(kWarning) << "refused connection from " << peer << ":" << endpoint.port() << ": "
                  << admitted.message() << *note;
  }
  return false;
}

asio::awaitable<void> accept_loop(std::shared_ptr<Listener> listener) {
  asio::steady_timer pause(listener->io);
  Duration backoff = kFirstBackoff;
  while (!listener->stopped) {
    boost::system::error_code error;
    tcp::socket socket =
        co_await listener->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (listener->stopped) co_return;
    if (error) {
      Duration wait = backoff;
      size_t shed = 0;
      if (out_of_descriptors(error)) {
        shed = shed_idle(*listener, kShedBatch, "the server is out of file descriptors");
      }
      if (shed > 0) {
        wait = kRetryAfterShed;
      } else {
        backoff = std::min(backoff * 2, kLongestBackoff);
      }
      if (auto note = listener->accept_log.admit()) {
        LOG(kWarning) << "accept failed: " << error.message() << "; shed " << shed
                      << " idle connections, accepting again in " << format_duration(wait) << *note;
      }
      pause.expires_after(wait);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    backoff = kFirstBackoff;
    auto peer = peer_of(socket);
    if (!peer || !admit(*listener, socket, *peer)) continue;  // the socket closes here
    asio::co_spawn(listener->io, serve(listener, std::move(socket), *peer), asio::detached);
  }
}

class TcpRpcServer : public RpcServer {
 public:
  explicit TcpRpcServer(std::shared_ptr<Listener> listener) : listener_(std::move(listener)) {
    auto endpoint = listener_->acceptor.local_endpoint();
    address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~TcpRpcServer() override { stop(); }

  std::string address() const override { return address_; }

  void stop() override {
    if (listener_->stopped) return;
    listener_->stopped = true;
    boost::system::error_code ignored;
    listener_->acceptor.close(ignored);
    listener_->trim_timer.cancel();
    listener_->table.close_all("server stopping");
  }

 private:
  std::shared_ptr<Listener> listener_;
  std::string address_;
};

}  // namespace

Duration remaining(Duration timeout, Clock::time_point since) {
  auto left = timeout - std::chrono::duration_cast<Duration>(Clock::now() - since);
  return std::max(left, Duration(1));
}

Listener::Listener(asio::io_context& io_context, RpcHandlers handler_set,
                   RpcServerOptions server_options)
    : io(io_context),
      acceptor(io_context),
      handlers(std::move(handler_set)),
      options(std::move(server_options)),
      table(ConnectionLimits{connection_cap(options.max_connections),
                             options.max_connections_per_peer, options.max_unfinished_frame_bytes}),
      close_log(std::make_shared<LogLimiter>(kWarningsPerInterval, kWarningInterval)),
      refusal_log(kWarningsPerInterval, kWarningInterval),
      accept_log(kWarningsPerInterval, kWarningInterval),
      trim_timer(io_context) {
  use_mapped_large_blocks();
}

void Listener::close_for_cause(uint64_t key, const std::string& reason) {
  if (!stopped) {
    if (auto note = close_log->admit()) {
      LOG(kWarning) << "closing connection from " << table.peer_of(key) << ": " << reason << *note;
    }
  }
  table.close(key, reason);
}

void Listener::connection_gone(uint64_t key) {
  if (table.remove(key) >= kTrimAfterBytes) release_memory_soon();
}

void Listener::note_unfinished(uint64_t key, size_t bytes) {
  for (uint64_t victim : table.set_unfinished(key, bytes)) {
    close_for_cause(victim,
                    "its unfinished request was the largest while all together held more "
                    "than " +
                        std::to_string(table.limits().max_unfinished_frame_bytes) + " bytes");
  }
  if (bytes < kTrimAfterBytes && table.take_peak(key) >= kTrimAfterBytes) release_memory_soon();
}

void Listener::release_memory_soon() {
  if (stopped || trim_timer.pending()) return;
  trim_timer.start(Duration(200), [] { malloc_trim(0); });
}

StatusOr<std::unique_ptr<RpcServer>> rpc_listen(asio::io_context& io, const std::string& host_port,
                                                RpcHandlers handlers, RpcServerOptions options) {
  std::string host;
  uint16_t port = 0;
  CLUSTERCTL_RETURN_IF_ERROR(split_host_port(host_port, &host, &port));
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) {
    return Status::invalid("cannot listen on '" + host_port + "': '" + host +
                           "' is not an IP address");
  }
  auto tls_context = make_tls_server_context(options.tls);
  if (!tls_context) return tls_context.status();
  auto listener = std::make_shared<Listener>(io, std::move(handlers), std::move(options));
  listener->tls_context = std::move(*tls_context);
  tcp::endpoint endpoint(address, port);
  tcp::acceptor& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::unavailable("cannot listen on " + host_port + ": " + error.message());
  }
  asio::co_spawn(io, accept_loop(listener), asio::detached);
  return std::unique_ptr<RpcServer>(new TcpRpcServer(listener));
}

}  // namespace clusterctl
