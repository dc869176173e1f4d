#pragma once
// A small writer for the Prometheus text exposition format 0.0.4. It enforces the rules a
// scraper relies on: one HELP and one TYPE line per family, samples of a family together
// right after them, valid metric and label names, escaped label values, counters named
// `_total`, histogram buckets cumulative with `+Inf` equal to `_count`.
// Values are passed as exact decimal text or integers: nothing here goes through a double.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

namespace smm::daemon::metrics {

/// Prometheus metric types this writer emits.
enum class metric_type : std::uint8_t { counter, gauge, histogram };

/// One label pair of a sample.
struct label {
  std::string_view name;
  std::string_view value;
};

/// True for [a-zA-Z_:][a-zA-Z0-9_:]* (metric names).
bool is_valid_metric_name(std::string_view name);
/// True for [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (label names).
bool is_valid_label_name(std::string_view name);
/// A label value escaped for the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);
/// `units / 10^decimals` as exact decimal text without trailing zeros ("0.005", "30", "1.5").
std::string scaled_decimal(std::uint64_t units, unsigned decimals);

/// Builds one exposition. Misuse (a family started twice, a bad name, a sample before any
/// family, a counter without `_total`) throws std::logic_error: those are programming errors.
class prometheus_writer {
 public:
  /// Starts a family: writes `# HELP` and `# TYPE`. Counter names must end in `_total`.
  void family(std::string_view name, metric_type type, std::string_view help);
  /// One sample of the current counter or gauge family.
  void sample(std::initializer_list<label> labels, std::uint64_t value);
  void sample(std::initializer_list<label> labels, std::int64_t value);
  /// One sample with a value given as decimal text (e.g. money); must look like a number.
  void sample(std::initializer_list<label> labels, std::string_view value);
  /// One histogram of the current histogram family. `upper_bounds` are the `le` texts in
  /// increasing order; `counts` has one more element than `upper_bounds` (the last is the
  /// overflow bucket) and is per bucket, not cumulative: the writer accumulates, writes the
  /// `+Inf` bucket and `_count` as the total, and `sum` as `_sum`.
  void histogram(std::initializer_list<label> labels, std::span<const std::string> upper_bounds,
                 std::span<const std::uint64_t> counts, std::string_view sum);
  /// The text so far (ends with a newline when not empty).
  const std::string& text() const { return out_; }
  /// Moves the text out; the writer is then empty (families are still remembered).
  std::string take();

 private:
  void write_sample(std::string_view suffix, std::initializer_list<label> labels, const label* extra,
                    std::string_view value);
  void require_current(metric_type t) const;

  std::string out_;
  std::string current_;
  metric_type current_type_ = metric_type::gauge;
  std::unordered_set<std::string> started_;
};

}  // namespace smm::daemon::metrics
