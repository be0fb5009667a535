// serve_http: one HTTP request on the RPC port, read and answered within
// deadlines: the head must be whole within http_head_timeout of the accept,
// and the body and the response may each go at most http_idle_timeout
// without progress. The connection is closed after the answer. On a port
// with --tls-required, a plain request gets 426 and the reason.
#include <optional>

#include "core/log.hpp"
#include "core/rpc/listener.hpp"

namespace clusterctl {

namespace {

using asio::ip::tcp;

// Responses leave in pieces of this size, each with its own idle deadline.
constexpr size_t kHttpWriteChunk = 64 * 1024;

// Waits for an asynchronous HTTP handler: `respond` stores the answer and
// cancels a timer that never expires by itself.
asio::awaitable<HttpResponse> answer_later(
    const std::function<void(const HttpRequest&, std::function<void(HttpResponse)>)>& handler,
    const HttpRequest& request) {
  auto executor = co_await asio::this_coro::executor;
  auto wake = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  auto answer = std::make_shared<std::optional<HttpResponse>>();
  try {
    handler(request, [wake, answer](HttpResponse response) {
      *answer = std::move(response);
      wake->cancel();
    });
  } catch (const std::exception& e) {
    LOG(kError) << "HTTP " << request.path << " failed: " << e.what();
    co_return http_error(500, "internal error");
  }
  if (!answer->has_value()) {
    boost::system::error_code ignored;
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return answer->has_value() ? std::move(**answer) : http_error(500, "no answer");
}

asio::awaitable<HttpResponse> answer(Listener& listener, const HttpRequest& request) {
  if (listener.handlers.on_http_async) {
    co_return co_await answer_later(listener.handlers.on_http_async, request);
  }
  if (!listener.handlers.on_http) co_return http_error(404, "no HTTP endpoints here");
  try {
    co_return listener.handlers.on_http(request);
  } catch (const std::exception& e) {
    LOG(kError) << "HTTP " << request.path << " failed: " << e.what();
    co_return http_error(500, "internal error");
  }
}

}  // namespace

asio::awaitable<void> serve_http(std::shared_ptr<Listener> listener,
                                 std::shared_ptr<ByteStream> stream, std::string data, uint64_t key,
                                 Timer& deadline, std::chrono::steady_clock::time_point accepted,
                                 bool refuse_plain) {
  const RpcServerOptions& options = listener->options;
  auto close_after = [&](Duration delay, std::string reason) {
    deadline.start(delay, [listener, key, reason] { listener->close_for_cause(key, reason); });
  };
  auto read_more = [&]() -> asio::awaitable<bool> {
    char chunk[4096];
    boost::system::error_code error;
    size_t size = co_await stream->read_some(asio::buffer(chunk), error);
    if (error) co_return false;
    data.append(chunk, size);
    listener->note_unfinished(key, data.size());
    co_return stream->is_open();
  };

  // The head, then the body that Content-Length announces.
  close_after(remaining(options.http_head_timeout, accepted),
              "no whole HTTP request head within " + format_duration(options.http_head_timeout));
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > kMaxHttpHeadBytes) {
      listener->close_for_cause(
          key, "HTTP request head larger than " + std::to_string(kMaxHttpHeadBytes) + " bytes");
      co_return;
    }
    if (!co_await read_more()) co_return;
  }
  listener->table.set_established(key);
  HttpResponse response;
  auto request = parse_http_head(data.substr(0, head_end + 4));
  if (!request) {
    response = http_error(400, request.status().message());
  } else if (refuse_plain) {
    response = http_error(426, kTlsRequiredMessage);
    response.headers["Upgrade"] = "TLS/1.2, HTTP/1.1";
  } else {
    size_t length = 0;
    auto header = request->headers.find("content-length");
    if (header != request->headers.end())
      length = std::strtoull(header->second.c_str(), nullptr, 10);
    if (length > kMaxHttpBodyBytes) {
      response = http_error(413, "request body too large");
    } else {
      std::string idle = "HTTP request idle for " + format_duration(options.http_idle_timeout);
      while (data.size() - (head_end + 4) < length) {
        close_after(options.http_idle_timeout, idle);
        if (!co_await read_more()) co_return;
      }
      request->body = data.substr(head_end + 4, length);
      deadline.cancel();  // the handler takes its time
      response = co_await answer(*listener, *request);
    }
  }
  data = std::string();
  listener->note_unfinished(key, 0);
  std::string bytes = format_http_response(response);
  std::string idle = "HTTP response not read for " + format_duration(options.http_idle_timeout);
  for (size_t sent = 0; sent < bytes.size(); sent += kHttpWriteChunk) {
    close_after(options.http_idle_timeout, idle);
    size_t size = std::min(kHttpWriteChunk, bytes.size() - sent);
    boost::system::error_code error;
    co_await stream->write(asio::buffer(bytes.data() + sent, size), error);
    if (error) co_return;
  }
  deadline.cancel();
  stream->shutdown();
}

}  // namespace clusterctl
