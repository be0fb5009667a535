// The pure parts around containers: --uri specs, archive kinds and entry
// checks, resource limits, --isolation lists and plugin paths, usage maps,
// fetch progress text.
#include <gtest/gtest.h>

#include "core/rlimits.hpp"
#include "core/task_usage.hpp"
#include "daemons/agent/isolation.hpp"
#include "daemons/agent/isolator.hpp"
#include "fetcher/archive.hpp"
#include "fetcher/fetcher.hpp"
#include "fetcher/uri_spec.hpp"

namespace clusterctl {
namespace {

TEST(UriSpecTest, ParsesOptions) {
  auto uri = parse_uri_spec("https://host/big.zip,cache,sha256=" + std::string(64, 'A') +
                            ",output=data.zip,no-extract");
  ASSERT_TRUE(uri.is_ok()) << uri.status().message();
  EXPECT_EQ(uri->value, "https://host/big.zip");
  EXPECT_TRUE(uri->cache);
  EXPECT_FALSE(uri->extract);
  EXPECT_FALSE(uri->executable);
  EXPECT_EQ(uri->sha256, std::string(64, 'a'));
  EXPECT_EQ(uri->output_file, "data.zip");
  auto tool = parse_uri_spec("file:///tmp/tool,executable");
  ASSERT_TRUE(tool.is_ok());
  EXPECT_TRUE(tool->executable);
  EXPECT_TRUE(tool->extract);
  EXPECT_EQ(*uri_file_name(*tool), "tool");
}

TEST(UriSpecTest, RefusesWhatCannotBeFetchedSafely) {
  for (const char* bad :
       {"ftp://host/x", "relative/path", "http://host/x,exec", "http://host/x,sha256=abc",
        "http://host/x,output=../x", "http://host/x,output=a/b", "http://host/", ""}) {
    EXPECT_FALSE(parse_uri_spec(bad).is_ok()) << bad;
  }
  EXPECT_NE(parse_uri_spec("http://h/x,exec").status().message().find("unknown option 'exec'"),
            std::string::npos);
}

TEST(UriSpecTest, NamesAndLocalPaths) {
  UriInfo uri;
  uri.value = "http://h/dir/app%20v2.tar.gz?token=x#frag";
  EXPECT_EQ(*uri_file_name(uri), "app v2.tar.gz");
  EXPECT_TRUE(uri_has_query(uri.value));
  EXPECT_EQ(uri_local_path("file:///tmp/a%20b"), "/tmp/a b");
  EXPECT_EQ(uri_local_path("/opt/tool"), "/opt/tool");
  EXPECT_EQ(uri_local_path("http://h/x"), "");
}

TEST(ArchiveTest, KindsByNameAndContent) {
  EXPECT_EQ(archive_kind_from_name("a.tar"), ArchiveKind::kTar);
  EXPECT_EQ(archive_kind_from_name("a.tgz"), ArchiveKind::kTar);
  EXPECT_EQ(archive_kind_from_name("a.tar.bz2"), ArchiveKind::kTar);
  EXPECT_EQ(archive_kind_from_name("a.tar.xz"), ArchiveKind::kTar);
  EXPECT_EQ(archive_kind_from_name("a.zip"), ArchiveKind::kZip);
  EXPECT_EQ(archive_kind_from_name("a.gz"), ArchiveKind::kGzip);
  EXPECT_EQ(archive_kind_from_name("a.txt"), ArchiveKind::kNone);
  EXPECT_EQ(archive_kind_from_content(std::string("PK\x03\x04rest", 8)), ArchiveKind::kZip);
  EXPECT_EQ(archive_kind_from_content("\x1f\x8b\x08"), ArchiveKind::kUnknownCompressed);
  std::string tar(512, '\0');
  tar.replace(257, 5, "ustar");
  EXPECT_EQ(archive_kind_from_content(tar), ArchiveKind::kTar);
  EXPECT_EQ(archive_kind_from_content("#!/bin/sh"), ArchiveKind::kNone);
}

TEST(ArchiveTest, EntryNames) {
  EXPECT_EQ(normal_entry_path("app/bin/run"), "app/bin/run");
  EXPECT_EQ(normal_entry_path("./app//bin/"), "app/bin");
  EXPECT_EQ(normal_entry_path("../x"), "");
  EXPECT_EQ(normal_entry_path("a/../../x"), "");
  EXPECT_EQ(normal_entry_path("a/.."), "");
  EXPECT_EQ(normal_entry_path("/etc/passwd"), "");
  EXPECT_EQ(normal_entry_path(""), "");
  EXPECT_EQ(normal_entry_path("./"), "");
  EXPECT_TRUE(is_reserved_sandbox_name("stdout"));
  EXPECT_TRUE(is_reserved_sandbox_name("executor.log"));
  EXPECT_FALSE(is_reserved_sandbox_name("stdout.txt"));
}

TEST(RlimitsTest, ParsesLimits) {
  auto limit = parse_resource_limit("nofile", "1024:4096");
  ASSERT_TRUE(limit.is_ok());
  EXPECT_EQ(limit->resource, RLIMIT_NOFILE);
  EXPECT_EQ(limit->soft, 1024u);
  EXPECT_EQ(limit->hard, 4096u);
  auto core = parse_resource_limit("core", "0");
  ASSERT_TRUE(core.is_ok());
  EXPECT_EQ(core->hard, 0u);
  EXPECT_EQ(parse_resource_limit("stack", "unlimited")->soft, RLIM_INFINITY);
  EXPECT_FALSE(parse_resource_limit("nofile", "10:5").is_ok());
  EXPECT_FALSE(parse_resource_limit("nofile", "unlimited:5").is_ok());
  EXPECT_FALSE(parse_resource_limit("nofile", "lots").is_ok());
  EXPECT_NE(parse_resource_limit("files", "1").status().message().find("nofile"),
            std::string::npos);
  auto split = split_resource_limit("nproc=50");
  ASSERT_TRUE(split.is_ok());
  EXPECT_EQ(split->first, "nproc");
  EXPECT_FALSE(split_resource_limit("nproc").is_ok());
}

TEST(IsolationTest, EntriesAndPluginPaths) {
  EXPECT_EQ(split_isolation(" cgroups/cpu, cgroups/mem ,,namespaces/pid"),
            (std::vector<std::string>{"cgroups/cpu", "cgroups/mem", "namespaces/pid"}));
  EXPECT_TRUE(split_isolation("").empty());
  EXPECT_EQ(isolator_plugin_path("cgroups/mem", "/lib/c"), "/lib/c/isolator_cgroups_mem.so");
  EXPECT_EQ(isolator_plugin_path("example/marker", "/lib/c"), "/lib/c/isolator_example_marker.so");
  EXPECT_EQ(isolator_plugin_path("/opt/my.so", "/lib/c"), "/opt/my.so");
  EXPECT_EQ(isolator_plugin_path("./my.so", "/lib/c"), "./my.so");
}

TEST(TaskUsageTest, FromIsolatorValues) {
  TaskUsage usage = task_usage_from(
      {{"cpu_seconds", 1.5}, {"mem_rss_bytes", 1024}, {"pids", 3}, {"unknown", 7}}, 100);
  EXPECT_EQ(usage.timestamp, 100);
  EXPECT_EQ(usage.cpu_seconds, 1.5);
  EXPECT_EQ(usage.mem_rss_bytes, 1024);
  EXPECT_EQ(usage.pids, 3);
  EXPECT_EQ(usage.mem_limit_bytes, 0);
}

TEST(FetchProgressTest, Describes) {
  FetchProgress progress{"http://h/a.tgz", 1, 2, 3 << 20, 10 << 20, "fetching"};
  EXPECT_EQ(describe_progress(progress), "fetching http://h/a.tgz (1 of 2): 3.0 MB of 10.0 MB");
  progress.total = 0;
  progress.count = 1;
  EXPECT_EQ(describe_progress(progress), "fetching http://h/a.tgz: 3.0 MB");
  progress.step = "extracting";
  EXPECT_EQ(describe_progress(progress), "extracting http://h/a.tgz");
}

}  // namespace
}  // namespace clusterctl
