// A task's output through a pipe into rotated sandbox files.
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

}  // namespace
}  // namespace clusterctl
