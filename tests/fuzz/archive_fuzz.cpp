// Fuzzes what fetched archives may hold (fetcher/archive.hpp). The first byte
// picks the mode:
//   even: an entry name: normal_entry_path must give a path that stays below
//         the destination, path-wise, or refuse it (empty);
//   odd:  the rest is an archive (the second byte picks tar, zip, gzip or
//         "compressed") extracted into a fresh directory through a SandboxDir
//         with a small budget: afterwards nothing outside it has changed (links
//         inside may point anywhere, but nothing was written through them), no
//         file is a hard link to a file outside, no file kept a set-id bit, and
//         the directory holds no more than the budget's bytes.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fetcher/archive.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;
namespace fs = std::filesystem;

namespace {

// Whether `path` (under the made-up root "/d") stays below "/d", lexically.
bool lexically_inside(const std::string& path) {
  std::string normal = fs::path("/d/" + path).lexically_normal().string();
  return normal == "/d" || normal == "/d/" || normal.rfind("/d/", 0) == 0;
}

void check_names(const std::string& name) {
  std::string normal = normal_entry_path(name);
  if (normal.empty()) return;
  FUZZ_CHECK(lexically_inside(normal), name);
  FUZZ_CHECK(fs::path("/d/" + normal).lexically_normal() != fs::path("/d/"), name);
  FUZZ_CHECK(normal.front() != '/' && normal.back() != '/', name);
}

constexpr uint64_t kBudgetBytes = 1 << 20;

// The playground: ROOT/outside/keep must survive every archive; ROOT/dest is
// where archives go.
struct Playground {
  fs::path root;
  fs::path dest;
  fs::path keep;
  Playground() {
    char pattern[] = "/tmp/clusterctl-archive-fuzz.XXXXXX";
    root = fs::path(mkdtemp(pattern));
    dest = root / "dest";
    keep = root / "outside" / "keep";
    fs::create_directories(keep.parent_path());
    std::ofstream(keep) << "keep";
  }
  ~Playground() { fs::remove_all(root); }
};

Playground& playground() {
  static Playground instance;
  return instance;
}

void check_tree(const Playground& place) {
  // Nothing new next to dest, outside/keep untouched and not linked.
  for (const auto& entry : fs::recursive_directory_iterator(place.root)) {
    const fs::path& path = entry.path();
    if (path == place.dest || path.string().rfind(place.dest.string() + "/", 0) == 0) continue;
    FUZZ_CHECK(path == place.keep || path == place.keep.parent_path(), path.string());
  }
  struct stat kept;
  FUZZ_CHECK(lstat(place.keep.c_str(), &kept) == 0 && S_ISREG(kept.st_mode), "keep is gone");
  FUZZ_CHECK(kept.st_nlink == 1 && kept.st_size == 4, "keep was linked or changed");
  if (!fs::exists(place.dest)) return;
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(place.dest)) {
    std::string relative = entry.path().lexically_relative(place.dest).string();
    struct stat info;
    FUZZ_CHECK(lstat(entry.path().c_str(), &info) == 0, relative);
    FUZZ_CHECK((info.st_mode & (S_ISUID | S_ISGID)) == 0, relative + " kept a set-id bit");
    if (S_ISREG(info.st_mode)) bytes += static_cast<uint64_t>(info.st_size);
  }
  FUZZ_CHECK(bytes <= kBudgetBytes, "the archive expanded past its budget");
}

void check_extraction(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static constexpr ArchiveKind kKinds[] = {ArchiveKind::kTar, ArchiveKind::kZip, ArchiveKind::kGzip,
                                           ArchiveKind::kUnknownCompressed};
  ArchiveKind kind = kKinds[data[0] % 4];
  Playground& place = playground();
  fs::remove_all(place.dest);
  fs::create_directory(place.dest);
  int fd = memfd_create("archive", 0);
  FUZZ_CHECK(fd >= 0, "memfd_create");
  FUZZ_CHECK(write(fd, data + 1, size - 1) == static_cast<ssize_t>(size - 1), "write");
  lseek(fd, 0, SEEK_SET);
  auto sandbox = SandboxDir::open(place.dest.string());
  FUZZ_CHECK(sandbox.is_ok(), sandbox.status().message());
  FetchBudget budget(kBudgetBytes, "the fuzzer's budget", 1000, Duration(10000));
  (void)extract_archive(fd, kind, "fuzz", *sandbox, "output", budget);
  close(fd);
  check_tree(place);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 2 == 0) {
    check_names(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    check_extraction(data + 1, size - 1);
  }
  return 0;
}
