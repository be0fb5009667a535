// Where cgroup controllers are: parsing /proc/self/mountinfo on hybrid (v1)
// and pure cgroup v2 hosts, and which hierarchy serves a controller.
#include <gtest/gtest.h>

#include "plugins/isolators/cgroups/cgroup_files.hpp"
#include "plugins/isolators/cgroups/cgroup_mounts.hpp"

namespace clusterctl {
namespace {

const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n"
    "50 23 0:50 / /mnt/my\\040mounts rw - cgroup cgroup rw,pids\n";

const char* kPureV2 =
    "25 20 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(CgroupMountsTest, ParsesV1AndV2Mounts) {
  auto mounts = parse_cgroup_mounts(kHybrid);
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[0].path, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(mounts[2].controllers, (std::vector<std::string>{}));  // name=systemd is no controller
  EXPECT_EQ(mounts[3].version, CgroupVersion::kV2);
  EXPECT_EQ(mounts[4].path, "/mnt/my mounts");  // \040 is a space
}

TEST(CgroupMountsTest, PrefersAV1HierarchyAndFallsBackToV2) {
  auto none = [](const std::string&) { return std::string(); };
  auto memory = find_controller_mount(parse_cgroup_mounts(kHybrid), "memory", none);
  ASSERT_TRUE(memory.is_ok());
  EXPECT_EQ(memory->path, "/sys/fs/cgroup/memory");
  EXPECT_EQ(memory->version, CgroupVersion::kV1);
  auto cpuacct = find_controller_mount(parse_cgroup_mounts(kHybrid), "cpuacct", none);
  ASSERT_TRUE(cpuacct.is_ok());
  EXPECT_EQ(cpuacct->path, "/sys/fs/cgroup/cpu,cpuacct");

  auto offered = [](const std::string& path) {
    return path == "/sys/fs/cgroup" ? std::string("cpuset cpu io memory pids\n") : "";
  };
  auto v2 = find_controller_mount(parse_cgroup_mounts(kPureV2), "pids", offered);
  ASSERT_TRUE(v2.is_ok());
  EXPECT_EQ(v2->version, CgroupVersion::kV2);
  auto missing = find_controller_mount(parse_cgroup_mounts(kPureV2), "hugetlb", offered);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("'hugetlb' cgroup controller is not mounted"),
            std::string::npos);
}

TEST(CgroupMountsTest, ReadsKeyedFiles) {
  auto values = parse_keyed_values("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  EXPECT_EQ(values["oom_kill"], 2);
  EXPECT_EQ(values.count("missing"), 0u);
}

}  // namespace
}  // namespace clusterctl
