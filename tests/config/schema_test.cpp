// The schema as data: complete, consistent, and printed as documentation.
#include "config/schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace smm {
namespace {

using ::testing::HasSubstr;

TEST(ConfigSchema, EveryKeyHasTypeDescriptionAndDefaultOrRequired) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const key_spec& s : config_schema()) {
    EXPECT_FALSE(s.description.empty()) << s.display_path();
    EXPECT_TRUE(seen.emplace(s.table, s.key).second) << "twice: " << s.display_path();
    EXPECT_FALSE(s.required && !s.default_value.empty()) << s.display_path();
    if (s.kind == value_kind::choice) {
      EXPECT_FALSE(s.choices.empty()) << s.display_path();
      if (!s.default_value.empty()) {
        EXPECT_EQ(match_choice(s, s.default_value), s.default_value) << s.display_path();
      }
    }
    // A default must itself be a valid value.
    if (s.has_range() && !s.default_value.empty() && s.kind != value_kind::days_or_none) {
      const double d = std::stod(std::string(s.default_value));
      EXPECT_GE(d, s.min) << s.display_path();
      EXPECT_LE(d, s.max) << s.display_path();
    }
    // Every table named in a key's table is itself declared.
    if (!s.table.empty()) {
      const auto dot = s.table.rfind('.');
      const std::string_view parent =
          dot == std::string_view::npos ? std::string_view{} : s.table.substr(0, dot);
      const std::string_view name = dot == std::string_view::npos ? s.table : s.table.substr(dot + 1);
      EXPECT_NE(find_key_spec(parent, name), nullptr) << s.display_path();
    }
  }
}

TEST(ConfigSchema, MarkdownHasARowPerKey) {
  const std::string md = schema_markdown();
  EXPECT_THAT(md, ::testing::StartsWith("| Key | Type | Default | Description |\n|---|"));
  for (const key_spec& s : config_schema())
    EXPECT_THAT(md, HasSubstr("| `" + s.display_path() + "` |")) << s.display_path();
  EXPECT_THAT(md, HasSubstr("| `providers[].max_in_flight` | integer 1..1024 | `16` |"));
  EXPECT_THAT(md, HasSubstr("| `services[].rate` | decimal string | required |"));
  EXPECT_THAT(md, HasSubstr("| `services[].route[].provider` | string | required |"));
  EXPECT_THAT(md, HasSubstr("| `providers[].request_style` | one of form, get, json | `\"form\"` |"));
  EXPECT_THAT(md, HasSubstr("| `daemon.panel_keys[].key_env` |"));
  EXPECT_THAT(md, HasSubstr("| `policy.claim_window_days` | integer 1..3650 | `14` |"));
  EXPECT_THAT(
      md, HasSubstr("| `daemon.panel_limits.max_output_bytes` | integer 65536..1073741824 | `16777216` |"));
  EXPECT_THAT(
      md, HasSubstr("| `daemon.api_limits.max_unauthenticated_connections` | integer 1..65536 | unset |"));
}

TEST(ConfigSchema, ChoicesMatchFolded) {
  const key_spec* type = find_key_spec("services", "type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(match_choice(*type, "Custom Comments Package"), "custom_comments_package");
  EXPECT_EQ(match_choice(*type, "Comment Likes"), "comment_likes");
  EXPECT_EQ(match_choice(*type, "Custom Replies"), "");
  EXPECT_EQ(match_choice(*type, ""), "");
}

TEST(ClosestKey, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string_view> keys = {"max_in_flight", "max_retries", "name", "key"};
  EXPECT_EQ(closest_key("max_in_fligth", keys), "max_in_flight");
  EXPECT_EQ(closest_key("max_inflight", keys), "max_in_flight");
  EXPECT_EQ(closest_key("kye", keys), "key");
  EXPECT_EQ(closest_key("max_retry", keys), "max_retries");
  EXPECT_FALSE(closest_key("completely_different", keys).has_value());
}

}  // namespace
}  // namespace smm
