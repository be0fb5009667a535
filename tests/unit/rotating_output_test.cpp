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

}  // namespace
}  // namespace clusterctl
