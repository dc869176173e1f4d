#include "tests/daemon_metrics/exposition_checker.hpp"

#include <cstdint>
#include <set>
#include <sstream>
#include <string_view>

#include "daemon/metrics/prometheus_writer.hpp"

namespace smm::daemon::metrics::testing {

namespace {

bool is_number(std::string_view v) {
  if (v == "+Inf" || v == "-Inf" || v == "NaN") return true;
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  bool digit = false, dot = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

// Exact comparison of non-negative decimal texts ("0.005" < "0.01"), no doubles.
int compare_decimal(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    auto dot = s.find('.');
    std::string i = s.substr(0, dot), f = dot == std::string::npos ? "" : s.substr(dot + 1);
    while (i.size() > 1 && i.front() == '0') i.erase(0, 1);
    return std::pair{i, f};
  };
  auto [ai, af] = split(a);
  auto [bi, bf] = split(b);
  if (ai.size() != bi.size()) return ai.size() < bi.size() ? -1 : 1;
  if (ai != bi) return ai < bi ? -1 : 1;
  const auto n = std::max(af.size(), bf.size());
  af.resize(n, '0');
  bf.resize(n, '0');
  if (af != bf) return af < bf ? -1 : 1;
  return 0;
}

}  // namespace

exposition check_exposition(const std::string& text) {
  exposition ex;
  auto fail = [&](int line, const std::string& what) {
    ex.errors.push_back("line " + std::to_string(line) + ": " + what);
  };
  if (!text.empty() && text.back() != '\n') fail(0, "text does not end with a newline");

  std::set<std::string> helped;
  std::set<std::string> finished;  // families whose samples are over
  std::string current;             // family of the previous sample or TYPE line
  // Histogram state per (family, label set without le).
  struct hist {
    std::string last_le;
    std::uint64_t last_count = 0;
    bool has_inf = false;
    std::uint64_t inf = 0;
    bool has_count = false;
    std::uint64_t count = 0;
    bool has_sum = false;
  };
  std::map<std::string, hist> hists;

  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool is_type = line[2] == 'T';
      const auto rest = line.substr(7);
      const auto sp = rest.find(' ');
      const std::string name = rest.substr(0, sp);
      if (!is_valid_metric_name(name)) fail(n, "bad family name " + name);
      if (is_type) {
        const std::string type = sp == std::string::npos ? "" : rest.substr(sp + 1);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped")
          fail(n, "bad type " + type);
        if (!ex.types.emplace(name, type).second) fail(n, "second TYPE line for " + name);
        if (type == "counter" && !name.ends_with("_total")) fail(n, "counter without _total: " + name);
      } else if (!helped.insert(name).second) {
        fail(n, "second HELP line for " + name);
      }
      if (name != current && !current.empty()) finished.insert(current);
      if (finished.contains(name)) fail(n, "metadata after the samples of " + name);
      current = name;
      continue;
    }
    if (line.starts_with('#')) continue;

    parsed_sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!is_valid_metric_name(s.name)) fail(n, "bad sample name " + s.name);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          fail(n, "bad label syntax");
          break;
        }
        const std::string lname = line.substr(i, eq - i);
        if (!is_valid_label_name(lname) && lname != "le") fail(n, "bad label name " + lname);
        std::string value;
        std::size_t j = eq + 2;
        bool closed = false;
        for (; j < line.size(); ++j) {
          if (line[j] == '\\') {
            if (j + 1 >= line.size()) break;
            const char e = line[++j];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else
              fail(n, "bad escape");
          } else if (line[j] == '"') {
            closed = true;
            ++j;
            break;
          } else {
            value += line[j];
          }
        }
        if (!closed) {
          fail(n, "unterminated label value");
          break;
        }
        if (!s.labels.emplace(lname, value).second) fail(n, "duplicate label " + lname);
        i = j;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // past '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      fail(n, "no value");
      continue;
    }
    s.value = line.substr(i + 1);
    if (!is_number(s.value)) fail(n, "bad value " + s.value);

    // Which family does this sample belong to?
    std::string family = s.name;
    std::string suffix;
    if (!ex.types.contains(family)) {
      for (std::string_view suf : {"_bucket", "_sum", "_count"}) {
        if (s.name.ends_with(suf)) {
          const auto base = s.name.substr(0, s.name.size() - suf.size());
          if (ex.types.contains(base) && ex.types[base] == "histogram") {
            family = base;
            suffix = suf;
          }
        }
      }
    }
    if (!ex.types.contains(family)) {
      fail(n, "sample without a TYPE line before it: " + s.name);
    } else {
      if (family != current) {
        if (!current.empty()) finished.insert(current);
        if (finished.contains(family)) fail(n, "samples of " + family + " are not together");
        current = family;
      }
      if (!helped.contains(family)) fail(n, "no HELP for " + family);
      const auto& type = ex.types[family];
      if (type == "counter" && s.value.starts_with('-')) fail(n, "negative counter");
      if (type == "histogram") {
        if (suffix.empty()) fail(n, "histogram sample without a suffix");
        std::string key = family + "{";
        for (const auto& [k, v] : s.labels)
          if (k != "le") key += k + "=" + v + ",";
        auto& h = hists[key];
        if (suffix == "_bucket") {
          if (!s.labels.contains("le")) {
            fail(n, "bucket without le");
          } else {
            const auto& le = s.labels["le"];
            const auto c = std::stoull(s.value);
            if (h.has_inf) fail(n, "bucket after +Inf");
            if (c < h.last_count) fail(n, "bucket count decreases");
            if (le == "+Inf") {
              h.has_inf = true;
              h.inf = c;
            } else if (!h.last_le.empty() && compare_decimal(le, h.last_le) <= 0) {
              fail(n, "le does not increase");
            }
            h.last_le = le;
            h.last_count = c;
          }
        } else if (suffix == "_count") {
          h.has_count = true;
          h.count = std::stoull(s.value);
        } else {
          h.has_sum = true;
        }
      } else if (s.labels.contains("le")) {
        fail(n, "le label outside a histogram");
      }
    }
    ex.samples.push_back(std::move(s));
  }
  for (const auto& [key, h] : hists) {
    if (!h.has_inf) ex.errors.push_back(key + ": no +Inf bucket");
    if (!h.has_count || !h.has_sum) ex.errors.push_back(key + ": no _count or _sum");
    if (h.has_inf && h.has_count && h.inf != h.count) ex.errors.push_back(key + ": +Inf bucket != _count");
  }
  for (const auto& [name, type] : ex.types)
    if (!helped.contains(name)) ex.errors.push_back(name + ": TYPE without HELP");
  return ex;
}

}  // namespace smm::daemon::metrics::testing
