#include "daemon/panel/json_writer.hpp"

#include <charconv>

namespace smm::daemon::panel {

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    if (has_element_ & bit) out_ += ',';
    has_element_ |= bit;
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  out_ += '{';
  ++depth_;
  has_element_ &= ~(std::uint64_t{1} << (depth_ - 1));
  return *this;
}

json_writer& json_writer::end_object() {
  out_ += '}';
  --depth_;
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_ += '[';
  ++depth_;
  has_element_ &= ~(std::uint64_t{1} << (depth_ - 1));
  return *this;
}

json_writer& json_writer::end_array() {
  out_ += ']';
  --depth_;
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

json_writer& json_writer::integer(std::int64_t v) {
  before_value();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

}  // namespace smm::daemon::panel
