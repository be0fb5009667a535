#include "core/rpc/byte_stream.hpp"

#include <boost/asio/ssl.hpp>

namespace clusterctl {

namespace {

namespace ssl = asio::ssl;

// Why a handshake failed, naming the certificate problem when there is one.
std::string handshake_error(SSL* handle, const boost::system::error_code& error, bool server) {
  long verify = SSL_get_verify_result(handle);
  if (verify != X509_V_OK) {
    std::string whose = server ? "the client's" : "the server's";
    return "certificate verify failed: " + std::string(X509_verify_cert_error_string(verify)) +
           " (" + whose + " certificate" +
           (server ? " must be signed by this server's --tls-ca)"
                   : " must be signed by the CA given with --tls-ca and name the address)");
  }
  if (error == asio::error::eof || error == ssl::error::stream_truncated ||
      error == asio::error::connection_reset) {
    return server ? "the client left during the TLS handshake"
                  : "the server closed the connection during the TLS handshake (does that port "
                    "have TLS on: --tls-cert?)";
  }
  if (error == asio::error::operation_aborted || error == asio::error::bad_descriptor) {
    return "the TLS handshake did not finish in time";
  }
  return error.message();
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

}  // namespace

struct ByteStream::Tls {
  Tls(asio::ip::tcp::socket& socket, TlsContextPtr tls_context)
      : context(std::move(tls_context)), stream(socket, *context) {}
  TlsContextPtr context;  // outlives the stream that uses it
  ssl::stream<asio::ip::tcp::socket&> stream;
};

ByteStream::ByteStream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

ByteStream::~ByteStream() = default;

asio::awaitable<StatusOr<unsigned char>> ByteStream::peek_first_byte() {
  unsigned char byte = 0;
  boost::system::error_code error;
  co_await socket_.async_receive(asio::buffer(&byte, 1), asio::socket_base::message_peek,
                                 asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return Status::unavailable(error.message());
  co_return byte;
}

asio::awaitable<Status> ByteStream::start_tls_server(TlsContextPtr context) {
  tls_ = std::make_unique<Tls>(socket_, std::move(context));
  co_return co_await handshake(true);
}

asio::awaitable<Status> ByteStream::start_tls_client(TlsContextPtr context, const std::string& host,
                                                     bool verify_host) {
  tls_ = std::make_unique<Tls>(socket_, std::move(context));
  SSL* handle = tls_->stream.native_handle();
  bool ip = is_ip_address(host);
  if (!ip) SSL_set_tlsext_host_name(handle, host.c_str());  // SNI names hosts, not addresses
  if (verify_host) {
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                 : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (set != 1) co_return Status::invalid("cannot check certificates against '" + host + "'");
  }
  co_return co_await handshake(false);
}

asio::awaitable<Status> ByteStream::handshake(bool server) {
  boost::system::error_code error;
  co_await tls_->stream.async_handshake(
      server ? ssl::stream_base::server : ssl::stream_base::client,
      asio::redirect_error(asio::use_awaitable, error));
  if (!error) co_return Status::ok();
  co_return Status::unavailable("TLS handshake failed: " +
                                handshake_error(tls_->stream.native_handle(), error, server));
}

asio::awaitable<size_t> ByteStream::read_some(asio::mutable_buffer buffer,
                                              boost::system::error_code& error) {
  auto done = asio::redirect_error(asio::use_awaitable, error);
  if (tls_) co_return co_await tls_->stream.async_read_some(buffer, done);
  co_return co_await socket_.async_read_some(buffer, done);
}

asio::awaitable<void> ByteStream::write(asio::const_buffer buffer,
                                        boost::system::error_code& error) {
  auto done = asio::redirect_error(asio::use_awaitable, error);
  if (tls_) {
    co_await asio::async_write(tls_->stream, buffer, done);
  } else {
    co_await asio::async_write(socket_, buffer, done);
  }
}

void ByteStream::close() {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void ByteStream::shutdown() {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace clusterctl
