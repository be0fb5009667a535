#include "plugins/isolators/cgroups/cgroup_mounts.hpp"

#include <sstream>

#include "plugins/isolators/cgroups/cgroup_files.hpp"

namespace clusterctl {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      std::string octal = field.substr(i + 1, 3);
      if (octal.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(octal, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) out.push_back(word);
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  for (const std::string& entry : list) {
    if (entry == item) return true;
  }
  return false;
}

}  // namespace

std::vector<CgroupMount> parse_cgroup_mounts(const std::string& mountinfo) {
  std::vector<CgroupMount> mounts;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields = split(line, ' ');
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 > fields.size()) continue;
    const std::string& type = fields[dash + 1];
    CgroupMount mount;
    mount.path = unescape(fields[4]);
    if (type == "cgroup2") {
      mount.version = CgroupVersion::kV2;
    } else if (type == "cgroup") {
      mount.version = CgroupVersion::kV1;
      for (const std::string& option : split(fields[dash + 3], ',')) {
        if (option != "rw" && option != "ro" && option.find('=') == std::string::npos) {
          mount.controllers.push_back(option);
        }
      }
    } else {
      continue;
    }
    mounts.push_back(mount);
  }
  return mounts;
}

StatusOr<CgroupMount> find_controller_mount(
    const std::vector<CgroupMount>& mounts, const std::string& controller,
    const std::function<std::string(const std::string&)>& v2_controllers) {
  for (const CgroupMount& mount : mounts) {
    if (mount.version == CgroupVersion::kV1 && contains(mount.controllers, controller)) {
      return mount;
    }
  }
  for (const CgroupMount& mount : mounts) {
    if (mount.version != CgroupVersion::kV2) continue;
    if (contains(words(v2_controllers(mount.path)), controller)) {
      return mount;
    }
  }
  return Status::not_found("the '" + controller +
                           "' cgroup controller is not mounted on this machine (neither a cgroup "
                           "v1 hierarchy nor cgroup v2 offers it): use posix isolation instead");
}

StatusOr<CgroupMount> find_controller_mount(const std::string& controller) {
  auto mountinfo = read_cgroup_file("/proc/self/mountinfo");
  if (!mountinfo) return mountinfo.status();
  return find_controller_mount(parse_cgroup_mounts(*mountinfo), controller,
                               [](const std::string& path) {
                                 auto text = read_cgroup_file(path + "/cgroup.controllers");
                                 return text ? *text : std::string();
                               });
}

}  // namespace clusterctl
