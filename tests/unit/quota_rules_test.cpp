// The rules a quota must follow before the master stores it.
#include "daemons/master/quota_rules.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

Resources res(const std::string& text) {
  return *Resources::parse(text);
}

QuotaConfig quota(const std::string& role, const std::string& guarantee,
                  const std::string& limit = "") {
  return {role, res(guarantee), res(limit)};
}

bool has(const Status& status, const std::string& part) {
  return status.message().find(part) != std::string::npos;
}

TEST(QuotaRules, AcceptsAGuaranteeWithinItsLimit) {
  EXPECT_TRUE(validate_quota(quota("analytics", "cpus:4;mem:4096", "cpus:8;mem:8192")).is_ok());
  EXPECT_TRUE(validate_quota(quota("eng/ml", "", "cpus:1")).is_ok());
  EXPECT_TRUE(validate_quota(quota("eng/ml", "gpus:1", "cpus:1")).is_ok())
      << "a limit that does not name gpus does not bound them";
}

TEST(QuotaRules, RefusesBadQuotasWithTheReason) {
  EXPECT_TRUE(has(validate_quota(quota("*", "cpus:1")), "default role '*'"));
  EXPECT_TRUE(has(validate_quota(quota("a b", "cpus:1")), "invalid role"));
  EXPECT_TRUE(has(validate_quota(quota("a", "cpus(ops):1")), "without a role"));
  EXPECT_TRUE(has(validate_quota(quota("a", "ports:[1-2]")), "only scalar resources"));
  EXPECT_TRUE(has(validate_quota(quota("a", "")), "a guarantee, a limit or both"));
  EXPECT_TRUE(has(validate_quota(quota("a", "cpus:5", "cpus:4")), "exceeds its limit"));
}

TEST(QuotaRules, GuaranteesMustFitTheCluster) {
  std::map<std::string, QuotaConfig> others = {{"a", quota("a", "cpus:4")}};
  Resources cluster = res("cpus:6;cpus(ops):2;mem:1024");
  EXPECT_TRUE(check_quota_fits(quota("b", "cpus:4"), others, cluster, false).is_ok());
  Status refused = check_quota_fits(quota("b", "cpus:5"), others, cluster, false);
  EXPECT_TRUE(has(refused, "add up to cpus:9 but the cluster has cpus:8;mem:1024"))
      << refused.message();
  EXPECT_TRUE(has(refused, "--force"));
  EXPECT_TRUE(check_quota_fits(quota("b", "cpus:5"), others, cluster, true).is_ok());
  EXPECT_FALSE(check_quota_fits(quota("b", "gpus:1"), others, cluster, false).is_ok())
      << "the cluster has no gpus at all";
  // Replacing a's own quota does not count it twice.
  EXPECT_TRUE(check_quota_fits(quota("a", "cpus:8"), others, cluster, false).is_ok());
}

TEST(QuotaRules, NestedGuaranteesCountOnceAndRespectAncestorLimits) {
  std::map<std::string, QuotaConfig> others = {{"eng", quota("eng", "cpus:4", "cpus:6")}};
  Resources cluster = res("cpus:4");
  EXPECT_TRUE(check_quota_fits(quota("eng/ml", "cpus:3"), others, cluster, false).is_ok())
      << "eng/ml's guarantee lies within eng's";
  EXPECT_TRUE(has(check_quota_fits(quota("eng/ml", "cpus:7"), others, cluster, true),
                  "exceeds the limit of eng"));
  others["eng/ml"] = quota("eng/ml", "cpus:3");
  EXPECT_TRUE(has(check_quota_fits(quota("eng", "", "cpus:2"), others, cluster, true),
                  "is below the guarantee of eng/ml"));
}

TEST(QuotaRules, SubroleGuaranteesAddUpWithinTheirParentsGuaranteeAndLimit) {
  std::map<std::string, QuotaConfig> others = {{"eng", quota("eng", "cpus:4", "cpus:6")},
                                               {"eng/a", quota("eng/a", "cpus:3")}};
  Resources cluster = res("cpus:100;mem:1024");
  EXPECT_TRUE(check_quota_fits(quota("eng/b", "cpus:1"), others, cluster, false).is_ok());
  Status refused = check_quota_fits(quota("eng/b", "cpus:2"), others, cluster, false);
  EXPECT_TRUE(has(refused,
                  "the guarantees of eng/a, eng/b add up to cpus:5, more than the "
                  "guarantee of eng (cpus:4)"))
      << refused.message();
  EXPECT_FALSE(check_quota_fits(quota("eng/b", "cpus:2"), others, cluster, true).is_ok())
      << "--force skips the cluster check only";
  EXPECT_TRUE(has(check_quota_fits(quota("eng/b", "mem:10"), others, cluster, false),
                  "more than the guarantee of eng"))
      << "eng guarantees no memory, so its subroles cannot";
  // Lowering the parent's guarantee below its subroles' is refused too.
  EXPECT_TRUE(has(check_quota_fits(quota("eng", "cpus:2"), others, cluster, false),
                  "the guarantees of eng/a add up to cpus:3"));
  // A parent with only a limit bounds the sum of its subroles' guarantees.
  others = {{"ops", quota("ops", "", "cpus:4")}, {"ops/a", quota("ops/a", "cpus:3")}};
  EXPECT_TRUE(has(check_quota_fits(quota("ops/b", "cpus:2"), others, cluster, false),
                  "add up to cpus:5, more than the limit of ops (cpus:4)"));
  // Only the nearest guaranteed roles count: eng/a/x is within eng/a's.
  others = {{"eng", quota("eng", "cpus:4")}, {"eng/a", quota("eng/a", "cpus:3")}};
  EXPECT_TRUE(check_quota_fits(quota("eng/a/x", "cpus:3"), others, cluster, false).is_ok());
}

}  // namespace
}  // namespace clusterctl
