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
  MSGPACK_DEFINE_MAP(path, entries);
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
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

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
  return "other";
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

}  // namespace

FileServer::FileServer(boost::asio::io_context& io, std::string root)
    : root_(std::move(root)), pool_(io, 1) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

void FileServer::handle_async(const HttpRequest& request,
                              std::function<void(HttpResponse)> respond) {
  pool_.run<HttpResponse>([this, request] { return handle(request); }, std::move(respond));
}

bool FileServer::serves(const std::string& path) {
  return path == "/files/read" || path == "/files/browse";
}

HttpResponse FileServer::handle(const HttpRequest& request) const {
  HttpResponse response = answer(request);
  if (response.status == 200) return response;
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, ErrorAnswer{response.body});
  HttpResponse error = http_payload(request, std::string(buffer.data(), buffer.size()));
  error.status = response.status;
  return error;
}

HttpResponse FileServer::answer(const HttpRequest& request) const {
  auto path_param = request.query.find("path");
  if (path_param == request.query.end() || path_param->second.empty()) {
    return failed(400, "give the file with ?path=ABSOLUTE_PATH (below " + root_ + ")");
  }
  const std::string& path = path_param->second;
  if (path != root_ && path.rfind(root_ + "/", 0) != 0) {
    return failed(403, path + " is not below the sandbox root " + root_);
  }
  std::string relative = path.size() > root_.size() ? path.substr(root_.size() + 1) : "";
  Descriptor root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return failed(404, "no sandboxes yet: " + root_ + " does not exist");

  if (request.path == "/files/browse") {
    Descriptor dir(open_beneath(root.get(), relative, O_RDONLY | O_DIRECTORY));
    if (dir.get() < 0) return open_error(path);
    DIR* stream = ::fdopendir(dir.get());
    if (stream == nullptr) return open_error(path);
    dir.release();
    BrowseAnswer answer;
    answer.path = path;
    while (struct dirent* item = ::readdir(stream)) {
      std::string name = item->d_name;
      if (name == "." || name == "..") continue;
      struct stat info;
      if (::fstatat(::dirfd(stream), item->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
      std::string child = path == "/" ? "/" + name : path + "/" + name;
      answer.entries.push_back(
          {name, child, type_of(info.st_mode), static_cast<int64_t>(info.st_size),
           static_cast<double>(info.st_mtim.tv_sec) + info.st_mtim.tv_nsec / 1e9,
           static_cast<uint32_t>(info.st_mode & 07777)});
    }
    ::closedir(stream);
    std::sort(answer.entries.begin(), answer.entries.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.name < b.name; });
    return encode(request, answer);
  }

  auto offset = number_param(request, "offset", 0);
  auto length = number_param(request, "length", static_cast<int64_t>(kMaxFileReadBytes));
  if (!offset) return failed(400, offset.status().message());
  if (!length) return failed(400, length.status().message());
  if (*offset < -1 || *length < 0) return failed(400, "offset and length must not be negative");
  Descriptor file(open_beneath(root.get(), relative, O_RDONLY));
  if (file.get() < 0) return open_error(path);
  struct stat info;
  if (::fstat(file.get(), &info) != 0) return open_error(path);
  if (S_ISDIR(info.st_mode)) return failed(400, path + " is a directory; use /files/browse");
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

}  // namespace clusterctl
