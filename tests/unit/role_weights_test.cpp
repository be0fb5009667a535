// Role weights in their text form.
#include "core/role_weights.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

TEST(RoleWeights, ParsesPairs) {
  auto weights = parse_weights("analytics=3, batch=1.5,eng/ml=0.25");
  ASSERT_TRUE(weights.is_ok()) << weights.status().message();
  EXPECT_EQ(*weights,
            (std::map<std::string, double>{{"analytics", 3}, {"batch", 1.5}, {"eng/ml", 0.25}}));
  EXPECT_TRUE(parse_weights("")->empty());
}

TEST(RoleWeights, RefusesBadTextNamingThePart) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {{"analytics", "'analytics' is not ROLE=WEIGHT"},
               {"a=x", "'x' is not a number"},
               {"a=", "'' is not a number"},
               {"a=0", "must be a number above 0"},
               {"a=-2", "must be a number above 0"},
               {"a=inf", "must be a number above 0"},
               {"bad role=1", "invalid role"},
               {"a=1,a=2", "given twice"},
               {"a=1,", "an empty item"}};
  for (const Case& c : cases) {
    auto weights = parse_weights(c.text);
    ASSERT_FALSE(weights.is_ok()) << c.text;
    EXPECT_NE(weights.status().message().find(c.error), std::string::npos)
        << c.text << ": " << weights.status().message();
  }
}

}  // namespace
}  // namespace clusterctl
