// Key sources (inline, file, environment) and the rule that a key never shows in any text
// the loader or a formatter produces.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "config/loader.hpp"
#include "tests/config/test_util.hpp"

namespace smm {
namespace {

using test::error_for;
using test::line_of;
using test::load;
using test::minimal_services;
using ::testing::HasSubstr;

constexpr std::string_view the_secret = "S3cr3tV4lue";

std::string provider_with(std::string_view key_lines) {
  return R"(
[[providers]]
name = "alpha"
api_url = "http://127.0.0.1:18081/api/v2"
)" + std::string(key_lines) +
         "\n" + std::string(minimal_services);
}

/// Everything a user could see from a load: errors and warnings.
std::string all_text(const config_result& r) { return to_string(r.errors) + to_string(r.warnings); }

TEST(ConfigKeys, MissingKeySourceIsAnError) {
  const std::string text = provider_with("");
  const auto r = load(text);
  ASSERT_FALSE(r);
  const config_error* e = error_for(r, "providers[0].key");
  ASSERT_NE(e, nullptr) << to_string(r.errors);
  EXPECT_EQ(e->line, line_of(text, "[[providers]]"));
  EXPECT_THAT(e->message, HasSubstr("exactly one of key, key_file, key_env"));
}

TEST(ConfigKeys, TwoKeySourcesAreAnError) {
  const std::string text = provider_with("key = \"" + std::string(the_secret) + "\"\nkey_env = \"HOME\"");
  const auto r = load(text);
  const config_error* e = error_for(r, "providers[0].key_env");
  ASSERT_NE(e, nullptr) << to_string(r.errors);
  EXPECT_EQ(e->line, line_of(text, "key_env"));
  EXPECT_THAT(e->message, HasSubstr("'key' is given too"));
  EXPECT_EQ(all_text(r).find(the_secret), std::string::npos) << all_text(r);
}

TEST(ConfigKeys, KeyFileIsReadAndTrimmed) {
  test::scratch_dir dir;
  dir.write("k.key", "\n  " + std::string(the_secret) + " \r\n");
  const auto r = load(provider_with("key_file = \"k.key\""), dir.path());
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->providers[0].key.reveal(), the_secret);
  EXPECT_TRUE(r.warnings.empty()) << to_string(r.warnings);
}

TEST(ConfigKeys, UnreadableOrEmptyKeyFileIsAnError) {
  test::scratch_dir dir;
  dir.write("empty.key", " \n\t\n");
  const std::string missing = provider_with("key_file = \"missing.key\"");
  auto r = load(missing, dir.path());
  const config_error* e = error_for(r, "providers[0].key_file");
  ASSERT_NE(e, nullptr) << to_string(r.errors);
  EXPECT_EQ(e->line, line_of(missing, "key_file"));
  EXPECT_THAT(e->message, HasSubstr("cannot read key file '" + (dir.path() / "missing.key").string() + "'"));

  r = load(provider_with("key_file = \"empty.key\""), dir.path());
  e = error_for(r, "providers[0].key_file");
  ASSERT_NE(e, nullptr) << to_string(r.errors);
  EXPECT_THAT(e->message, HasSubstr("is empty"));
}

TEST(ConfigKeys, KeyFileReadableByOthersWarns) {
  test::scratch_dir dir;
  using std::filesystem::perms;
  dir.write("open.key", the_secret, perms::owner_read | perms::owner_write | perms::others_read);
  const auto r = load(provider_with("key_file = \"open.key\""), dir.path());
  ASSERT_TRUE(r) << to_string(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].key, "providers[0].key_file");
  EXPECT_THAT(r.warnings[0].message, HasSubstr("chmod 600"));
  EXPECT_EQ(all_text(r).find(the_secret), std::string::npos);
}

TEST(ConfigKeys, KeyEnvIsReadAndUnsetOrBadNamesAreErrors) {
  ::setenv("SMM_TEST_PROVIDER_KEY", std::string(the_secret).c_str(), 1);
  auto r = load(provider_with("key_env = \"SMM_TEST_PROVIDER_KEY\""));
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->providers[0].key.reveal(), the_secret);

  ::unsetenv("SMM_TEST_PROVIDER_KEY");
  const std::string text = provider_with("key_env = \"SMM_TEST_PROVIDER_KEY\"");
  r = load(text);
  const config_error* e = error_for(r, "providers[0].key_env");
  ASSERT_NE(e, nullptr) << to_string(r.errors);
  EXPECT_EQ(e->line, line_of(text, "key_env"));
  EXPECT_THAT(e->message, HasSubstr("environment variable SMM_TEST_PROVIDER_KEY is not set"));

  ::setenv("SMM_TEST_PROVIDER_KEY", "", 1);
  r = load(text);
  ASSERT_NE(error_for(r, "providers[0].key_env"), nullptr);
  EXPECT_THAT(error_for(r, "providers[0].key_env")->message, HasSubstr("is empty"));
  ::unsetenv("SMM_TEST_PROVIDER_KEY");

  r = load(provider_with("key_env = \"1BAD-NAME\""));
  ASSERT_NE(error_for(r, "providers[0].key_env"), nullptr) << to_string(r.errors);
}

TEST(ConfigKeys, PanelKeysNeedUniqueNamesAndOneSource) {
  const std::string text = test::minimal_config() + R"(
[daemon]
panel_keys = [
  { name = "main", key = "a" },
  { name = "main", key = "b" },
  { name = "other" },
]
)";
  const auto r = load(text);
  ASSERT_NE(error_for(r, "daemon.panel_keys[1].name"), nullptr) << to_string(r.errors);
  ASSERT_NE(error_for(r, "daemon.panel_keys[2].key"), nullptr) << to_string(r.errors);
  EXPECT_EQ(error_for(r, "daemon.panel_keys[2].key")->line, line_of(text, "other"));
}

// Every way a secret could end up in an error: wrong type, beside a typo, in a duplicate
// source, on a line with a syntax error, as an unknown key's value.
TEST(ConfigKeys, SecretNeverAppearsInAnyErrorOrWarning) {
  const std::string s{the_secret};
  const std::vector<std::string> configs = {
      provider_with("key = \"" + s + "\"\nkey_file = \"/nonexistent\"\nmax_in_fligth = 3"),
      provider_with("key = \"" + s + "\"\ntls_verify = false\nrate = 5"),
      provider_with("key = " + s),                          // unquoted: TOML syntax error
      provider_with("key = \"" + s),                        // unterminated string
      provider_with("key = 98765432123\nkey_env = \"X\""),  // integer key
      provider_with("kye = \"" + s + "\""),                 // misspelled key name
      test::minimal_config() + "[daemon]\npanel_keys = [{ name = \"Bad Name\", key = \"" + s + "\" }]\n",
      test::minimal_config() + "[daemon]\npanel_keys = [{ name = \"p\", key = [\"" + s + "\"] }]\n",
  };
  for (const auto& text : configs) {
    const auto r = load(text);
    EXPECT_FALSE(r.errors.empty() && r.warnings.empty()) << text;
    const std::string out = all_text(r);
    EXPECT_EQ(out.find(s), std::string::npos) << out;
    EXPECT_EQ(out.find("98765432123"), std::string::npos) << out;
  }
}

// A URL with credentials is quoted masked: user-info and ?key= never reach the error text.
TEST(ConfigKeys, UrlCredentialsAreMaskedInErrors) {
  const std::string s{the_secret};
  for (const std::string& url :
       {"https://shop:" + s + "@panel.example/api/v2", "http://127.0.0.1:99999/api/v2?key=" + s,
        "ftp://panel.example/api?api_key=" + s}) {
    const std::string text = R"(
[[providers]]
name = "alpha"
api_url = ")" + url + R"("
key = "k-alpha"
)" + std::string(minimal_services);
    const auto r = load(text);
    const config_error* e = error_for(r, "providers[0].api_url");
    ASSERT_NE(e, nullptr) << to_string(r.errors);
    EXPECT_EQ(all_text(r).find(s), std::string::npos) << all_text(r);
    EXPECT_THAT(e->message, HasSubstr("***")) << e->message;
  }
}

// A config file that holds keys warns like a key file when group or others may read it.
TEST(ConfigKeys, ConfigFileWithKeysReadableByOthersWarns) {
  test::scratch_dir dir;
  using std::filesystem::perms;
  const perms shared = perms::owner_read | perms::owner_write | perms::group_read;
  const std::string inline_key = provider_with("key = \"" + std::string(the_secret) + "\"");
  auto r = load_config_file(dir.write("shared.toml", inline_key, shared));
  ASSERT_TRUE(r) << to_string(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u) << to_string(r.warnings);
  EXPECT_THAT(r.warnings[0].message, HasSubstr("holds keys"));
  EXPECT_THAT(r.warnings[0].message, HasSubstr("chmod 600"));

  r = load_config_file(dir.write("private.toml", inline_key));
  EXPECT_TRUE(r.warnings.empty()) << to_string(r.warnings);

  ::setenv("SMM_TEST_PROVIDER_KEY", std::string(the_secret).c_str(), 1);
  r = load_config_file(dir.write("env.toml", provider_with("key_env = \"SMM_TEST_PROVIDER_KEY\""), shared));
  ::unsetenv("SMM_TEST_PROVIDER_KEY");
  EXPECT_TRUE(r.warnings.empty()) << "no key in the file: " << to_string(r.warnings);
}

TEST(ConfigKeys, SecretFormatsAsStars) {
  const auto r = load(provider_with("key = \"" + std::string(the_secret) + "\""));
  ASSERT_TRUE(r) << to_string(r.errors);
  const secret& key = r.value->providers[0].key;
  std::ostringstream os;
  os << key;
  EXPECT_EQ(os.str(), "***");
  EXPECT_EQ(fmt::format("{}", key), "***");
  EXPECT_EQ(fmt::format("[{:>5}]", key), "[  ***]");
  EXPECT_EQ(key.reveal(), the_secret);
}

}  // namespace
}  // namespace smm
