#pragma once
// Masks credentials in text that came from outside (a provider's answer, a config value) before
// it reaches a log, the journal, an event, a metric or smm-dispatchctl. Two rules, each
// replacing what it finds with "***":
//
//  - Known secrets (provider keys, panel keys) wherever they stand as a token (no letter or
//    digit right before or after them), raw or in the forms a provider echoes them in:
//    percent-encoded (upper or lower hex, space as '+' or %20), JSON-escaped ('/' as "\/" too),
//    HTML-escaped.
//  - Credential fragments, whatever their value: `key=…`, `api_key=…`, `token=…` (any name
//    ending in key, token, secret, password or authorization), `"api_key": "…"`,
//    `Authorization: …`, `X-Api-Key: …`, `Bearer …`, and the user-info of a URL
//    (`https://user:pass@host`).
//
// Minimum length: a secret shorter than min_secret_length (6) is not searched for on its own.
// Short keys are words and numbers ("admin", "12345", "key-0") that also occur in order ids,
// quantities and prose, and masking every occurrence would garble those; the fragment rule
// still masks them where they travel as a credential (`key=…`, headers). Real provider keys
// are 32 or more characters. The token rule (no letter or digit beside a match) serves the
// same purpose: a key that happens to be inside a longer number or word is not cut out of it.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace smm {

/// Shortest secret searched for on its own; shorter ones rely on the fragment rule.
inline constexpr std::size_t min_secret_length = 6;

/// What every masked value becomes.
inline constexpr std::string_view scrub_mask = "***";

/// `text` with every credential fragment masked (the second rule alone).
std::string scrub_fragments(std::string_view text);

/// Masks known secrets and credential fragments.
/// Thread safety: set() and scrub() may be called concurrently from any thread.
class secret_scrubber {
 public:
  secret_scrubber() = default;
  explicit secret_scrubber(const std::vector<std::string>& secrets) { set(secrets); }

  /// Replaces the known secrets (a reload rotates panel keys). Empty and short ones are ignored.
  void set(const std::vector<std::string>& secrets);
  /// `text` with the known secrets and every credential fragment replaced by "***".
  std::string scrub(std::string_view text) const;
  /// scrub() in place.
  void scrub_in_place(std::string& text) const { text = scrub(text); }

 private:
  using needle_list = std::vector<std::string>;  ///< every form of every secret, longest first

  mutable std::mutex mutex_;  // guards the pointer only; the list itself is immutable
  std::shared_ptr<const needle_list> needles_ = std::make_shared<const needle_list>();
};

}  // namespace smm
