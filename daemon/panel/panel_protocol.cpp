#include "daemon/panel/panel_protocol.hpp"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <string>

#include "daemon/panel/json_writer.hpp"

namespace smm::daemon::panel {

namespace od = simdjson::ondemand;

std::string_view to_string(op o) {
  switch (o) {
    case op::add:
      return "add";
    case op::status:
      return "status";
    case op::cancel:
      return "cancel";
    case op::refill:
      return "refill";
    case op::refill_status:
      return "refill_status";
    case op::speedup:
      return "speedup";
    case op::subscribe:
      return "subscribe";
    case op::unsubscribe:
      return "unsubscribe";
    case op::resolve:
      return "resolve";
    case op::services:
      return "services";
    case op::providers:
      return "providers";
    case op::ping:
      return "ping";
    case op::overview:
      return "overview";
    case op::orders:
      return "orders";
    case op::history:
      return "history";
    case op::pause:
      return "pause";
    case op::resume:
      return "resume";
    case op::reload:
      return "reload";
    case op::hello:
      return "hello";
  }
  return "?";
}

std::string_view to_string(failure_code c) {
  switch (c) {
    case failure_code::bad_request:
      return "bad_request";
    case failure_code::unknown_op:
      return "unknown_op";
    case failure_code::too_large:
      return "too_large";
    case failure_code::conflict:
      return "conflict";
    case failure_code::invalid:
      return "invalid";
    case failure_code::duplicate_link:
      return "duplicate_link";
    case failure_code::unavailable:
      return "unavailable";
    case failure_code::not_found:
      return "not_found";
    case failure_code::rejected:
      return "rejected";
    case failure_code::not_supported:
      return "not_supported";
    case failure_code::forbidden:
      return "forbidden";
    case failure_code::internal:
      return "internal";
    case failure_code::output_limit:
      return "output_limit";
    case failure_code::timeout:
      return "timeout";
    case failure_code::busy:
      return "busy";
    case failure_code::provider_refused:
      return "provider_refused";
    case failure_code::hello_required:
      return "hello_required";
    case failure_code::unauthorized:
      return "unauthorized";
    case failure_code::throttled:
      return "throttled";
  }
  return "?";
}

namespace {

constexpr std::size_t max_panel_order_id_bytes = 128;

// Thrown inside the parser only; parse_request turns it into a parse_result.
struct parse_failure {
  failure_code code;
  std::string message;
};

[[noreturn]] void fail(std::string message, failure_code code = failure_code::bad_request) {
  throw parse_failure{code, std::move(message)};
}

[[noreturn]] void fail_json(simdjson::error_code e) {
  fail(std::string("malformed JSON: ") + simdjson::error_message(e));
}

std::string child(std::string_view parent, std::string_view name) {
  std::string p;
  p.reserve(parent.size() + name.size() + 1);
  if (!parent.empty()) {
    p += parent;
    p += '.';
  }
  p += name;
  return p;
}

std::string element(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

// One place that maps a simdjson error on a typed read: a type mismatch names the field and
// what it should have been; anything else is the JSON itself being broken.
void check(simdjson::error_code e, const std::string& path, std::string_view expected) {
  if (e == simdjson::SUCCESS) return;
  if (e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_ERROR)
    fail(path + ": expected " + std::string(expected));
  if (e == simdjson::NUMBER_OUT_OF_RANGE) fail(path + ": integer out of range");
  if (e == simdjson::STRING_ERROR) fail(path + ": invalid string escape");
  fail_json(e);
}

od::json_type type_of(od::value& v) {
  od::json_type t{};
  const auto e = v.type().get(t);
  if (e) fail_json(e);
  return t;
}

std::int64_t read_int(od::value& v, const std::string& path) {
  if (type_of(v) != od::json_type::number) fail(path + ": expected an integer");
  const std::string_view token = v.raw_json_token();
  std::int64_t out = 0;
  if (v.get_int64().get(out) == simdjson::SUCCESS) return out;
  // Only digits (and a sign): a whole number too big for 64 bits, not a fraction.
  const std::size_t digits = token.find_first_not_of("-0123456789");
  if (digits == std::string_view::npos ||
      token.find_first_not_of(" \t\r\n", digits) == std::string_view::npos)
    fail(path + ": integer out of range");
  fail(path + ": expected an integer");
}

std::string read_string(od::value& v, const std::string& path) {
  if (type_of(v) != od::json_type::string) fail(path + ": expected a string");
  std::string_view out;
  check(v.get_string().get(out), path, "a string");
  return std::string(out);
}

bool read_bool(od::value& v, const std::string& path) {
  if (type_of(v) != od::json_type::boolean) fail(path + ": expected a boolean");
  bool out = false;
  check(v.get_bool().get(out), path, "a boolean");
  return out;
}

// Panel ids arrive as strings or integers; both become the same string ("42").
std::string read_string_or_int(od::value& v, const std::string& path) {
  const auto t = type_of(v);
  if (t == od::json_type::string) return read_string(v, path);
  if (t == od::json_type::number) return std::to_string(read_int(v, path));
  fail(path + ": expected a string or an integer");
}

std::string read_order_id(od::value& v, const std::string& path) {
  std::string id = read_string_or_int(v, path);
  if (id.empty()) fail(path + ": must not be empty");
  if (id.size() > max_panel_order_id_bytes)
    fail(path + ": longer than " + std::to_string(max_panel_order_id_bytes) + " bytes");
  return id;
}

// An array of strings, or one string of "\n"-separated entries (empty lines dropped, a
// trailing '\r' per entry removed, as panels paste text from Windows forms).
std::vector<std::string> read_string_list(od::value& v, const std::string& path) {
  std::vector<std::string> out;
  const auto t = type_of(v);
  if (t == od::json_type::string) {
    const std::string text = read_string(v, path);
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view entry(text.data() + start, end - start);
      if (!entry.empty() && entry.back() == '\r') entry.remove_suffix(1);
      if (!entry.empty()) out.emplace_back(entry);
      start = end + 1;
    }
    return out;
  }
  if (t != od::json_type::array) fail(path + ": expected an array of strings or a string");
  od::array arr;
  check(v.get_array().get(arr), path, "an array of strings or a string");
  std::size_t i = 0;
  for (auto item : arr) {
    od::value ev;
    if (const auto e = std::move(item).get(ev)) fail_json(e);
    out.push_back(read_string(ev, element(path, i)));
    ++i;
  }
  return out;
}

std::string_view read_key(od::field& f) {
  std::string_view key;
  if (const auto e = f.unescaped_key().get(key)) fail_json(e);
  return key;
}

// Tracks which known fields were seen, to reject duplicates ("op" twice is ambiguous).
class seen_fields {
 public:
  void mark(std::size_t index, std::string_view key, const std::string& where) {
    const std::uint64_t bit = std::uint64_t{1} << index;
    if (bits_ & bit) fail(where + "duplicate field \"" + std::string(key) + "\"");
    bits_ |= bit;
  }
  bool has(std::size_t index) const { return (bits_ & (std::uint64_t{1} << index)) != 0; }

 private:
  std::uint64_t bits_ = 0;
};

template <std::size_t N>
std::size_t index_of(const std::array<std::string_view, N>& names, std::string_view key) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == key) return i;
  return N;
}

// Field names of one order, and how each is read into providers::add_order.
constexpr std::array<std::string_view, 21> order_fields = {
    "panel_order_id", "service", "link",    "quantity", "comments",  "usernames",     "hashtags",
    "keywords",       "groups",  "hashtag", "username", "media",     "answer_number", "runs",
    "interval",       "min",     "max",     "posts",    "old_posts", "delay",         "expiry"};

panel_order read_order(od::value& v, const std::string& path) {
  if (type_of(v) != od::json_type::object) fail(path + ": expected an object");
  od::object obj;
  check(v.get_object().get(obj), path, "an object");
  panel_order o;
  auto& p = o.params;
  seen_fields seen;
  const std::string where = path + ": ";
  for (auto field_result : obj) {
    od::field f;
    if (const auto e = std::move(field_result).get(f)) fail_json(e);
    const std::string_view key = read_key(f);
    const std::size_t idx = index_of(order_fields, key);
    if (idx == order_fields.size()) fail(where + "unknown field \"" + std::string(key) + "\"");
    seen.mark(idx, key, where);
    od::value& fv = f.value();
    const std::string fp = child(path, key);
    switch (idx) {
      case 0:
        o.panel_order_id = read_order_id(fv, fp);
        break;
      case 1:
        o.service_id = read_int(fv, fp);
        break;
      case 2:
        p.link = read_string(fv, fp);
        break;
      case 3:
        p.quantity = read_int(fv, fp);
        break;
      case 4:
        p.comments = read_string_list(fv, fp);
        break;
      case 5:
        p.usernames = read_string_list(fv, fp);
        break;
      case 6:
        p.hashtags = read_string_list(fv, fp);
        break;
      case 7:
        p.keywords = read_string_list(fv, fp);
        break;
      case 8:
        p.groups = read_string_list(fv, fp);
        break;
      case 9:
        p.hashtag = read_string(fv, fp);
        break;
      case 10:
        p.username = read_string(fv, fp);
        break;
      case 11:
        p.media = read_string(fv, fp);
        break;
      case 12:
        p.answer_number = read_string_or_int(fv, fp);
        break;
      case 13:
        p.runs = read_int(fv, fp);
        break;
      case 14:
        p.interval = read_int(fv, fp);
        break;
      case 15:
        p.min = read_int(fv, fp);
        break;
      case 16:
        p.max = read_int(fv, fp);
        break;
      case 17:
        p.posts = read_int(fv, fp);
        break;
      case 18:
        p.old_posts = read_int(fv, fp);
        break;
      case 19:
        p.delay = read_int(fv, fp);
        break;
      case 20:
        p.expiry = read_string(fv, fp);
        break;
    }
  }
  if (!seen.has(0)) fail(where + "missing field \"panel_order_id\"");
  if (!seen.has(1)) fail(where + "missing field \"service\"");
  return o;
}

// Top-level fields after "id" and "op". Which ones an op takes is checked per op below.
enum field_index : std::size_t {
  f_id,
  f_op,
  f_order,
  f_orders,
  f_current_count,
  f_after_seq,
  f_placed,
  f_provider_order_id,
  f_canceled,
  f_state,
  f_after_id,
  f_limit,
  f_provider,
  f_reason,
  f_key,
  f_count
};
constexpr std::array<std::string_view, f_count> top_fields = {
    "id",       "op",    "order",    "orders", "current_count", "after_seq", "placed", "provider_order_id",
    "canceled", "state", "after_id", "limit",  "provider",      "reason",    "key"};

// Bit mask of the optional/required fields each op accepts (besides id and op).
constexpr std::uint32_t bit(field_index f) { return std::uint32_t{1} << f; }
std::uint32_t allowed_fields(op o) {
  switch (o) {
    case op::add:
    case op::status:
    case op::cancel:
      return bit(f_order) | bit(f_orders);
    case op::refill:
      return bit(f_order) | bit(f_current_count);
    case op::refill_status:
    case op::speedup:
    case op::history:
      return bit(f_order);
    case op::orders:
      return bit(f_state) | bit(f_after_id) | bit(f_limit);
    case op::pause:
      return bit(f_provider) | bit(f_reason);
    case op::resume:
      return bit(f_provider);
    case op::subscribe:
      return bit(f_after_seq);
    case op::resolve:
      return bit(f_order) | bit(f_placed) | bit(f_provider_order_id) | bit(f_canceled);
    case op::hello:
      return bit(f_key);
    case op::unsubscribe:
    case op::services:
    case op::providers:
    case op::ping:
    case op::overview:
    case op::reload:
      return 0;
  }
  return 0;
}

std::optional<op> op_from(std::string_view name) {
  for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(last_op); ++i) {
    const auto o = static_cast<op>(i);
    if (to_string(o) == name) return o;
  }
  return std::nullopt;
}

// "in_progress" -> order_state::in_progress; an unknown name lists the valid ones.
order_state read_state(od::value& v, const std::string& path) {
  const std::string name = read_string(v, path);
  std::string names;
  for (std::size_t i = 0; i < order_state_count; ++i) {
    const auto s = static_cast<order_state>(i);
    if (to_string(s) == name) return s;
    names += (i ? ", " : "");
    names += to_string(s);
  }
  fail(path + ": unknown state \"" + name + "\" (expected one of " + names + ")");
}

// The correlation id as JSON text: strings re-escaped, numbers as their exact token.
std::string read_id(od::value& v) {
  const auto t = type_of(v);
  if (t == od::json_type::string) {
    std::string_view s;
    check(v.get_string().get(s), "id", "a string or a number");
    std::string out;
    append_json_string(out, s);
    return out;
  }
  if (t == od::json_type::number) {
    std::string_view token = v.raw_json_token();
    while (!token.empty() &&
           (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r'))
      token.remove_suffix(1);
    od::number n;
    if (v.get_number().get(n)) {
      // A number that parses as no double or integer (1e400): too big to echo faithfully.
      if (token.find_first_not_of("+-.0123456789eE") == std::string_view::npos)
        fail("id: number out of range (send a string or a smaller number)");
      fail("id: malformed number");
    }
    return std::string(token);
  }
  fail("id: expected a string or a number");
}

void parse_body(od::document& doc, parse_result& r) {
  // Pass 1: id and op, wherever they are, so every later error can still echo the id.
  od::object obj;
  {
    od::json_type t{};
    if (const auto e = doc.type().get(t)) fail_json(e);
    if (t != od::json_type::object) fail("request must be a JSON object");
  }
  if (const auto e = doc.get_object().get(obj)) fail_json(e);
  std::string op_name;
  bool has_op = false;
  seen_fields seen;
  for (auto field_result : obj) {
    od::field f;
    if (const auto e = std::move(field_result).get(f)) fail_json(e);
    const std::string_view key = read_key(f);
    const std::size_t idx = index_of(top_fields, key);
    if (idx < f_count) seen.mark(idx, key, "");
    if (idx == f_id) {
      r.id_json = read_id(f.value());
    } else if (idx == f_op) {
      op_name = read_string(f.value(), "op");
      has_op = true;
    }
  }
  {
    // After the whole object the iterator must be at the end: anything else is trailing junk.
    const char* where = nullptr;
    if (doc.current_location().get(where) != simdjson::OUT_OF_BOUNDS)
      fail("malformed JSON: trailing content after the request object");
  }
  if (!has_op) fail("missing field \"op\"");
  const auto kind = op_from(op_name);
  if (!kind) fail("unknown op \"" + op_name + "\"", failure_code::unknown_op);

  // Pass 2: the op's own fields.
  request req;
  req.kind = *kind;
  const std::uint32_t allowed = allowed_fields(*kind);
  if (seen.has(f_order) && seen.has(f_orders) && (allowed & bit(f_orders)))
    fail("give either \"order\" or \"orders\", not both");
  doc.rewind();
  if (const auto e = doc.get_object().get(obj)) fail_json(e);
  for (auto field_result : obj) {
    od::field f;
    if (const auto e = std::move(field_result).get(f)) fail_json(e);
    const std::string_view key = read_key(f);
    const std::size_t idx = index_of(top_fields, key);
    if (idx == f_id || idx == f_op) continue;
    if (idx == f_count || (allowed & bit(static_cast<field_index>(idx))) == 0)
      fail("unknown field \"" + std::string(key) + "\" for op " + std::string(to_string(*kind)));
    od::value& v = f.value();
    switch (idx) {
      case f_order:
        req.single = true;
        if (*kind == op::add)
          req.orders.push_back(read_order(v, "order"));
        else
          req.ids.push_back(read_order_id(v, "order"));
        break;
      case f_orders: {
        if (type_of(v) != od::json_type::array)
          fail(std::string("orders: expected an array of ") + (*kind == op::add ? "objects" : "ids"));
        od::array arr;
        check(v.get_array().get(arr), "orders", "an array");
        std::size_t i = 0;
        for (auto item : arr) {
          od::value ev;
          if (const auto e = std::move(item).get(ev)) fail_json(e);
          if (*kind == op::add)
            req.orders.push_back(read_order(ev, element("orders", i)));
          else
            req.ids.push_back(read_order_id(ev, element("orders", i)));
          ++i;
        }
        if (i == 0) fail("orders: must not be empty");
        break;
      }
      case f_current_count:
        if (type_of(v) != od::json_type::null) req.current_count = read_int(v, "current_count");
        break;
      case f_after_seq:
        req.after_seq = read_int(v, "after_seq");
        if (req.after_seq < 0) fail("after_seq: must be >= 0");
        break;
      case f_placed:
        req.placed = read_bool(v, "placed");
        break;
      case f_canceled:
        req.canceled = read_bool(v, "canceled");
        break;
      case f_provider_order_id:
        req.provider_order_id = read_string_or_int(v, "provider_order_id");
        break;
      case f_state:
        req.state = read_state(v, "state");
        break;
      case f_after_id:
        req.after_id = read_int(v, "after_id");
        if (req.after_id < 0) fail("after_id: must be >= 0");
        break;
      case f_limit: {
        const std::int64_t limit = read_int(v, "limit");
        if (limit < 1 || limit > static_cast<std::int64_t>(max_page_limit))
          fail("limit: must be between 1 and " + std::to_string(max_page_limit));
        req.limit = static_cast<std::size_t>(limit);
        break;
      }
      case f_provider:
        req.provider = read_string(v, "provider");
        if (req.provider.empty()) fail("provider: must not be empty");
        break;
      case f_reason:
        req.reason = read_string(v, "reason");
        if (req.reason.size() > max_pause_reason_bytes)
          fail("reason: longer than " + std::to_string(max_pause_reason_bytes) + " bytes");
        break;
      case f_key:
        // Any string: whether it is a panel's key is for the key ring to say (in constant time).
        // Errors name the field, never its value.
        req.key = read_string(v, "key");
        break;
    }
  }

  // Required fields and combinations, per op.
  const bool has_order = seen.has(f_order), has_orders = seen.has(f_orders);
  switch (*kind) {
    case op::add:
    case op::status:
    case op::cancel:
      if (has_order && has_orders) fail("give either \"order\" or \"orders\", not both");
      if (!has_order && !has_orders) fail("missing field \"order\" or \"orders\"");
      break;
    case op::refill:
    case op::refill_status:
    case op::speedup:
    case op::history:
      if (!has_order) fail("missing field \"order\"");
      break;
    case op::orders:
      if (!seen.has(f_state)) fail("missing field \"state\"");
      break;
    case op::pause:
    case op::resume:
      if (!seen.has(f_provider)) fail("missing field \"provider\"");
      if (*kind == op::pause && req.reason.empty()) req.reason = default_pause_reason;
      break;
    case op::resolve:
      if (!has_order) fail("missing field \"order\"");
      if (!seen.has(f_placed)) fail("missing field \"placed\"");
      if (req.placed && req.provider_order_id.empty())
        fail("provider_order_id: required when placed is true");
      if (!req.placed && seen.has(f_provider_order_id))
        fail("provider_order_id: only allowed when placed is true");
      if (req.placed && req.canceled) fail("canceled: only allowed when placed is false");
      break;
    case op::hello:
      if (!seen.has(f_key)) fail("missing field \"key\"");
      break;
    default:
      break;
  }
  r.req = std::move(req);
}

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

}  // namespace

parse_result parse_request(std::string_view line, std::size_t max_line_bytes) {
  parse_result r;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_line_bytes) {
    r.code = failure_code::too_large;
    r.message = "request line is over the " + std::to_string(max_line_bytes) + "-byte limit";
    return r;
  }
  if (const void* nul = std::memchr(line.data(), 0, line.size())) {
    r.message = "NUL byte at offset " + std::to_string(static_cast<const char*>(nul) - line.data()) +
                " of the request line";
    return r;
  }
  if (!simdjson::validate_utf8(line.data(), line.size())) {
    r.message = "request line is not valid UTF-8";
    return r;
  }
  // simdjson reads a few bytes past the end: parse a padded copy (reused per thread).
  thread_local std::string padded;
  padded.assign(line);
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING, ' ');
  try {
    od::document doc;
    const auto e = thread_parser().iterate(padded.data(), line.size(), padded.size()).get(doc);
    if (e) fail_json(e);
    parse_body(doc, r);
  } catch (parse_failure& f) {
    r.req.reset();
    r.code = f.code;
    r.message = std::move(f.message);
  } catch (const simdjson::simdjson_error& e) {
    r.req.reset();
    r.code = failure_code::bad_request;
    r.message = std::string("malformed JSON: ") + e.what();
  }
  return r;
}

}  // namespace smm::daemon::panel
