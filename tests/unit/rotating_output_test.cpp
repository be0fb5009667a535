// A task's output through a pipe into rotated sandbox files.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/asio.hpp"
#include "daemons/executor/rotating_output.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RotatingOutputTest, RotatesPastTheSizeAndKeepsN) {
  fs::path dir = fs::temp_directory_path() / ("rotating_output_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  asio::io_context io;
  RotatingOutput output(io, (dir / "stdout").string(), 100, 2);
  auto pipe = output.open();
  ASSERT_TRUE(pipe.is_ok()) << pipe.status().message();
  int writer = ::dup(*pipe);
  output.start();
  for (int i = 0; i < 5; ++i) {
    std::string chunk(60, static_cast<char>('a' + i));
    ASSERT_EQ(::write(writer, chunk.data(), chunk.size()), 60);
    io.run_for(std::chrono::milliseconds(50));
  }
  std::string tail = "end\n";
  ASSERT_EQ(::write(writer, tail.data(), tail.size()), 4);
  output.drain();  // the writer is still open: drain does not wait for it
  ::close(writer);
  EXPECT_EQ(read_file(dir / "stdout"), std::string(60, 'e') + "end\n");
  EXPECT_EQ(read_file(dir / "stdout.1"), std::string(60, 'd'));
  EXPECT_EQ(read_file(dir / "stdout.2"), std::string(60, 'c'));
  EXPECT_FALSE(fs::exists(dir / "stdout.3"));
  fs::remove_all(dir);
}

TEST(RotatingOutputTest, EndsFilesAtLineEndsAndNeverPastTheSize) {
  fs::path dir = fs::temp_directory_path() / ("rotating_lines_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  asio::io_context io;
  RotatingOutput output(io, (dir / "out").string(), 10, 5);
  auto pipe = output.open();
  ASSERT_TRUE(pipe.is_ok());
  int writer = ::dup(*pipe);
  output.start();
  std::string lines = "aaaa\nbbbb\ncccc\n";
  ASSERT_EQ(::write(writer, lines.data(), lines.size()), 15);
  output.drain();
  ::close(writer);
  EXPECT_EQ(read_file(dir / "out.1"), "aaaa\nbbbb\n");
  EXPECT_EQ(read_file(dir / "out"), "cccc\n");

  RotatingOutput long_lines(io, (dir / "long").string(), 10, 5);
  pipe = long_lines.open();
  ASSERT_TRUE(pipe.is_ok());
  writer = ::dup(*pipe);
  long_lines.start();
  std::string line(25, 'x');
  ASSERT_EQ(::write(writer, line.data(), line.size()), 25);
  long_lines.drain();
  ::close(writer);
  EXPECT_EQ(read_file(dir / "long.2"), std::string(10, 'x'));
  EXPECT_EQ(read_file(dir / "long.1"), std::string(10, 'x'));
  EXPECT_EQ(read_file(dir / "long"), std::string(5, 'x'));
  fs::remove_all(dir);
}

// The task owns its sandbox: before a rotation it replaces its stdout with a
// link to a file outside (and makes stdout.1 and stdout.2 directories that
// are not empty, so that no rename can move the link away). The executor, root, must not append to
// where the link leads: the output is dropped instead.
TEST(RotatingOutputTest, NeverWritesThroughALinkPlantedBeforeARotation) {
  fs::path dir = fs::temp_directory_path() / ("rotating_link_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sandbox");
  for (std::string kind : {"symlink", "hardlink", "fifo"}) {
    fs::path canary = dir / ("canary-" + kind);
    { std::ofstream(canary) << "canary\n"; }
    fs::path out = dir / "sandbox" / kind;
    asio::io_context io;
    RotatingOutput output(io, out.string(), 100, 2);
    auto pipe = output.open();
    ASSERT_TRUE(pipe.is_ok()) << pipe.status().message();
    int writer = ::dup(*pipe);
    output.start();
    std::string first(60, 'a');
    ASSERT_EQ(::write(writer, first.data(), first.size()), 60);
    io.run_for(std::chrono::milliseconds(50));
    // The task's move.
    fs::remove(out);
    if (kind == "symlink") fs::create_symlink(canary, out);
    if (kind == "hardlink") fs::create_hard_link(canary, out);
    if (kind == "fifo") {
      ASSERT_EQ(::mkfifo(out.c_str(), 0644), 0);
    }
    for (const char* kept : {".1", ".2"}) fs::create_directories(out.string() + kept + "/x");
    std::string second(60, 'b');
    ASSERT_EQ(::write(writer, second.data(), second.size()), 60);  // past 100: a rotation
    output.drain();
    ::close(writer);
    EXPECT_EQ(read_file(canary), "canary\n") << kind;
    EXPECT_TRUE(fs::is_directory(out.string() + ".1")) << kind;
  }
  fs::remove_all(dir);
}

// Directories in the way of every rename: the full file cannot be rotated.
// The output is dropped (logged) rather than the copy spinning forever.
TEST(RotatingOutputTest, ARotationThatCannotRenameDropsTheOutputInsteadOfSpinning) {
  fs::path dir = fs::temp_directory_path() / ("rotating_stuck_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* kept : {"stdout.1/x", "stdout.2/x"}) fs::create_directories(dir / kept);
  asio::io_context io;
  RotatingOutput output(io, (dir / "stdout").string(), 100, 2);
  auto pipe = output.open();
  ASSERT_TRUE(pipe.is_ok()) << pipe.status().message();
  int writer = ::dup(*pipe);
  output.start();
  std::string line = std::string(29, 'a') + "\n";
  for (int i = 0; i < 4; ++i) ASSERT_EQ(::write(writer, line.data(), line.size()), 30);
  output.drain();  // returns: before the fix, it rotated forever
  ::close(writer);
  // Three lines fit; the fourth, and all after it, are dropped.
  EXPECT_EQ(read_file(dir / "stdout"), line + line + line);
  EXPECT_TRUE(fs::is_directory(dir / "stdout.1" / "x"));
  fs::remove_all(dir);
}

// A link already there when the output is first opened is refused too.
TEST(RotatingOutputTest, RefusesALinkAtTheFirstOpen) {
  fs::path dir = fs::temp_directory_path() / ("rotating_first_test." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sandbox");
  { std::ofstream(dir / "canary") << "canary\n"; }
  fs::create_symlink(dir / "canary", dir / "sandbox" / "stdout");
  asio::io_context io;
  RotatingOutput output(io, (dir / "sandbox" / "stdout").string(), 100, 2);
  auto pipe = output.open();
  ASSERT_FALSE(pipe.is_ok());
  EXPECT_NE(pipe.status().message().find("symbolic link"), std::string::npos)
      << pipe.status().message();
  EXPECT_EQ(read_file(dir / "canary"), "canary\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace clusterctl
