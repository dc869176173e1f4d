// Fuzzes the panel socket's request parser (daemon/panel/panel_protocol.hpp): one NDJSON line
// in, a typed request or a named error out.
//
// Invariants: a line yields a request or an error with a code and a message, never both or
// neither; a request holds what its op requires (ids 1..128 bytes, page limit in range, ...);
// the error answer the session writes for a refused line is valid JSON that carries the code,
// the message and the request's own id; and the id, echoed verbatim, reads back as the value
// the line gave.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/panel/panel_protocol.hpp"
#include "daemon/panel/panel_response.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace smm::daemon::panel;
namespace dom = simdjson::dom;

void check_panel_id(const std::string& id) { SMM_FUZZ_REQUIRE(!id.empty() && id.size() <= 128); }

void check_request(const request& r) {
  switch (r.kind) {
    case op::add:
      SMM_FUZZ_REQUIRE(!r.orders.empty() && r.ids.empty());
      SMM_FUZZ_REQUIRE(!r.single || r.orders.size() == 1);
      for (const auto& o : r.orders) check_panel_id(o.panel_order_id);
      break;
    case op::status:
    case op::cancel:
      SMM_FUZZ_REQUIRE(!r.ids.empty() && r.orders.empty());
      SMM_FUZZ_REQUIRE(!r.single || r.ids.size() == 1);
      for (const auto& id : r.ids) check_panel_id(id);
      break;
    case op::refill:
    case op::refill_status:
    case op::speedup:
    case op::history:
      SMM_FUZZ_REQUIRE(r.ids.size() == 1);
      check_panel_id(r.ids[0]);
      break;
    case op::resolve:
      SMM_FUZZ_REQUIRE(r.ids.size() == 1);
      check_panel_id(r.ids[0]);
      SMM_FUZZ_REQUIRE(r.placed == !r.provider_order_id.empty());
      SMM_FUZZ_REQUIRE(!(r.placed && r.canceled));
      break;
    case op::orders:
      SMM_FUZZ_REQUIRE(r.limit >= 1 && r.limit <= max_page_limit && r.after_id >= 0);
      break;
    case op::pause:
      SMM_FUZZ_REQUIRE(!r.provider.empty() && !r.reason.empty() && r.reason.size() <= max_pause_reason_bytes);
      break;
    case op::resume:
      SMM_FUZZ_REQUIRE(!r.provider.empty());
      break;
    case op::subscribe:
      SMM_FUZZ_REQUIRE(r.after_seq >= 0);
      break;
    default:
      SMM_FUZZ_REQUIRE(r.orders.empty() && r.ids.empty());
      break;
  }
}

// Same JSON scalar (type and value).
bool same_scalar(dom::element a, dom::element b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case dom::element_type::STRING:
      return std::string_view(a.get_string().value_unsafe()) ==
             std::string_view(b.get_string().value_unsafe());
    case dom::element_type::INT64:
      return a.get_int64().value_unsafe() == b.get_int64().value_unsafe();
    case dom::element_type::UINT64:
      return a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe();
    case dom::element_type::DOUBLE:
      return a.get_double().value_unsafe() == b.get_double().value_unsafe();
    default:
      return false;
  }
}

// The id the line gave, read by simdjson's DOM parser independently of the code under test.
// Nothing when the DOM parser does not take the line (the comparison is then skipped).
bool line_id(dom::parser& parser, std::string_view line, dom::element& id) {
  dom::element root;
  if (parser.parse(line.data(), line.size()).get(root)) return false;
  return root.at_key("id").get(id) == simdjson::SUCCESS;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const parse_result r = parse_request(line);

  SMM_FUZZ_REQUIRE(r.req.has_value() == r.message.empty());
  SMM_FUZZ_REQUIRE(to_string(r.code) != "?");
  if (r.req) check_request(*r.req);

  // The error line a session writes for a refused request.
  if (!r.req) {
    std::string answer;
    write_error(answer, r.id_json, r.code, r.message);
    static dom::parser answer_parser;  // static: a parser per input would dominate the run
    dom::element doc;
    SMM_FUZZ_REQUIRE(answer_parser.parse(answer).get(doc) == simdjson::SUCCESS);
    std::string_view code;
    SMM_FUZZ_REQUIRE(doc["error"]["code"].get(code) == simdjson::SUCCESS && code == to_string(r.code));
    std::string_view message;
    SMM_FUZZ_REQUIRE(doc["error"]["message"].get(message) == simdjson::SUCCESS);
    if (simdjson::validate_utf8(r.message.data(), r.message.size())) SMM_FUZZ_REQUIRE(message == r.message);
    dom::element echoed;
    SMM_FUZZ_REQUIRE((doc.at_key("id").get(echoed) == simdjson::SUCCESS) == !r.id_json.empty());
  }

  // The id echoed verbatim is the id the line gave.
  if (!r.id_json.empty()) {
    static dom::parser id_parser;
    dom::element echoed;
    SMM_FUZZ_REQUIRE(id_parser.parse(r.id_json).get(echoed) == simdjson::SUCCESS);
    static dom::parser line_parser;
    dom::element given;
    if (line_id(line_parser, line, given)) SMM_FUZZ_REQUIRE(same_scalar(given, echoed));
  }
  return 0;
}
