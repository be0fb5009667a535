// clusterctl sandbox ls|cat: a task's sandbox, listed or one file printed,
// read through the agent's /files endpoints (cmd/task_sandbox.*).
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <map>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/table.hpp"
#include "cmd/task_sandbox.hpp"
#include "core/json.hpp"
#include "daemons/agent/file_server.hpp"

namespace clusterctl::cmd {

namespace {

std::string mode_text(const SandboxEntry& entry) {
  static const std::map<std::string, std::string> kLetters = {
      {"directory", "d"}, {"link", "l"},        {"fifo", "p"},
      {"socket", "s"},    {"char_device", "c"}, {"block_device", "b"}};
  auto letter = kLetters.find(entry.type);
  std::string text = letter == kLetters.end() ? "-" : letter->second;
  const char* letters = "rwxrwxrwx";
  for (int bit = 0; bit < 9; ++bit) text += (entry.mode & (0400u >> bit)) ? letters[bit] : '-';
  return text;
}

std::string time_text(double seconds) {
  std::time_t time = static_cast<std::time_t>(seconds);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", std::localtime(&time));
  return text;
}

void add_common(CLI::App& app, SandboxOptions& options, bool path_required) {
  add_master_flag(app, options.master);
  add_tls_client_flag(app);
  app.add_option("TASK_ID", options.task_id, "The task (its id, or a unique prefix of it)")
      ->type_name("ID")
      ->required();
  app.add_option("PATH", options.path, "A path inside the sandbox")
      ->type_name("PATH")
      ->required(path_required)
      ->check(make_validator(check_sandbox_path));
  add_duration_flag(app, "--timeout", options.timeout,
                    "Give up when the master or the agent has not answered by then");
}

StatusOr<TaskSandbox> locate(const SandboxOptions& options, const char* command) {
  auto sandbox = find_task_sandbox(options.master, options.task_id, options.timeout);
  if (!sandbox) print_error(command, sandbox.status().message());
  return sandbox;
}

}  // namespace

void setup_sandbox(CLI::App& app) {
  app.require_subcommand(1);
  CLI::App* ls = app.add_subcommand("ls", "List a directory of a task's sandbox");
  auto ls_options = std::make_shared<SandboxOptions>();
  add_common(*ls, *ls_options, false);
  ls->add_flag("--json", ls_options->json,
               "Print JSON ({\"entries\": [...]}, stable field names), not a table");
  set_run(*ls, ls_options, &run_sandbox_ls);

  CLI::App* cat = app.add_subcommand("cat", "Print a file of a task's sandbox");
  auto cat_options = std::make_shared<SandboxOptions>();
  add_common(*cat, *cat_options, true);
  set_run(*cat, cat_options, &run_sandbox_cat);
}

int run_sandbox_ls(const SandboxOptions& options) {
  auto sandbox = locate(options, "sandbox ls");
  if (!sandbox) return 1;
  auto entries = list_sandbox(*sandbox, options.path, options.timeout);
  if (!entries) {
    print_error("sandbox ls", entries.status().message());
    return 1;
  }
  if (options.json) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    packer.pack_map(1);
    packer.pack(std::string("entries"));
    packer.pack_array(static_cast<uint32_t>(entries->size()));
    for (const SandboxEntry& entry : *entries) {
      packer.pack_map(5);
      packer.pack(std::string("name")), packer.pack(entry.name);
      packer.pack(std::string("type")), packer.pack(entry.type);
      packer.pack(std::string("size")), packer.pack(entry.size);
      packer.pack(std::string("mtime")), packer.pack(entry.mtime);
      packer.pack(std::string("mode")), packer.pack(entry.mode);
    }
    msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
    std::cout << to_json(handle.get(), true) << "\n";
    return 0;
  }
  Table table({"mode", "size", "modified", "name"});
  for (const SandboxEntry& entry : *entries) {
    table.add_row({mode_text(entry), std::to_string(entry.size), time_text(entry.mtime),
                   entry.name + (entry.type == "directory" ? "/" : "")});
  }
  std::cout << (table.empty() ? "Empty directory.\n" : table.render());
  return 0;
}

int run_sandbox_cat(const SandboxOptions& options) {
  auto sandbox = locate(options, "sandbox cat");
  if (!sandbox) return 1;
  int64_t offset = 0;
  for (;;) {
    auto chunk = read_sandbox_file(*sandbox, options.path, offset,
                                   static_cast<int64_t>(kMaxFileReadBytes), options.timeout);
    if (!chunk) {
      print_error("sandbox cat", chunk.status().message());
      return 1;
    }
    for (size_t done = 0; done < chunk->data.size();) {
      ssize_t written =
          ::write(STDOUT_FILENO, chunk->data.data() + done, chunk->data.size() - done);
      if (written <= 0) return 1;
      done += static_cast<size_t>(written);
    }
    offset += static_cast<int64_t>(chunk->data.size());
    if (chunk->data.empty() || offset >= chunk->size) return 0;
  }
}

}  // namespace clusterctl::cmd
