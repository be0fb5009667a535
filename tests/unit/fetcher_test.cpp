// The fetcher against a real HTTP server on loopback (tests/support) and real
// files: every archive type, checksums, archives that try to escape the
// sandbox (by name, through links on disk, by hard links), size, entry and
// time limits (bombs, endless and trickling bodies), local files only below
// the allowed directories, content detection behind query strings, the
// cache (hits, eviction, concurrent fetches, damaged entries, restarts),
// stall timeouts, retries, clear messages for 404 and refused connections,
// cancellation.
#include <archive.h>
#include <archive_entry.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fetcher/fetcher.hpp"
#include "fetcher/sha256.hpp"
#include "tests/support/http_test_server.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

struct ArchiveItem {
  enum Type { kFile, kDirectory, kSymlink, kHardlink };
  std::string name;
  std::string content;  // files; link target for links
  Type type = kFile;
  int mode = 0644;
};

la_ssize_t write_to_string(struct archive*, void* out, const void* data, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

// An archive built in memory with libarchive: format "tar", "zip" or "raw"
// (one compressed file), filter "none", "gzip", "bzip2" or "xz".
std::string make_archive(const std::string& format, const std::string& filter,
                         const std::vector<ArchiveItem>& items) {
  struct archive* writer = archive_write_new();
  if (format == "zip") {
    archive_write_set_format_zip(writer);
  } else if (format == "raw") {
    archive_write_set_format_raw(writer);
  } else {
    archive_write_set_format_pax_restricted(writer);
  }
  if (filter == "gzip") archive_write_add_filter_gzip(writer);
  if (filter == "bzip2") archive_write_add_filter_bzip2(writer);
  if (filter == "xz") archive_write_add_filter_xz(writer);
  std::string out;
  archive_write_open(writer, &out, nullptr, write_to_string, nullptr);
  for (const ArchiveItem& item : items) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, item.name.c_str());
    archive_entry_set_perm(entry, item.mode);
    if (item.type == ArchiveItem::kFile) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, static_cast<la_int64_t>(item.content.size()));
    } else if (item.type == ArchiveItem::kDirectory) {
      archive_entry_set_filetype(entry, AE_IFDIR);
    } else if (item.type == ArchiveItem::kSymlink) {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, item.content.c_str());
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, item.content.c_str());
    }
    archive_write_header(writer, entry);
    if (item.type == ArchiveItem::kFile) {
      archive_write_data(writer, item.content.data(), item.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

UriInfo uri_of(const std::string& value) {
  UriInfo uri;
  uri.value = value;
  return uri;
}

UriInfo cached_uri(const std::string& value) {
  UriInfo uri = uri_of(value);
  uri.cache = true;
  return uri;
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("fetcher_test." + std::to_string(::getpid()) + "." +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    sandbox_ = root_ / "sandbox";
    fs::create_directories(sandbox_);
    options_.cache_dir = (root_ / "cache").string();
    options_.allowed_dirs = {root_.string()};
    options_.retries = 0;
    options_.retry_backoff = Duration(10);
    options_.stall_timeout = Duration(2000);
  }
  void TearDown() override { fs::remove_all(root_); }

  Status fetch(const std::vector<UriInfo>& uris, const fs::path& into = {}) {
    if (!fetcher_) {
      fetcher_ = std::make_unique<Fetcher>(options_);
      EXPECT_TRUE(fetcher_->open().is_ok());
    }
    return fetcher_->fetch(uris, (into.empty() ? sandbox_ : into).string(), FetchControl{});
  }

  fs::path root_;
  fs::path sandbox_;
  FetcherOptions options_;
  std::unique_ptr<Fetcher> fetcher_;
  HttpTestServer server_;
};

TEST_F(FetcherTest, ExtractsEveryArchiveType) {
  std::vector<ArchiveItem> items = {{"app", "", ArchiveItem::kDirectory, 0755},
                                    {"app/run", "#!/bin/sh\necho hi\n", ArchiveItem::kFile, 0755},
                                    {"app/data.txt", "data", ArchiveItem::kFile, 0644}};
  struct Kind {
    std::string name, format, filter;
  };
  for (const Kind& kind : {Kind{"a.tar", "tar", "none"}, Kind{"a.tar.gz", "tar", "gzip"},
                           Kind{"a.tgz", "tar", "gzip"}, Kind{"a.tar.bz2", "tar", "bzip2"},
                           Kind{"a.tar.xz", "tar", "xz"}, Kind{"a.zip", "zip", "none"}}) {
    SCOPED_TRACE(kind.name);
    fs::remove_all(sandbox_);
    fs::create_directories(sandbox_);
    server_.add("/" + kind.name, {200, make_archive(kind.format, kind.filter, items)});
    Status fetched = fetch({uri_of(server_.url("/" + kind.name))});
    ASSERT_TRUE(fetched.is_ok()) << fetched.message();
    EXPECT_EQ(read_file(sandbox_ / "app/run"), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(read_file(sandbox_ / "app/data.txt"), "data");
    EXPECT_EQ(fs::status(sandbox_ / "app/run").permissions() & fs::perms::owner_exec,
              fs::perms::owner_exec);
    EXPECT_FALSE(fs::exists(sandbox_ / kind.name)) << "an extracted archive is not kept";
    EXPECT_EQ(std::distance(fs::directory_iterator(sandbox_), fs::directory_iterator()), 1);
  }
}

TEST_F(FetcherTest, DecompressesAGzFile) {
  server_.add("/notes.txt.gz", {200, make_archive("raw", "gzip", {{"notes.txt", "hello gz"}})});
  ASSERT_TRUE(fetch({uri_of(server_.url("/notes.txt.gz"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "notes.txt"), "hello gz");
}

TEST_F(FetcherTest, PlainFilesGetTheirNameAndModeAndNoExtractKeepsArchives) {
  server_.add("/tool", {200, "#!/bin/sh\n"});
  std::string zip = make_archive("zip", "none", {{"x", "y"}});
  server_.add("/big.zip", {200, zip});
  UriInfo tool = uri_of(server_.url("/tool"));
  tool.executable = true;
  UriInfo renamed = uri_of(server_.url("/tool"));
  renamed.output_file = "other-name";
  UriInfo kept = uri_of(server_.url("/big.zip"));
  kept.extract = false;
  kept.output_file = "data.zip";
  ASSERT_TRUE(fetch({tool, renamed, kept}).is_ok());
  EXPECT_EQ(fs::status(sandbox_ / "tool").permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_EQ(fs::status(sandbox_ / "other-name").permissions() & fs::perms::all, fs::perms(0644));
  EXPECT_EQ(read_file(sandbox_ / "data.zip"), zip);
  EXPECT_FALSE(fs::exists(sandbox_ / "x"));
}

TEST_F(FetcherTest, ChecksTheSha256) {
  server_.add("/blob", {200, "content"});
  UriInfo good = uri_of(server_.url("/blob"));
  good.sha256 = sha256_hex("content");
  ASSERT_TRUE(fetch({good}).is_ok());
  fs::remove(sandbox_ / "blob");
  UriInfo bad = good;
  bad.sha256 = sha256_hex("something else");
  Status fetched = fetch({bad});
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_NE(fetched.message().find("checksum mismatch for '" + bad.value + "'"), std::string::npos)
      << fetched.message();
  EXPECT_NE(fetched.message().find(good.sha256), std::string::npos) << fetched.message();
  EXPECT_TRUE(fs::is_empty(sandbox_)) << "nothing is left of a failed fetch";
}

TEST_F(FetcherTest, RefusesArchivesThatEscapeTheSandbox) {
  std::vector<std::pair<std::string, std::vector<ArchiveItem>>> attacks = {
      {"dotdot", {{"../escaped", "x"}}},
      {"nested-dotdot", {{"a/../../escaped", "x"}}},
      {"absolute", {{(root_ / "escaped").string(), "x"}}},
      {"hardlink-out", {{"link", "../escaped", ArchiveItem::kHardlink}}},
      {"hardlink-absolute", {{"link", (root_ / "escaped").string(), ArchiveItem::kHardlink}}},
      {"hardlink-not-extracted", {{"link", "cache", ArchiveItem::kHardlink}}},
  };
  std::ofstream(root_ / "escaped") << "outside";
  for (const auto& [name, items] : attacks) {
    SCOPED_TRACE(name);
    server_.add("/" + name + ".tar", {200, make_archive("tar", "none", items)});
    Status fetched = fetch({uri_of(server_.url("/" + name + ".tar"))});
    ASSERT_FALSE(fetched.is_ok());
    EXPECT_NE(fetched.message().find("refusing to extract"), std::string::npos)
        << fetched.message();
    EXPECT_EQ(read_file(root_ / "escaped"), "outside");
    EXPECT_TRUE(fs::is_empty(sandbox_)) << "nothing is left of a refused archive";
  }
  // Links that stay inside are fine.
  server_.add("/inside.tar", {200, make_archive("tar", "none",
                                                {{"dir/file", "in"},
                                                 {"dir/link", "file", ArchiveItem::kSymlink},
                                                 {"top", "dir/file", ArchiveItem::kSymlink}})});
  ASSERT_TRUE(fetch({uri_of(server_.url("/inside.tar"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "top"), "in");
}

// Links on disk, however chained, never carry a write out of the sandbox:
// a canary directory next to it stays empty.
TEST_F(FetcherTest, WritesNothingThroughLinksOutOfTheSandbox) {
  fs::path canary = root_ / "canary";
  fs::create_directories(canary);
  std::vector<std::pair<std::string, std::vector<ArchiveItem>>> attacks = {
      {"dir-link-up", {{"up", "..", ArchiveItem::kSymlink}, {"up/canary/escaped", "through .."}}},
      {"absolute-link",
       {{"abs", canary.string(), ArchiveItem::kSymlink}, {"abs/escaped", "through /"}}},
      // Each link alone stays inside when read as text; on disk a/b/up is
      // the sandbox, so a/b/up/.. is its parent.
      {"chain",
       {{"a/b/up", "../..", ArchiveItem::kSymlink},
        {"out", "a/b/up/..", ArchiveItem::kSymlink},
        {"out/canary/escaped", "through a chain"}}},
      {"chain-dir",
       {{"a/b/up", "../..", ArchiveItem::kSymlink},
        {"out", "a/b/up/../canary", ArchiveItem::kSymlink},
        {"out/new", "", ArchiveItem::kDirectory, 0755}}},
      {"chain-hardlink",
       {{"a/b/up", "../..", ArchiveItem::kSymlink},
        {"out", "a/b/up/..", ArchiveItem::kSymlink},
        {"secret", "out/canary/secret", ArchiveItem::kHardlink}}},
      {"chain-link-in-link",
       {{"a/b/up", "../..", ArchiveItem::kSymlink},
        {"out", "a/b/up/..", ArchiveItem::kSymlink},
        {"out/canary/link", "/etc/passwd", ArchiveItem::kSymlink}}},
  };
  std::ofstream(canary / "secret") << "secret";
  for (const auto& [name, items] : attacks) {
    SCOPED_TRACE(name);
    server_.add("/" + name + ".tar", {200, make_archive("tar", "none", items)});
    Status fetched = fetch({uri_of(server_.url("/" + name + ".tar"))});
    ASSERT_FALSE(fetched.is_ok());
    EXPECT_NE(fetched.message().find("refusing to extract"), std::string::npos)
        << fetched.message();
    std::vector<std::string> found;
    for (const auto& item : fs::directory_iterator(canary)) found.push_back(item.path().filename());
    EXPECT_EQ(found, std::vector<std::string>{"secret"});
    EXPECT_EQ(read_file(canary / "secret"), "secret");
    EXPECT_TRUE(fs::is_empty(sandbox_)) << "nothing is left of a refused archive";
  }
}

TEST_F(FetcherTest, ReplacesLinksInsteadOfWritingThroughThem) {
  fs::path canary = root_ / "canary";
  fs::create_directories(canary);
  server_.add("/replace.tar",
              {200, make_archive("tar", "none",
                                 {{"a/b/up", "../..", ArchiveItem::kSymlink},
                                  {"x", "a/b/up/../canary/target", ArchiveItem::kSymlink},
                                  {"x", "replaced"},
                                  {"abs", "/etc/shadow", ArchiveItem::kSymlink}})});
  Status fetched = fetch({uri_of(server_.url("/replace.tar"))});
  ASSERT_TRUE(fetched.is_ok()) << fetched.message();
  EXPECT_TRUE(fs::is_empty(canary));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(sandbox_ / "x")));
  EXPECT_EQ(read_file(sandbox_ / "x"), "replaced");
  // A link may point anywhere: it is only data.
  EXPECT_EQ(fs::read_symlink(sandbox_ / "abs"), "/etc/shadow");
}

TEST_F(FetcherTest, ExtractsHardLinksWithinTheArchive) {
  // Made like release tarballs: tar stores the second name of an inode as a
  // hard link to the first.
  fs::path tree = root_ / "tree";
  fs::create_directories(tree / "pkg/bin");
  std::ofstream(tree / "pkg/bin/tool") << "#!/bin/sh\necho tool\n";
  fs::permissions(tree / "pkg/bin/tool", fs::perms(0755));
  fs::create_hard_link(tree / "pkg/bin/tool", tree / "pkg/bin/tool-alias");
  fs::path tarball = root_ / "pkg.tar.gz";
  std::string command = "tar -czf '" + tarball.string() + "' -C '" + tree.string() + "' .";
  ASSERT_EQ(std::system(command.c_str()), 0);
  server_.add("/pkg.tar.gz", {200, read_file(tarball)});
  Status fetched = fetch({uri_of(server_.url("/pkg.tar.gz"))});
  ASSERT_TRUE(fetched.is_ok()) << fetched.message();
  struct stat tool, alias;
  ASSERT_EQ(::lstat((sandbox_ / "pkg/bin/tool").c_str(), &tool), 0);
  ASSERT_EQ(::lstat((sandbox_ / "pkg/bin/tool-alias").c_str(), &alias), 0);
  EXPECT_EQ(tool.st_ino, alias.st_ino) << "one file, two names";
  EXPECT_EQ(tool.st_nlink, 2u);
  EXPECT_EQ(read_file(sandbox_ / "pkg/bin/tool-alias"), "#!/bin/sh\necho tool\n");
  EXPECT_EQ(tool.st_mode & 0777, 0755u);
}

// ---- Limits: size, entries, time ----

TEST_F(FetcherTest, StopsArchiveBombsAtTheLimit) {
  options_.max_size = 4 << 20;
  std::string zeros(32 << 20, '\0');
  server_.add("/bomb.tar.gz", {200, make_archive("tar", "gzip", {{"a", "x"}, {"zeros", zeros}})});
  server_.add("/bomb.zip", {200, make_archive("zip", "none", {{"zeros", zeros}})});
  server_.add("/bomb.gz", {200, make_archive("raw", "gzip", {{"zeros", zeros}})});
  std::vector<ArchiveItem> many;  // each file alone fits
  for (int i = 0; i < 8; ++i)
    many.push_back({"zeros" + std::to_string(i), zeros.substr(0, 1 << 20)});
  server_.add("/many.tar.gz", {200, make_archive("tar", "gzip", many)});
  for (const char* name : {"bomb.tar.gz", "bomb.zip", "bomb.gz", "many.tar.gz"}) {
    SCOPED_TRACE(name);
    Status fetched = fetch({uri_of(server_.url(std::string("/") + name))});
    ASSERT_FALSE(fetched.is_ok());
    EXPECT_EQ(fetched.message(),
              "cannot extract '" + std::string(name) + "': more than 4MB (--fetcher-max-size)");
    EXPECT_TRUE(fs::is_empty(sandbox_)) << "what the bomb wrote is removed";
  }
  // The task's disk, when smaller, is the limit.
  fetcher_ = std::make_unique<Fetcher>(options_);
  FetchControl control;
  control.disk_bytes = 1 << 20;
  Status fetched =
      fetcher_->fetch({uri_of(server_.url("/bomb.tar.gz"))}, sandbox_.string(), control);
  EXPECT_EQ(fetched.message(), "cannot extract 'bomb.tar.gz': more than 1MB (the task's disk)");
  // What is kept counts across the URIs of one fetch.
  server_.add("/half", {200, std::string(600 << 10, 'h')});
  UriInfo second = uri_of(server_.url("/half"));
  second.output_file = "half2";
  fetched = fetcher_->fetch({uri_of(server_.url("/half")), second}, sandbox_.string(), control);
  EXPECT_EQ(fetched.message(),
            "cannot fetch '" + second.value + "': more than 1MB (the task's disk)");
  EXPECT_TRUE(fs::is_empty(sandbox_));
}

TEST_F(FetcherTest, CapsArchiveEntries) {
  options_.max_entries = 100;
  std::vector<ArchiveItem> many;
  for (int i = 0; i < 300; ++i) many.push_back({"d/f" + std::to_string(i), ""});
  server_.add("/many.tar", {200, make_archive("tar", "none", many)});
  Status fetched = fetch({uri_of(server_.url("/many.tar"))});
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.message(),
            "cannot extract 'many.tar': more than 100 entries (--fetcher-max-entries)");
  EXPECT_TRUE(fs::is_empty(sandbox_));
}

TEST_F(FetcherTest, StopsAnEndlessBodyAtTheLimit) {
  options_.max_size = 8 << 20;
  HttpTestServer::Route endless{200, std::string(64 << 10, 'e')};
  endless.endless = true;
  server_.add("/endless", endless);
  std::string url = server_.url("/endless");
  Status fetched = fetch({uri_of(url)});
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(fetched.message(), "cannot fetch '" + url + "': more than 8MB (--fetcher-max-size)");
  EXPECT_TRUE(fs::is_empty(sandbox_)) << "the partial download is removed";
  // Through the cache: no partial entry is kept.
  fetched = fetch({cached_uri(url)});
  EXPECT_EQ(fetched.message(), "cannot fetch '" + url + "': more than 8MB (--fetcher-max-size)");
  EXPECT_TRUE(fs::is_empty(options_.cache_dir));
  EXPECT_EQ(fetcher_->cache_stats().entries, 0u);
  // A body announced larger than the limit is refused without reading it.
  server_.add("/large", {200, std::string(9 << 20, 'l')});
  fetched = fetch({uri_of(server_.url("/large"))});
  EXPECT_EQ(fetched.message(),
            "cannot fetch '" + server_.url("/large") + "': more than 8MB (--fetcher-max-size)");
  EXPECT_TRUE(fs::is_empty(sandbox_));
}

TEST_F(FetcherTest, EndsATrickleAtTheDeadline) {
  HttpTestServer::Route trickle{200, std::string(1000, 't')};
  trickle.bytes_per_second = 20;  // 50 s for the whole body; each byte resets the stall timer
  server_.add("/trickle", trickle);
  options_.timeout = Duration(1500);
  std::string url = server_.url("/trickle");
  Status fetched = fetch({uri_of(url)});
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.kind(), ErrorKind::kTimeout);
  EXPECT_EQ(fetched.message(),
            "cannot fetch '" + url + "': fetch timed out after 1500ms (--fetcher-timeout)");
  EXPECT_TRUE(fs::is_empty(sandbox_));
  // Retries and their backoff end at the deadline too.
  HttpTestServer::Route failing{200, "never"};
  failing.fail_first = 1000;
  server_.add("/failing", failing);
  options_.retries = 10;
  options_.retry_backoff = Duration(60000);
  fetcher_.reset();
  fetched = fetch({uri_of(server_.url("/failing"))});
  EXPECT_EQ(fetched.message(), "cannot fetch '" + server_.url("/failing") +
                                   "': fetch timed out after 1500ms (--fetcher-timeout)");
  EXPECT_EQ(server_.requests("/failing"), 1);
}

TEST_F(FetcherTest, FetchesLocalFilesOnlyBelowTheAllowedDirectories) {
  fs::path allowed = root_ / "allowed";
  fs::create_directories(allowed / "sub");
  std::ofstream(allowed / "sub/tool") << "tool";
  std::ofstream(root_ / "outside") << "outside";
  fs::create_symlink(root_ / "outside", allowed / "to-outside");
  fs::create_symlink("/etc/shadow", allowed / "to-shadow");
  fs::create_symlink("sub/tool", allowed / "to-tool");
  ASSERT_EQ(::mkfifo((allowed / "fifo").c_str(), 0600), 0);
  options_.allowed_dirs = {allowed.string() + "/"};
  auto message_of = [&](const std::string& value) { return fetch({uri_of(value)}).message(); };
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  ASSERT_TRUE(fetch({uri_of("file://" + (allowed / "sub/tool").string())}).is_ok());
  ASSERT_TRUE(fetch({uri_of((allowed / "to-tool").string())}).is_ok()) << "a link inside";
  EXPECT_EQ(read_file(sandbox_ / "to-tool"), "tool");
  std::string below = "is not below a directory of --fetcher-allowed-dirs";
  EXPECT_PRED2(has, message_of("file://" + (root_ / "outside").string()), below);
  EXPECT_PRED2(has, message_of("file:///etc/shadow"), below);
  EXPECT_PRED2(has, message_of("file://" + (allowed / "../outside").string()), "leads out of");
  EXPECT_PRED2(has, message_of("file://" + (allowed / "to-outside").string()), "leads out of");
  EXPECT_PRED2(has, message_of("file://" + (allowed / "to-shadow").string()), "leads out of");
  EXPECT_PRED2(has, message_of("file://" + (allowed / "fifo").string()),
               "it is a FIFO; only regular files are fetched");
  EXPECT_PRED2(has, message_of("file://" + (allowed / "sub").string()), "it is a directory");
  options_.allowed_dirs = {"/dev"};
  fetcher_.reset();
  EXPECT_PRED2(has, message_of("file:///dev/zero"), "it is a device");
  options_.allowed_dirs = {};
  fetcher_.reset();
  EXPECT_PRED2(has, message_of("file:///etc/shadow"),
               "this agent fetches no local files; start it with --fetcher-allowed-dirs");
  std::vector<std::string> left;
  for (const auto& item : fs::directory_iterator(sandbox_)) left.push_back(item.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"to-tool", "tool"}));
}

TEST_F(FetcherTest, LocalFilesCountAgainstTheLimit) {
  options_.max_size = 1 << 20;
  std::ofstream(root_ / "big") << std::string(3 << 20, 'b');
  Status fetched = fetch({uri_of("file://" + (root_ / "big").string())});
  EXPECT_EQ(fetched.message(), "cannot fetch 'file://" + (root_ / "big").string() +
                                   "': more than 1MB (--fetcher-max-size)");
  EXPECT_TRUE(fs::is_empty(sandbox_));
}

TEST_F(FetcherTest, KeepsTheTaskOutputNamesForTheTask) {
  server_.add("/logs.tar", {200, make_archive("tar", "none",
                                              {{"stdout", "/etc/passwd", ArchiveItem::kSymlink}})});
  Status fetched = fetch({uri_of(server_.url("/logs.tar"))});
  EXPECT_NE(fetched.message().find("entry 'stdout' takes the name of the task's own 'stdout'"),
            std::string::npos)
      << fetched.message();
  UriInfo named = uri_of(server_.url("/logs.tar"));
  named.output_file = "executor.log";
  named.extract = false;
  EXPECT_EQ(fetch({named}).kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(fs::is_empty(sandbox_));
}

TEST_F(FetcherTest, DetectsArchivesByContentBehindAQueryString) {
  server_.add("/download", {200, make_archive("tar", "gzip", {{"pkg/file", "from tgz"}})});
  ASSERT_TRUE(fetch({uri_of(server_.url("/download?id=5&token=abc"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "pkg/file"), "from tgz");
  server_.add("/get", {200, make_archive("zip", "none", {{"z/file", "from zip"}})});
  ASSERT_TRUE(fetch({uri_of(server_.url("/get?name=x"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "z/file"), "from zip");
  // Plain content behind a query string stays a file.
  server_.add("/text", {200, "just text"});
  ASSERT_TRUE(fetch({uri_of(server_.url("/text?v=1"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "text"), "just text");
}

TEST_F(FetcherTest, SaysWhatWentWrongWithTheUri) {
  Status missing = fetch({uri_of(server_.url("/missing.tar.gz"))});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.message(), "cannot fetch '" + server_.url("/missing.tar.gz") +
                                   "': the server answered HTTP 404 (Not Found)");
  EXPECT_EQ(server_.requests("/missing.tar.gz"), 1) << "a 404 is not retried";

  int probe = ::socket(AF_INET, SOCK_STREAM, 0);  // a port with nothing listening
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(probe);
  options_.retries = 1;
  fetcher_.reset();
  std::string refused = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/a";
  Status unreachable = fetch({uri_of(refused)});
  ASSERT_FALSE(unreachable.is_ok());
  EXPECT_EQ(unreachable.message().rfind("cannot fetch '" + refused + "': ", 0), 0)
      << unreachable.message();
  EXPECT_NE(unreachable.message().find("Couldn't connect"), std::string::npos)
      << unreachable.message();
  EXPECT_NE(unreachable.message().find("after 2 attempts"), std::string::npos)
      << unreachable.message();

  Status local = fetch({uri_of("file://" + (root_ / "nope").string())});
  EXPECT_EQ(local.kind(), ErrorKind::kNotFound);
  EXPECT_NE(local.message().find("No such file or directory"), std::string::npos);
}

TEST_F(FetcherTest, CutsAStalledDownload) {
  server_.add("/slow", {200, std::string(1 << 20, 'x'), 1000});
  options_.stall_timeout = Duration(500);
  auto start = std::chrono::steady_clock::now();
  Status fetched = fetch({uri_of(server_.url("/slow"))});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_EQ(fetched.kind(), ErrorKind::kTimeout);
  EXPECT_NE(fetched.message().find("no data arrived for 500ms (stall timeout)"), std::string::npos)
      << fetched.message();
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(FetcherTest, RetriesTransientFailuresWithBackoff) {
  HttpTestServer::Route flaky{200, "finally"};
  flaky.fail_first = 2;
  server_.add("/flaky", flaky);
  options_.retries = 3;
  ASSERT_TRUE(fetch({uri_of(server_.url("/flaky"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "flaky"), "finally");
  EXPECT_EQ(server_.requests("/flaky"), 3);
}

TEST_F(FetcherTest, CopiesLocalFilesAndPaths) {
  fs::path source = root_ / "source tool";
  std::ofstream(source) << "local";
  UriInfo by_uri = uri_of("file://" + (root_ / "source%20tool").string());
  by_uri.executable = true;
  UriInfo by_path = uri_of(source.string());
  by_path.output_file = "copy";
  ASSERT_TRUE(fetch({by_uri, by_path}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "source tool"), "local");
  EXPECT_EQ(read_file(sandbox_ / "copy"), "local");
}

TEST_F(FetcherTest, ReportsProgress) {
  server_.add("/blob", {200, std::string(300000, 'p')});
  fetcher_ = std::make_unique<Fetcher>(options_);
  std::vector<FetchProgress> seen;
  FetchControl control;
  control.progress = [&](const FetchProgress& progress) { seen.push_back(progress); };
  ASSERT_TRUE(fetcher_->fetch({uri_of(server_.url("/blob"))}, sandbox_.string(), control).is_ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().bytes, 300000u);
  EXPECT_EQ(seen.back().total, 300000u);
  EXPECT_EQ(describe_progress(seen.back()),
            "fetching " + server_.url("/blob") + ": 0.3 MB of 0.3 MB");
}

TEST_F(FetcherTest, CancelsADownload) {
  server_.add("/stuck", {200, std::string(1 << 20, 's'), 10});
  options_.stall_timeout = Duration(60000);
  fetcher_ = std::make_unique<Fetcher>(options_);
  std::atomic<bool> cancelled{false};
  FetchControl control;
  control.cancelled = &cancelled;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled = true;
    fetcher_->wake();
  });
  auto start = std::chrono::steady_clock::now();
  Status fetched = fetcher_->fetch({uri_of(server_.url("/stuck"))}, sandbox_.string(), control);
  canceller.join();
  EXPECT_EQ(fetched.kind(), ErrorKind::kFailedPrecondition) << fetched.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// ---- The cache ----

UriInfo cached(const std::string& value) {
  UriInfo uri = uri_of(value);
  uri.cache = true;
  return uri;
}

TEST_F(FetcherTest, CacheServesARepeatedUriWithoutDownloading) {
  // One archive for both: gzip stamps the time, so a second one may differ.
  std::string archive = make_archive("tar", "gzip", {{"pkg/bin", "binary"}});
  server_.add("/pkg.tar.gz", {200, archive});
  fs::path second = root_ / "second";
  fs::create_directories(second);
  ASSERT_TRUE(fetch({cached(server_.url("/pkg.tar.gz"))}).is_ok());
  ASSERT_TRUE(fetch({cached(server_.url("/pkg.tar.gz"))}, second).is_ok());
  EXPECT_EQ(read_file(second / "pkg/bin"), "binary");
  EXPECT_EQ(server_.requests("/pkg.tar.gz"), 1);
  FetcherCache::Stats stats = fetcher_->cache_stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  // Another checksum is another entry.
  UriInfo checked = cached(server_.url("/pkg.tar.gz"));
  checked.sha256 = sha256_hex(archive);
  ASSERT_TRUE(fetch({checked}, second).is_ok());
  EXPECT_EQ(server_.requests("/pkg.tar.gz"), 2);
}

TEST_F(FetcherTest, CacheEvictsTheLeastRecentlyUsed) {
  options_.cache_size = 250000;
  for (const char* name : {"/a", "/b", "/c"})
    server_.add(name, {200, std::string(100000, name[1])});
  ASSERT_TRUE(fetch({cached(server_.url("/a"))}).is_ok());
  ASSERT_TRUE(fetch({cached(server_.url("/b"))}).is_ok());
  ASSERT_TRUE(fetch({cached(server_.url("/a"))}).is_ok());  // a is now more recent than b
  ASSERT_TRUE(fetch({cached(server_.url("/c"))}).is_ok());  // no room for three: b goes
  EXPECT_EQ(fetcher_->cache_stats().evictions, 1u);
  EXPECT_LE(fetcher_->cache_stats().bytes, 250000u);
  ASSERT_TRUE(fetch({cached(server_.url("/a"))}).is_ok());
  ASSERT_TRUE(fetch({cached(server_.url("/b"))}).is_ok());
  EXPECT_EQ(server_.requests("/a"), 1);
  EXPECT_EQ(server_.requests("/b"), 2);
  // Larger than the whole cache: served, not kept.
  server_.add("/huge", {200, std::string(300000, 'h')});
  ASSERT_TRUE(fetch({cached(server_.url("/huge"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "huge").size(), 300000u);
  EXPECT_LE(fetcher_->cache_stats().bytes, 250000u);
}

TEST_F(FetcherTest, ConcurrentFetchesOfOneUriShareOneDownload) {
  HttpTestServer::Route slow{200, "shared"};
  slow.delay_millis = 500;
  server_.add("/shared", slow);
  fetcher_ = std::make_unique<Fetcher>(options_);
  ASSERT_TRUE(fetcher_->open().is_ok());
  std::vector<fs::path> sandboxes;
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) sandboxes.push_back(root_ / ("s" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) {
    fs::create_directories(sandboxes[i]);
    threads.emplace_back([&, i] {
      results[i] = fetcher_->fetch({cached(server_.url("/shared"))}, sandboxes[i].string(), {});
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(results[i].is_ok()) << results[i].message();
    EXPECT_EQ(read_file(sandboxes[i] / "shared"), "shared");
  }
  EXPECT_EQ(server_.requests("/shared"), 1);
}

TEST_F(FetcherTest, CacheNeverServesADamagedEntry) {
  server_.add("/file", {200, "0123456789"});
  UriInfo checked = cached(server_.url("/file"));
  checked.sha256 = sha256_hex("0123456789");
  ASSERT_TRUE(fetch({checked, cached(server_.url("/file"))}).is_ok());
  EXPECT_EQ(server_.requests("/file"), 2);  // two keys: with and without the checksum
  for (const auto& item : fs::directory_iterator(options_.cache_dir)) {
    if (item.path().extension() != ".meta") continue;
    bool has_checksum = read_file(item.path()).find("sha256 -") == std::string::npos;
    fs::path data = item.path();
    data.replace_extension(".data");
    // Same size, other bytes: only the checksum can tell. Truncated: the size tells.
    std::ofstream(data, std::ios::binary | std::ios::trunc) << (has_checksum ? "9876543210" : "01");
  }
  ASSERT_TRUE(fetch({checked, cached(server_.url("/file"))}).is_ok());
  EXPECT_EQ(read_file(sandbox_ / "file"), "0123456789");
  EXPECT_EQ(server_.requests("/file"), 4);
}

TEST_F(FetcherTest, CacheSurvivesARestartAndDropsPartialFiles) {
  server_.add("/kept", {200, "kept"});
  ASSERT_TRUE(fetch({cached(server_.url("/kept"))}).is_ok());
  fetcher_.reset();
  std::ofstream(fs::path(options_.cache_dir) / ".partial-abc-p") << "half";
  std::ofstream(fs::path(options_.cache_dir) / "orphan.data") << "no metadata";
  ASSERT_TRUE(fetch({cached(server_.url("/kept"))}).is_ok());
  EXPECT_EQ(server_.requests("/kept"), 1);
  EXPECT_FALSE(fs::exists(fs::path(options_.cache_dir) / ".partial-abc-p"));
  EXPECT_FALSE(fs::exists(fs::path(options_.cache_dir) / "orphan.data"));
}

}  // namespace
}  // namespace clusterctl
