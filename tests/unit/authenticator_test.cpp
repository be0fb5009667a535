// The authenticator plugins (plugins/authn) through the host's wrapper
// (core/auth/authenticator.hpp): a server and a client session of each
// mechanism talk to each other in-process.
#include "core/auth/authenticator.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

const std::string kPluginDir = std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl";

std::shared_ptr<const CredentialStore> store() {
  auto made = CredentialStore::from({{"alice", "wonderland"}, {"bob", "builder"}});
  EXPECT_TRUE(made.is_ok());
  return std::make_shared<const CredentialStore>(*made);
}

struct Outcome {
  bool authenticated = false;
  std::string principal;  // the server's view
  std::string error;      // the server's or client's reason
};

// Runs a whole exchange as the RPC layer does: start, then steps, until the
// server says done or either side fails.
Outcome exchange(const std::string& plugin, const Credential& credential) {
  auto authenticator = Authenticator::load(plugin, kPluginDir);
  EXPECT_TRUE(authenticator.is_ok()) << authenticator.status().message();
  if (!authenticator) return {};
  auto server = (*authenticator)->server_session(store());
  auto client = (*authenticator)->client_session();
  AuthStep client_step = client->start(credential);
  if (client_step.result == AuthStep::Result::kFailed) return {false, "", client_step.error};
  AuthStep server_step = server->start(credential.principal, client_step.data);
  for (int round = 0; round < 5; ++round) {
    if (server_step.result == AuthStep::Result::kFailed) return {false, "", server_step.error};
    if (server_step.result == AuthStep::Result::kDone) {
      // The client checks the server's last word (SCRAM's signature).
      if (!server_step.data.empty()) {
        AuthStep last = client->step(server_step.data);
        if (last.result == AuthStep::Result::kFailed) return {false, "", last.error};
      }
      return {true, server->principal(), ""};
    }
    client_step = client->step(server_step.data);
    if (client_step.result == AuthStep::Result::kFailed) return {false, "", client_step.error};
    server_step = server->step(client_step.data);
  }
  return {false, "", "too many rounds"};
}

class AuthenticatorPlugins : public ::testing::TestWithParam<std::pair<std::string, std::string>> {
};

TEST_P(AuthenticatorPlugins, LoadsAndNamesItsMechanism) {
  auto authenticator = Authenticator::load(GetParam().first, kPluginDir);
  ASSERT_TRUE(authenticator.is_ok()) << authenticator.status().message();
  EXPECT_EQ((*authenticator)->mechanism(), GetParam().second);
  EXPECT_EQ(plugin_for_mechanism(GetParam().second), GetParam().first);
}

TEST_P(AuthenticatorPlugins, RightSecretAuthenticates) {
  Outcome outcome = exchange(GetParam().first, {"alice", "wonderland"});
  EXPECT_TRUE(outcome.authenticated) << outcome.error;
  EXPECT_EQ(outcome.principal, "alice");
  outcome = exchange(GetParam().first, {"bob", "builder"});
  EXPECT_TRUE(outcome.authenticated) << outcome.error;
  EXPECT_EQ(outcome.principal, "bob");
}

TEST_P(AuthenticatorPlugins, WrongSecretIsRefused) {
  Outcome outcome = exchange(GetParam().first, {"alice", "builder"});
  EXPECT_FALSE(outcome.authenticated);
  EXPECT_FALSE(outcome.error.empty());
  EXPECT_TRUE(outcome.principal.empty());
}

TEST_P(AuthenticatorPlugins, UnknownPrincipalIsRefused) {
  Outcome outcome = exchange(GetParam().first, {"mallory", "wonderland"});
  EXPECT_FALSE(outcome.authenticated);
  EXPECT_FALSE(outcome.error.empty());
}

TEST_P(AuthenticatorPlugins, EmptySecretIsRefused) {
  Outcome outcome = exchange(GetParam().first, {"alice", ""});
  EXPECT_FALSE(outcome.authenticated);
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, AuthenticatorPlugins,
                         ::testing::Values(std::make_pair("crammd5", "CRAM-MD5"),
                                           std::make_pair("scram_sha256", "SCRAM-SHA-256")));

TEST(Authenticator, DashedNameFindsThePlugin) {
  auto authenticator = Authenticator::load("scram-sha256", kPluginDir);
  ASSERT_TRUE(authenticator.is_ok()) << authenticator.status().message();
  EXPECT_EQ((*authenticator)->mechanism(), "SCRAM-SHA-256");
}

TEST(Authenticator, MissingPluginIsNamed) {
  auto authenticator = Authenticator::load("kerberos", kPluginDir);
  ASSERT_FALSE(authenticator.is_ok());
  EXPECT_EQ(authenticator.status().message(), "authenticator 'kerberos': plugin '" + kPluginDir +
                                                  "/authn_kerberos.so' not found or not readable");
}

TEST(Authenticator, PluginOfAnotherKindIsRefused) {
  auto authenticator = Authenticator::load(kPluginDir + "/allocator_drf.so", kPluginDir);
  ASSERT_FALSE(authenticator.is_ok());
  EXPECT_EQ(authenticator.status().message(),
            "authenticator '" + kPluginDir + "/allocator_drf.so': plugin '" + kPluginDir +
                "/allocator_drf.so' is an allocator plugin, but an authenticator plugin is needed");
}

}  // namespace
}  // namespace clusterctl
