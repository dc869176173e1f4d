#include "dispatch/provider_status.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smm {
namespace {

using ps = provider_status;

struct spelling {
  const char* raw;
  ps expected;
};

class provider_status_spelling : public ::testing::TestWithParam<spelling> {};

TEST_P(provider_status_spelling, maps) {
  const auto& p = GetParam();
  EXPECT_EQ(map_provider_status(p.raw), p.expected)
      << "'" << p.raw << "' -> " << to_string(map_provider_status(p.raw));
}

INSTANTIATE_TEST_SUITE_P(
    wild, provider_status_spelling,
    ::testing::Values(spelling{"Pending", ps::pending}, spelling{"pending", ps::pending},
                      spelling{"PENDING", ps::pending}, spelling{"In progress", ps::in_progress},
                      spelling{"In Progress", ps::in_progress}, spelling{"Inprogress", ps::in_progress},
                      spelling{"in_progress", ps::in_progress}, spelling{"IN PROGRESS", ps::in_progress},
                      spelling{"INPROGRESS", ps::in_progress}, spelling{"IN-PROGRESS", ps::in_progress},
                      spelling{"PROGRESS", ps::in_progress}, spelling{"Active", ps::in_progress},
                      spelling{"Processing", ps::processing}, spelling{"processing", ps::processing},
                      spelling{"Completed", ps::completed}, spelling{"COMPLETE", ps::completed},
                      spelling{"Partial", ps::partial}, spelling{"PARTIALLY", ps::partial},
                      spelling{"Partially Completed", ps::partial}, spelling{"PARTIAL COMPLETE", ps::partial},
                      spelling{"Partially refunded", ps::partial}, spelling{"Canceled", ps::canceled},
                      spelling{"Cancelled", ps::canceled}, spelling{"CANCEL", ps::canceled},
                      spelling{"Canceled and refunded", ps::canceled}, spelling{"Refunded", ps::refunded},
                      spelling{"REFUND", ps::refunded}, spelling{"Fail", ps::failed},
                      spelling{"Failed", ps::failed}, spelling{"Error", ps::failed},
                      spelling{"error", ps::failed}, spelling{"  completed  ", ps::completed}));

TEST(provider_status, unknown_strings_are_unknown_never_completed) {
  for (const char* raw : {"", " ", "garbage", "Creating", "success", "Incomplete", "Not completed",
                          "uncompleted", "???", "0", "1"}) {
    EXPECT_EQ(map_provider_status(raw), ps::unknown) << "'" << raw << "'";
  }
}

TEST(provider_status, overlong_strings_are_unknown) {
  const std::string long_text(200, 'x');
  EXPECT_EQ(map_provider_status(long_text + "completed"), ps::unknown);
  // Separators do not count towards the length limit.
  EXPECT_EQ(map_provider_status(std::string(100, ' ') + "Completed"), ps::completed);
}

TEST(provider_status, finals_are_final) {
  EXPECT_TRUE(is_final(ps::completed));
  EXPECT_TRUE(is_final(ps::partial));
  EXPECT_TRUE(is_final(ps::canceled));
  EXPECT_TRUE(is_final(ps::refunded));
  EXPECT_TRUE(is_final(ps::failed));
  EXPECT_FALSE(is_final(ps::pending));
  EXPECT_FALSE(is_final(ps::in_progress));
  EXPECT_FALSE(is_final(ps::processing));
  EXPECT_FALSE(is_final(ps::unknown));
}

TEST(provider_status, names) {
  EXPECT_EQ(to_string(ps::in_progress), "in_progress");
  EXPECT_EQ(to_string(ps::unknown), "unknown");
  EXPECT_EQ(to_string(ps::failed), "failed");
}

}  // namespace
}  // namespace smm
