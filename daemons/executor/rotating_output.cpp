#include "daemons/executor/rotating_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/asio.hpp"
#include "core/log.hpp"

namespace clusterctl {

struct RotatingOutput::State : std::enable_shared_from_this<RotatingOutput::State> {
  State(asio::io_context& io_context, std::string file_path, uint64_t max, uint32_t kept)
      : pipe(io_context), path(std::move(file_path)), max_bytes(max), keep(kept) {}
  asio::posix::stream_descriptor pipe;  // the read end
  std::string path;
  uint64_t max_bytes;
  uint32_t keep;
  int file = -1;
  uint64_t size = 0;
  int write_end = -1;
  char buffer[1 << 16];

  ~State() {
    if (file >= 0) ::close(file);
    if (write_end >= 0) ::close(write_end);
  }

  Status open_file() {
    file = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (file < 0) return Status::io_error("cannot open '" + path + "': " + std::strerror(errno));
    struct stat info;
    size = ::fstat(file, &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
    return Status::ok();
  }

  // Waits until the pipe is readable, then copies what it holds. Reading
  // here (not in an asio read) keeps unread data in the pipe, so drain()
  // never overtakes a completed read waiting in the queue.
  void wait_more() {
    auto self = shared_from_this();
    pipe.async_wait(asio::posix::stream_descriptor::wait_read,
                    [self](const boost::system::error_code& error) {
                      if (error || !self->pipe.is_open()) return;
                      if (self->copy_available()) self->wait_more();
                    });
  }

  // Copies until the pipe is empty; false at end of file (every writer gone).
  bool copy_available() {
    for (;;) {
      ssize_t got = ::read(pipe.native_handle(), buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      if (got == 0) {
        boost::system::error_code ignored;
        pipe.close(ignored);
        return false;
      }
      write_out(buffer, static_cast<size_t>(got));
    }
  }

  // Appends, rotating so that no file grows past max_bytes; a file ends at
  // a line's end unless a single line is longer than a whole file.
  void write_out(const char* data, size_t length) {
    while (length > 0 && file >= 0) {
      size_t take = length;
      if (max_bytes > 0 && size + length > max_bytes) {
        size_t room = size < max_bytes ? static_cast<size_t>(max_bytes - size) : 0;
        const void* newline = room > 0 ? ::memrchr(data, '\n', std::min(room, length)) : nullptr;
        take = newline != nullptr ? static_cast<const char*>(newline) - data + 1
                                  : (size == 0 ? std::min<size_t>(length, max_bytes) : 0);
      }
      if (!append(data, take)) return;
      data += take;
      length -= take;
      if (length > 0) rotate();
    }
  }

  bool append(const char* data, size_t length) {
    while (length > 0) {
      ssize_t written = ::write(file, data, length);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) {
        LOG(kWarning) << "cannot write " << path << ": " << std::strerror(errno);
        return false;
      }
      data += written;
      length -= static_cast<size_t>(written);
      size += static_cast<uint64_t>(written);
    }
    return true;
  }

  void rotate() {
    ::close(file);
    file = -1;
    rotate_files(path, keep);
    (void)open_file();  // on failure `file` stays -1 and output is dropped
  }
};

void rotate_files(const std::string& path, uint32_t keep) {
  if (keep == 0) {
    ::unlink(path.c_str());
    return;
  }
  ::unlink((path + "." + std::to_string(keep)).c_str());
  for (uint32_t index = keep; index > 1; --index) {
    std::string from = path + "." + std::to_string(index - 1);
    ::rename(from.c_str(), (path + "." + std::to_string(index)).c_str());
  }
  ::rename(path.c_str(), (path + ".1").c_str());
}

RotatingOutput::RotatingOutput(asio::io_context& io, std::string path, uint64_t max_bytes,
                               uint32_t keep)
    : state_(std::make_shared<State>(io, std::move(path), max_bytes, keep)) {}

RotatingOutput::~RotatingOutput() {
  boost::system::error_code ignored;
  state_->pipe.close(ignored);
}

StatusOr<int> RotatingOutput::open() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    return Status::io_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  state_->pipe.assign(ends[0]);
  state_->pipe.non_blocking(true);
  state_->write_end = ends[1];
  CLUSTERCTL_RETURN_IF_ERROR(state_->open_file());
  return ends[1];
}

void RotatingOutput::start() {
  if (state_->write_end >= 0) {
    ::close(state_->write_end);  // the task has its copy now
    state_->write_end = -1;
  }
  state_->wait_more();
}

void RotatingOutput::drain() {
  if (!state_->pipe.is_open()) return;
  state_->copy_available();
  boost::system::error_code ignored;
  state_->pipe.close(ignored);
}

}  // namespace clusterctl
