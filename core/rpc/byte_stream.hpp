// ByteStream: the bytes of one connection, over plain TCP or TLS (private to
// core/rpc). A stream starts plain; start_tls_server / start_tls_client run
// the handshake on it, and from then on reads and writes are encrypted. The
// RPC connection and the HTTP session read and write through it and never
// see which it is. Closing closes the TCP socket below, which ends any
// pending read, write or handshake (that is how deadlines stop them).
//
// One io_context thread; at most one read and one write pending at a time.
#pragma once

#include <memory>
#include <string>

#include "core/asio.hpp"
#include "core/rpc/tls_context.hpp"
#include "core/status.hpp"

namespace clusterctl {

class ByteStream {
 public:
  explicit ByteStream(asio::ip::tcp::socket socket);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // The first byte the peer sent, left unread (for telling TLS, HTTP and RPC
  // apart before anything is consumed); an error if the peer left first.
  asio::awaitable<StatusOr<unsigned char>> peek_first_byte();

  // The TLS handshake as a server, or as a client that checks the server's
  // certificate against `host` (a name or an IP address) unless `verify_host`
  // is false. Errors say what went wrong, naming the certificate problem
  // ("certificate verify failed: self-signed certificate in certificate chain").
  asio::awaitable<Status> start_tls_server(TlsContextPtr context);
  asio::awaitable<Status> start_tls_client(TlsContextPtr context, const std::string& host,
                                           bool verify_host);
  bool is_tls() const { return tls_ != nullptr; }

  // Some bytes (at least one); `error` is set at the end (eof) or on failure.
  asio::awaitable<size_t> read_some(asio::mutable_buffer buffer, boost::system::error_code& error);
  // All of `buffer`, or `error`.
  asio::awaitable<void> write(asio::const_buffer buffer, boost::system::error_code& error);

  // Ends the connection at once: shuts the TCP socket down and closes it.
  void close();
  // Tells the peer no more bytes come (after an answer), without closing.
  void shutdown();
  asio::ip::tcp::socket& socket() { return socket_; }
  bool is_open() const { return socket_.is_open(); }

 private:
  struct Tls;
  asio::awaitable<Status> handshake(bool server);

  asio::ip::tcp::socket socket_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace clusterctl
