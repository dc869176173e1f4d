#pragma once
// A strict reader of Prometheus text format 0.0.4 for tests: it parses every line and
// collects the rule violations a scraper (or promtool) would complain about.
#include <map>
#include <string>
#include <vector>

namespace smm::daemon::metrics::testing {

/// One parsed sample line.
struct parsed_sample {
  std::string name;
  std::map<std::string, std::string> labels;  ///< unescaped values
  std::string value;
};

/// The result of checking one exposition.
struct exposition {
  std::vector<std::string> errors;           ///< empty when the text is valid
  std::map<std::string, std::string> types;  ///< family -> type
  std::vector<parsed_sample> samples;
};

/// Parses and checks: HELP/TYPE once per family and before its samples, a family's samples
/// together, valid names, counters ending in _total, label values well escaped, histogram
/// buckets cumulative with le increasing and +Inf equal to _count.
exposition check_exposition(const std::string& text);

}  // namespace smm::daemon::metrics::testing
