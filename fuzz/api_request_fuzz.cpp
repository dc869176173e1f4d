// Fuzzes the API v2 endpoint's request decoder (daemon/apiv2/api_request.hpp): query string,
// form body, JSON body and the key headers, then the typed request built from the parameters.
//
// Input layout (readable seeds): line 1 Content-Type, line 2 the request target (path and
// query), line 3 X-Api-Key, line 4 Authorization, the rest is the body. Missing lines are
// empty; the method is POST when there is a body.
//
// Invariants: decoding yields parameters or an error, never both; the key never stays among
// the parameters; no value holds a NUL; repeated names are merged; the parameter cap holds;
// parameters written back as a form body decode to the same list (form decoding round trip);
// a typed request or an error text, never both, and ids that are trimmed, unique, within the
// cap and present where the action needs them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "daemon/apiv2/api_request.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace smm::daemon::apiv2;

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

// PHP's rawurlencode: every byte but the unreserved ones as %XX.
std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

bool is_trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  return !s.empty() && !space(s.front()) && !space(s.back());
}

void check_decoded(const decoded_input& d, const request_limits& limits) {
  if (!d.error.empty()) {
    SMM_FUZZ_REQUIRE(d.params.empty() && d.key.empty());
    return;
  }
  SMM_FUZZ_REQUIRE(d.params.size() <= limits.max_params);
  std::set<std::string> names;
  for (const auto& [name, value] : d.params) {
    SMM_FUZZ_REQUIRE(name != "key");
    SMM_FUZZ_REQUIRE(value.find('\0') == std::string::npos);
    SMM_FUZZ_REQUIRE(names.insert(name).second);  // repeats were merged
  }
}

// The decoded parameters as a form body decode to the same parameters. Empty names only
// come from JSON keys and a form cannot carry them: they are left out on both sides.
void check_form_round_trip(const param_list& params) {
  param_list named;
  std::string body;
  for (const auto& [name, value] : params) {
    if (name.empty()) continue;
    named.emplace_back(name, value);
    if (!body.empty()) body += '&';
    body += url_encode(name) + '=' + url_encode(value);
  }
  const http_input again{"POST", "/api/v2", "application/x-www-form-urlencoded", body, {}, {}};
  const decoded_input d = decode_input(again);
  SMM_FUZZ_REQUIRE(d.error.empty());
  SMM_FUZZ_REQUIRE(d.key.empty());
  SMM_FUZZ_REQUIRE(d.params == named);
}

void check_request(const parse_result& r, const request_limits& limits) {
  SMM_FUZZ_REQUIRE(r.req.has_value() == r.error.empty());
  if (!r.req) return;
  const request& q = *r.req;
  switch (q.act) {
    case action::services:
    case action::balance:
      SMM_FUZZ_REQUIRE(q.ids.empty());
      break;
    case action::add:
      SMM_FUZZ_REQUIRE(q.service > 0 && q.ids.empty());
      break;
    case action::status:
    case action::refill:
    case action::refill_status:
    case action::cancel: {
      SMM_FUZZ_REQUIRE(!q.ids.empty() && q.ids.size() <= limits.max_ids);
      SMM_FUZZ_REQUIRE(q.multi || q.ids.size() == 1);
      std::set<std::string> seen;
      for (const auto& id : q.ids) {
        SMM_FUZZ_REQUIRE(is_trimmed(id));
        SMM_FUZZ_REQUIRE(seen.insert(id).second);
      }
      if (q.act == action::cancel) SMM_FUZZ_REQUIRE(q.multi);
      break;
    }
  }
  // A daemon id reads back as the digits it was written with.
  for (const auto& text : q.ids) {
    if (const auto id = parse_id(text))
      SMM_FUZZ_REQUIRE(*id > 0 && std::to_string(*id) == text.substr(text.find_first_not_of('0')));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  http_input in;
  in.content_type = next_line(rest);
  in.target = next_line(rest);
  in.x_api_key = next_line(rest);
  in.authorization = next_line(rest);
  in.body = rest;
  in.method = in.body.empty() ? "GET" : "POST";

  const request_limits limits;
  const decoded_input d = decode_input(in, limits);
  check_decoded(d, limits);
  if (d.error.empty()) {
    check_form_round_trip(d.params);
    check_request(parse_request(d.params, limits), limits);
  }

  // Small caps reach the over-the-limit paths with short inputs.
  const request_limits small{.max_params = 4, .max_ids = 3};
  const decoded_input ds = decode_input(in, small);
  check_decoded(ds, small);
  if (ds.error.empty()) check_request(parse_request(ds.params, small), small);
  return 0;
}
