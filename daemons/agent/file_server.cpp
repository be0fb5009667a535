#include "daemons/agent/file_server.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <msgpack.hpp>

#include "core/open_beneath.hpp"

namespace clusterctl {

namespace {

struct FileEntry {
  std::string name;
  std::string path;
  std::string type;
  int64_t size = 0;
  double mtime = 0;
  uint32_t mode = 0;
  MSGPACK_DEFINE_MAP(name, path, type, size, mtime, mode);
};

struct BrowseAnswer {
  std::string path;
  std::vector<FileEntry> entries;
  bool truncated = false;  // the directory holds more than kMaxBrowseEntries
  MSGPACK_DEFINE_MAP(path, entries, truncated);
};

struct ReadAnswer {
  std::string path;
  int64_t offset = 0;
  int64_t size = 0;
  std::string data;  // a msgpack str holding the raw bytes
  MSGPACK_DEFINE_MAP(path, offset, size, data);
};

class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() { reset(-1); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct ErrorAnswer {
  std::string error;
  MSGPACK_DEFINE_MAP(error);
};

// An error while answering; handle() encodes it as the client asked.
HttpResponse failed(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = message;
  return response;
}

HttpResponse open_error(const std::string& path) {
  if (errno == ENOENT || errno == ENOTDIR) return failed(404, "no such file: " + path);
  if (errno == EXDEV || errno == ELOOP) return failed(403, path + " leads out of the sandboxes");
  if (errno == EAGAIN)
    return failed(503, "the machine is busy renaming files; try " + path + " again");
  return failed(500, "cannot open " + path + ": " + std::strerror(errno));
}

template <typename Answer>
HttpResponse encode(const HttpRequest& request, const Answer& answer) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, answer);
  return http_payload(request, std::string(buffer.data(), buffer.size()));
}

const char* type_of(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "link";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "char_device";
  if (S_ISBLK(mode)) return "block_device";
  return "other";
}

// The refusal of a file that is neither a regular file nor a directory.
HttpResponse not_served(const std::string& path, mode_t mode) {
  std::string what = S_ISFIFO(mode)   ? "a FIFO (named pipe)"
                     : S_ISSOCK(mode) ? "a socket"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                                      : "not a regular file";
  return failed(403, path + " is " + what + "; /files serves only regular files and directories");
}

// Opens `relative` below `root_fd` for reading if it is a regular file
// (`directory` false) or a directory (true), and opens nothing else: the
// O_PATH open runs no driver and waits for no FIFO writer, and the reopen
// through /proc/self/fd opens that very file. Sets `fd` and `info` and
// answers 200, or answers the error.
HttpResponse open_served(int root_fd, const std::string& relative, const std::string& path,
                         bool directory, Descriptor& fd, struct stat& info) {
  Descriptor where(open_beneath(root_fd, relative, O_PATH));
  if (where.get() < 0 || ::fstat(where.get(), &info) != 0) return open_error(path);
  if (!S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) return not_served(path, info.st_mode);
  if (S_ISDIR(info.st_mode) && !directory) {
    return failed(400, path + " is a directory; use /files/browse");
  }
  if (S_ISREG(info.st_mode) && directory) return failed(400, path + " is a file; use /files/read");
  std::string self = "/proc/self/fd/" + std::to_string(where.get());
  fd.reset(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
  if (fd.get() < 0) return failed(500, "cannot open " + path + ": " + std::strerror(errno));
  return HttpResponse{};
}

StatusOr<int64_t> number_param(const HttpRequest& request, const std::string& name,
                               int64_t fallback) {
  auto found = request.query.find(name);
  if (found == request.query.end() || found->second.empty()) return fallback;
  try {
    size_t used = 0;
    int64_t value = std::stoll(found->second, &used);
    if (used == found->second.size()) return value;
  } catch (const std::exception&) {
  }
  return Status::invalid(name + " must be a number, not '" + found->second + "'");
}

HttpResponse browse(int root_fd, const std::string& relative, const HttpRequest& request,
                    const std::string& path) {
  Descriptor dir;
  struct stat info;
  HttpResponse opened = open_served(root_fd, relative, path, true, dir, info);
  if (opened.status != 200) return opened;
  DIR* stream = ::fdopendir(dir.get());
  if (stream == nullptr) return failed(500, "cannot list " + path + ": " + std::strerror(errno));
  dir.release();
  BrowseAnswer answer;
  answer.path = path;
  while (struct dirent* item = ::readdir(stream)) {
    std::string name = item->d_name;
    if (name == "." || name == "..") continue;
    if (answer.entries.size() == kMaxBrowseEntries) {
      answer.truncated = true;
      break;
    }
    struct stat entry;
    if (::fstatat(::dirfd(stream), item->d_name, &entry, AT_SYMLINK_NOFOLLOW) != 0) continue;
    std::string child = path == "/" ? "/" + name : path + "/" + name;
    answer.entries.push_back(
        {name, child, type_of(entry.st_mode), static_cast<int64_t>(entry.st_size),
         static_cast<double>(entry.st_mtim.tv_sec) + entry.st_mtim.tv_nsec / 1e9,
         static_cast<uint32_t>(entry.st_mode & 07777)});
  }
  ::closedir(stream);
  std::sort(answer.entries.begin(), answer.entries.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.name < b.name; });
  return encode(request, answer);
}

HttpResponse read(int root_fd, const std::string& relative, const HttpRequest& request,
                  const std::string& path) {
  auto offset = number_param(request, "offset", 0);
  auto length = number_param(request, "length", static_cast<int64_t>(kMaxFileReadBytes));
  if (!offset) return failed(400, offset.status().message());
  if (!length) return failed(400, length.status().message());
  if (*offset < -1 || *length < 0) return failed(400, "offset and length must not be negative");
  Descriptor file;
  struct stat info;
  HttpResponse opened = open_served(root_fd, relative, path, false, file, info);
  if (opened.status != 200) return opened;
  ReadAnswer answer;
  answer.path = path;
  answer.size = static_cast<int64_t>(info.st_size);
  answer.offset = *offset < 0 ? answer.size : *offset;
  if (*offset >= 0) {
    answer.data.resize(static_cast<size_t>(std::min<int64_t>(*length, kMaxFileReadBytes)));
    ssize_t got = ::pread(file.get(), answer.data.data(), answer.data.size(), answer.offset);
    if (got < 0) return failed(500, "cannot read " + path + ": " + std::strerror(errno));
    answer.data.resize(static_cast<size_t>(got));
  }
  return encode(request, answer);
}

// The answer, or an error with its message as the body.
HttpResponse answer(const std::string& root, const HttpRequest& request) {
  auto path_param = request.query.find("path");
  if (path_param == request.query.end() || path_param->second.empty()) {
    return failed(400, "give the file with ?path=ABSOLUTE_PATH (below " + root + ")");
  }
  const std::string& path = path_param->second;
  if (path != root && path.rfind(root + "/", 0) != 0) {
    return failed(403, path + " is not below the sandbox root " + root);
  }
  std::string relative = path.size() > root.size() ? path.substr(root.size() + 1) : "";
  Descriptor root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return failed(404, "no sandboxes yet: " + root + " does not exist");
  if (request.path == "/files/browse") return browse(root_fd.get(), relative, request, path);
  return read(root_fd.get(), relative, request, path);
}

// An error as the client asked for it: {"error": message}.
HttpResponse error_payload(const HttpRequest& request, int status, const std::string& message) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, ErrorAnswer{message});
  HttpResponse error = http_payload(request, std::string(buffer.data(), buffer.size()));
  error.status = status;
  return error;
}

std::string path_of(const HttpRequest& request) {
  auto found = request.query.find("path");
  return found == request.query.end() ? "" : found->second;
}

}  // namespace

HttpResponse serve_files(const std::string& root, const HttpRequest& request) {
  HttpResponse response = answer(root, request);
  if (response.status == 200) return response;
  return error_payload(request, response.status, response.body);
}

FileServer::FileServer(boost::asio::io_context& io, std::string root, FileServerOptions options)
    : root_(std::move(root)),
      options_(std::move(options)),
      pool_(io, DeadlinePoolOptions{.threads = options_.workers}) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

bool FileServer::serves(const std::string& path) {
  return path == "/files/read" || path == "/files/browse";
}

HttpResponse FileServer::handle(const HttpRequest& request) const {
  return options_.serve(root_, request);
}

void FileServer::handle_async(const HttpRequest& request,
                              std::function<void(HttpResponse)> respond) {
  // The work owns copies of what it reads: it may outlive this server.
  pool_.run<HttpResponse>(
      options_.deadline,
      [serve = options_.serve, root = root_, request] { return serve(root, request); },
      [request, respond = std::move(respond)](StatusOr<HttpResponse> response) {
        if (response) {
          respond(std::move(response).value());
          return;
        }
        const Status& why = response.status();
        if (why.kind() == ErrorKind::kTimeout) {
          respond(error_payload(request, 504,
                                "reading " + path_of(request) + " did not finish in time (" +
                                    why.message() +
                                    "; is its file system hung?); try again later"));
        } else if (why.kind() == ErrorKind::kUnavailable) {
          respond(error_payload(request, 503, "the agent is busy serving files: " + why.message()));
        } else {
          respond(error_payload(request, 500,
                                "cannot read " + path_of(request) + ": " + why.message()));
        }
      });
}

}  // namespace clusterctl
