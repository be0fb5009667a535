#include "daemons/executor/rotating_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/process/output_file.hpp"

namespace clusterctl {

struct RotatingOutput::State : std::enable_shared_from_this<RotatingOutput::State> {
  State(asio::io_context& io_context, std::string file_path, uint64_t max, uint32_t kept)
      : pipe(io_context),
        path(std::move(file_path)),
        in(split_dir_and_name(path)),
        max_bytes(max),
        keep(kept) {}
  asio::posix::stream_descriptor pipe;  // the read end
  std::string path;
  DirAndName in;  // the directory and the file's name in it
  uint64_t max_bytes;
  uint32_t keep;
  // The directory, opened once: the task may replace names in it, never the
  // directory this descriptor holds.
  int dir = -1;
  int file = -1;
  uint64_t size = 0;
  int write_end = -1;
  char buffer[1 << 16];

  ~State() {
    if (dir >= 0) ::close(dir);
    if (file >= 0) ::close(file);
    if (write_end >= 0) ::close(write_end);
  }

  // Never through a link the task planted (output_file.hpp).
  Status open_file() {
    if (dir < 0) {
      StatusOr<int> opened = open_directory(in.dir);
      if (!opened) return opened.status();
      dir = *opened;
    }
    StatusOr<int> opened = open_output_file(dir, in.name, path);
    if (!opened) return opened.status();
    file = *opened;
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
    rotate_files(dir, in.name, keep);
    Status opened = open_file();
    if (!opened) {  // `file` stays -1: the output is dropped rather than written elsewhere
      LOG(kError) << opened.message() << "; the task's further output there is dropped";
      return;
    }
    if (size != 0) {
      // The file could not be renamed away (the task put directories in the
      // way): it has no room for what did not fit, and writing on would
      // rotate forever.
      LOG(kError) << "cannot rotate '" << path << "' (it is still " << size
                  << " bytes); the task's further output there is dropped";
      ::close(file);
      file = -1;
    }
  }
};

namespace {

// A missing file is no error: the older ones appear only as the output grows.
void rename_in(int dir, const std::string& from, const std::string& to) {
  if (::renameat(dir, from.c_str(), dir, to.c_str()) != 0 && errno != ENOENT) {
    LOG(kWarning) << "cannot rotate " << from << " to " << to << ": " << std::strerror(errno);
  }
}

}  // namespace

void rotate_files(int dir, const std::string& name, uint32_t keep) {
  if (keep == 0) {
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) {
      LOG(kWarning) << "cannot remove " << name << ": " << std::strerror(errno);
    }
    return;
  }
  std::string oldest = name + "." + std::to_string(keep);
  if (::unlinkat(dir, oldest.c_str(), 0) != 0 && errno != ENOENT) {
    LOG(kWarning) << "cannot remove " << oldest << ": " << std::strerror(errno);
  }
  for (uint32_t index = keep; index > 1; --index) {
    rename_in(dir, name + "." + std::to_string(index - 1), name + "." + std::to_string(index));
  }
  rename_in(dir, name, name + ".1");
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
