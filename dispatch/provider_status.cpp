#include "dispatch/provider_status.hpp"

#include <array>
#include <cstring>

namespace smm {
namespace {

struct exact_entry {
  std::string_view text;
  provider_status status;
};

// Spellings seen verbatim (api-v2.md §4.2). Checked by length first, then memcmp,
// so the common case costs a handful of compares and no folding.
constexpr std::array<exact_entry, 22> exact_table{{
    {"Pending", provider_status::pending},
    {"pending", provider_status::pending},
    {"In progress", provider_status::in_progress},
    {"In Progress", provider_status::in_progress},
    {"in_progress", provider_status::in_progress},
    {"Inprogress", provider_status::in_progress},
    {"Processing", provider_status::processing},
    {"processing", provider_status::processing},
    {"Completed", provider_status::completed},
    {"completed", provider_status::completed},
    {"Partial", provider_status::partial},
    {"partial", provider_status::partial},
    {"Canceled", provider_status::canceled},
    {"Cancelled", provider_status::canceled},
    {"canceled", provider_status::canceled},
    {"Refunded", provider_status::refunded},
    {"refunded", provider_status::refunded},
    {"Fail", provider_status::failed},
    {"Failed", provider_status::failed},
    {"Error", provider_status::failed},
    {"error", provider_status::failed},
    {"Active", provider_status::in_progress},
}};

// The exact table grouped by length, built at compile time: lookups skip every entry
// whose length differs without touching its text.
struct length_bucket {
  std::uint8_t first = 0;  // index into exact_table of the first entry of this length
  std::uint8_t count = 0;
};
constexpr std::size_t max_exact_len = 16;

constexpr std::array<exact_entry, exact_table.size()> sorted_by_length(
    std::array<exact_entry, exact_table.size()> t) {
  // Stable insertion sort: constexpr-friendly and the table is tiny.
  for (std::size_t i = 1; i < t.size(); ++i) {
    for (std::size_t j = i; j > 0 && t[j - 1].text.size() > t[j].text.size(); --j) {
      const exact_entry tmp = t[j];
      t[j] = t[j - 1];
      t[j - 1] = tmp;
    }
  }
  return t;
}

constexpr auto exact_sorted = sorted_by_length(exact_table);

constexpr std::array<length_bucket, max_exact_len> build_buckets() {
  std::array<length_bucket, max_exact_len> b{};
  for (std::size_t i = exact_sorted.size(); i-- > 0;) {
    auto& bucket = b[exact_sorted[i].text.size()];
    bucket.first = static_cast<std::uint8_t>(i);
    ++bucket.count;
  }
  return b;
}

constexpr auto by_length = build_buckets();
static_assert(exact_sorted.back().text.size() < max_exact_len, "raise max_exact_len");

// Longer folded strings are not statuses; they map to unknown without a search.
constexpr std::size_t max_folded = 48;

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

provider_status fold_and_search(std::string_view raw) {
  std::array<char, max_folded> buf{};
  std::size_t n = 0;
  for (const char c : raw) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    if (n == max_folded) return provider_status::unknown;
    buf[n++] = lower(c);
  }
  const std::string_view s(buf.data(), n);
  if (s.empty()) return provider_status::unknown;
  // Order matters: any word that means "not everything was delivered" must win over
  // progress/complete, because reading it as completed would lose the customer's refund.
  if (contains(s, "partial")) return provider_status::partial;
  if (contains(s, "cancel")) return provider_status::canceled;
  if (contains(s, "refund")) return provider_status::refunded;
  if (contains(s, "fail") || contains(s, "error")) return provider_status::failed;
  if (contains(s, "progress") || contains(s, "active")) return provider_status::in_progress;
  if (contains(s, "process")) return provider_status::processing;
  if (contains(s, "pending")) return provider_status::pending;
  // "incomplete", "not completed", "uncompleted" contain "complet" but say the opposite.
  if (contains(s, "incomplet") || contains(s, "notcomplet") || contains(s, "uncomplet")) {
    return provider_status::unknown;
  }
  if (contains(s, "complet")) return provider_status::completed;
  return provider_status::unknown;
}

}  // namespace

std::string_view to_string(provider_status s) {
  switch (s) {
    case provider_status::unknown:
      return "unknown";
    case provider_status::pending:
      return "pending";
    case provider_status::in_progress:
      return "in_progress";
    case provider_status::processing:
      return "processing";
    case provider_status::completed:
      return "completed";
    case provider_status::partial:
      return "partial";
    case provider_status::canceled:
      return "canceled";
    case provider_status::refunded:
      return "refunded";
    case provider_status::failed:
      return "failed";
  }
  return "unknown";
}

provider_status map_provider_status(std::string_view raw) noexcept {
  if (raw.size() < by_length.size()) {
    // Only the entries of the same length are compared: at most a few memcmp calls.
    const auto& bucket = by_length[raw.size()];
    for (std::uint8_t k = 0; k < bucket.count; ++k) {
      const auto& e = exact_sorted[bucket.first + k];
      if (std::memcmp(e.text.data(), raw.data(), raw.size()) == 0) return e.status;
    }
  }
  return fold_and_search(raw);
}

}  // namespace smm
