// Credentials files: the store, an agent's credential, a client's secret, and
// the refusal of files that group or others can read.
#include "core/auth/credentials.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace clusterctl {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/clusterctl-credentials-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string dir_;
};

TEST_F(CredentialsTest, AStoreGivesEachPrincipalsSecret) {
  auto path = write("creds.json", R"({"credentials":[{"principal":"ops","secret":"s1"},)"
                                  R"({"principal":"spark","secret":"s2"}]})");
  auto store = load_credential_store(path);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->secret_of("ops"), "s1");
  EXPECT_EQ(store->secret_of("spark"), "s2");
  EXPECT_EQ(store->secret_of("nobody"), std::nullopt);
}

TEST_F(CredentialsTest, AFileOthersCanReadIsRefusedNamingItsMode) {
  auto path = write("creds.json", R"({"credentials":[{"principal":"a","secret":"b"}]})", 0644);
  auto store = load_credential_store(path);
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().message(), "--credentials " + path +
                                          " has mode 0644: it must not be readable by group or "
                                          "others (chmod 600 " +
                                          path + ")");
  auto group = write("group.json", R"({"principal":"a","secret":"b"})", 0640);
  auto credential = load_credential(group);
  ASSERT_FALSE(credential.is_ok());
  EXPECT_NE(credential.status().message().find("has mode 0640"), std::string::npos);
}

TEST_F(CredentialsTest, BadStoresSayWhatIsWrong) {
  struct Case {
    std::string text;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {R"({"principals":[]})", "expected {\"credentials\""},
      {R"({"credentials":[{"secret":"x"}]})", "credentials[0]: a \"principal\" is missing"},
      {R"({"credentials":[{"principal":"a"}]})", "principal 'a' has no \"secret\""},
      {R"({"credentials":[{"principal":"a","secret":"1"},{"principal":"a","secret":"2"}]})",
       "principal 'a' is listed twice"},
      {R"({"credentials":[]})", "no credentials in it"},
  };
  for (const Case& c : cases) {
    auto store = parse_credential_store(c.text, "--credentials f");
    ASSERT_FALSE(store.is_ok()) << c.text;
    EXPECT_NE(store.status().message().find(c.expected), std::string::npos)
        << c.text << " -> " << store.status().message();
    EXPECT_EQ(store.status().message().rfind("--credentials f", 0), 0u);
  }
}

TEST_F(CredentialsTest, ASecretFileLosesOneTrailingNewlineOnly) {
  auto path = write("secret", "s3cret \n");
  auto secret = load_secret_file(path);
  ASSERT_TRUE(secret.is_ok()) << secret.status().to_string();
  EXPECT_EQ(*secret, "s3cret ");
  auto empty = load_secret_file(write("empty", "\n"));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos);
}

TEST_F(CredentialsTest, MissingFilesAndDirectoriesAreNamed) {
  auto missing = load_secret_file(dir_ + "/nope");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message(),
            "--secret-file " + dir_ + "/nope: cannot open: No such file or directory");
  ::chmod(dir_.c_str(), 0700);
  auto directory = load_credential(dir_);
  ASSERT_FALSE(directory.is_ok());
  EXPECT_EQ(directory.status().message(), "--credential " + dir_ + " is not a regular file");
}

TEST_F(CredentialsTest, AnAgentCredentialIsOnePrincipalAndSecret) {
  auto credential = load_credential(write("agent.json", R"({"principal":"agent","secret":"x"})"));
  ASSERT_TRUE(credential.is_ok()) << credential.status().to_string();
  EXPECT_EQ(credential->principal, "agent");
  EXPECT_EQ(credential->secret, "x");
}

}  // namespace
}  // namespace clusterctl
