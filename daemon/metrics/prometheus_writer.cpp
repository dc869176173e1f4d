#include "daemon/metrics/prometheus_writer.hpp"

#include <stdexcept>

namespace smm::daemon::metrics {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

// [-]digits[.digits]: the only value shapes this daemon produces.
bool is_decimal_text(std::string_view v) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  const auto dot = v.find('.');
  const auto int_part = v.substr(0, dot);
  if (int_part.empty()) return false;
  for (char c : int_part)
    if (!is_digit(c)) return false;
  if (dot == std::string_view::npos) return true;
  const auto frac = v.substr(dot + 1);
  if (frac.empty()) return false;
  for (char c : frac)
    if (!is_digit(c)) return false;
  return true;
}

// HELP text escapes only backslash and newline (format 0.0.4).
std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  if (!is_alpha(name.front()) && name.front() != '_' && name.front() != ':') return false;
  for (char c : name)
    if (!is_alpha(c) && !is_digit(c) && c != '_' && c != ':') return false;
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  if (!is_alpha(name.front()) && name.front() != '_') return false;
  // Names starting with "__" are reserved for Prometheus itself.
  if (name.starts_with("__")) return false;
  for (char c : name)
    if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
  return true;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string scaled_decimal(std::uint64_t units, unsigned decimals) {
  std::string digits = std::to_string(units);
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  std::string out = digits.substr(0, digits.size() - decimals);
  std::string frac = digits.substr(digits.size() - decimals);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += '.' + frac;
  return out;
}

void prometheus_writer::family(std::string_view name, metric_type type, std::string_view help) {
  if (!is_valid_metric_name(name)) throw std::logic_error("invalid metric name: " + std::string(name));
  if (type == metric_type::counter && !name.ends_with("_total"))
    throw std::logic_error("a counter name must end in _total: " + std::string(name));
  if (!started_.emplace(name).second)
    throw std::logic_error("metric family written twice: " + std::string(name));
  current_ = name;
  current_type_ = type;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type_name(type);
  out_ += '\n';
}

void prometheus_writer::require_current(metric_type t) const {
  if (current_.empty()) throw std::logic_error("metric sample before any family");
  const bool histogram_wanted = t == metric_type::histogram;
  if (histogram_wanted != (current_type_ == metric_type::histogram))
    throw std::logic_error("sample kind does not match the family type of " + current_);
}

void prometheus_writer::sample(std::initializer_list<label> labels, std::uint64_t value) {
  require_current(metric_type::gauge);
  write_sample({}, labels, nullptr, std::to_string(value));
}

void prometheus_writer::sample(std::initializer_list<label> labels, std::int64_t value) {
  require_current(metric_type::gauge);
  if (current_type_ == metric_type::counter && value < 0)
    throw std::logic_error("negative counter value for " + current_);
  write_sample({}, labels, nullptr, std::to_string(value));
}

void prometheus_writer::sample(std::initializer_list<label> labels, std::string_view value) {
  require_current(metric_type::gauge);
  if (!is_decimal_text(value)) throw std::logic_error("not a decimal sample value: " + std::string(value));
  if (current_type_ == metric_type::counter && value.starts_with('-'))
    throw std::logic_error("negative counter value for " + current_);
  write_sample({}, labels, nullptr, value);
}

void prometheus_writer::histogram(std::initializer_list<label> labels,
                                  std::span<const std::string> upper_bounds,
                                  std::span<const std::uint64_t> counts, std::string_view sum) {
  require_current(metric_type::histogram);
  if (counts.size() != upper_bounds.size() + 1)
    throw std::logic_error("histogram counts need one more element than bounds: " + current_);
  if (!is_decimal_text(sum)) throw std::logic_error("not a decimal histogram sum: " + std::string(sum));
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!is_decimal_text(upper_bounds[i])) throw std::logic_error("bad bucket bound: " + upper_bounds[i]);
    cumulative += counts[i];
    const label le{"le", upper_bounds[i]};
    write_sample("_bucket", labels, &le, std::to_string(cumulative));
  }
  cumulative += counts.back();
  const label inf{"le", "+Inf"};
  write_sample("_bucket", labels, &inf, std::to_string(cumulative));
  write_sample("_sum", labels, nullptr, sum);
  write_sample("_count", labels, nullptr, std::to_string(cumulative));
}

void prometheus_writer::write_sample(std::string_view suffix, std::initializer_list<label> labels,
                                     const label* extra, std::string_view value) {
  out_ += current_;
  out_ += suffix;
  if (labels.size() != 0 || extra != nullptr) {
    out_ += '{';
    bool first = true;
    auto put = [&](const label& l) {
      if (!is_valid_label_name(l.name)) throw std::logic_error("invalid label name: " + std::string(l.name));
      if (!first) out_ += ',';
      first = false;
      out_ += l.name;
      out_ += "=\"";
      out_ += escape_label_value(l.value);
      out_ += '"';
    };
    for (const auto& l : labels) put(l);
    if (extra != nullptr) put(*extra);
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

std::string prometheus_writer::take() {
  std::string t = std::move(out_);
  out_.clear();
  return t;
}

}  // namespace smm::daemon::metrics
