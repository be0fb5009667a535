// The server's side of TLS on the shared port: a connection whose first byte
// is 0x16 (a TLS handshake record) is a TLS client; the handshake runs under
// the deadline that already bounds the hello (RPC) or the head (HTTP), and
// then RPC and HTTP are told apart inside TLS as outside. A plain RPC peer of
// a port with --tls-required is told why it is refused before the close.
#include "core/log.hpp"
#include "core/rpc/listener.hpp"
#include "core/rpc/tcp_connection.hpp"

namespace clusterctl {

namespace {

constexpr unsigned char kTlsHandshakeRecord = 0x16;

}  // namespace

asio::awaitable<bool> accept_tls(Listener& listener, ByteStream& stream, uint64_t key) {
  auto first = co_await stream.peek_first_byte();
  if (!first || listener.stopped || !stream.is_open()) co_return false;
  if (*first != kTlsHandshakeRecord) co_return true;
  if (!listener.tls_context) {
    listener.close_for_cause(key,
                             "it began a TLS handshake, but this port has no TLS (--tls-cert)");
    co_return false;
  }
  Status handshake = co_await stream.start_tls_server(listener.tls_context);
  if (listener.stopped || !stream.is_open()) co_return false;  // the deadline closed it
  if (!handshake) {
    listener.close_for_cause(key, handshake.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> refuse_plain_rpc(std::shared_ptr<Listener> listener,
                                       std::shared_ptr<ByteStream> stream, std::string data,
                                       uint64_t key) {
  FrameDecoder decoder(kMaxFrameBytesBeforeHello);
  decoder.feed(data.data(), data.size());
  while (true) {
    auto next = decoder.next();
    if (!next) {
      listener->close_for_cause(key, next.status().message());
      co_return;
    }
    if (next->has_value()) {
      const RpcMessage& message = **next;
      if (message.type == RpcMessage::Type::kRequest) {
        std::string reply =
            encode_response(message.msgid, Status::protocol(kTlsRequiredMessage), Payload());
        boost::system::error_code error;
        co_await stream->write(asio::buffer(reply), error);
      }
      break;
    }
    char chunk[4096];
    boost::system::error_code error;
    size_t size = co_await stream->read_some(asio::buffer(chunk), error);
    if (error || listener->stopped || !stream->is_open()) co_return;
    decoder.feed(chunk, size);
  }
  if (auto note = listener->close_log->admit()) {
    LOG(kInfo) << "refused a plain connection from " << listener->table.peer_of(key)
               << ": this port requires TLS" << *note;
  }
  stream->close();
}

}  // namespace clusterctl
