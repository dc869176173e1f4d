// Fuzzes the provider reply parsers (providers/response_parser.hpp): every action's parser
// reads each input, so one corpus covers add, status (single and multi), services, balance,
// refill (single and multi), refill_status (single and multi) and cancel.
//
// Invariants: a reply is ok exactly when it carries no error text; an ok reply has the value
// its action promises (an order id, a status, one of status or error per multi entry...);
// money read from a reply survives to_string -> parse_money unchanged; and a body parsed in
// place (the caller's buffer has simdjson's padding) reads the same as a copied one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "providers/response_parser.hpp"

namespace {

using namespace smm;
using namespace smm::providers;

template <class T>
void check_reply(const reply<T>& r) {
  SMM_FUZZ_REQUIRE(r.ok() == r.error.empty());
  SMM_FUZZ_REQUIRE(r.kind == reply_kind::ok || r.kind == reply_kind::provider_error ||
                   r.kind == reply_kind::malformed);
}

// An amount read from `text` is exactly what `text` says (a repeated key replaces both), and
// its canonical text reads back to the same amount.
void check_money(const std::optional<money>& m, std::string_view text, excess_decimals mode) {
  const money_result said = parse_money(text, mode);
  SMM_FUZZ_REQUIRE(m.has_value() == static_cast<bool>(said));
  if (!m) return;
  SMM_FUZZ_REQUIRE(said.value == *m);
  const money_result again = parse_money(to_string(*m), excess_decimals::reject);
  SMM_FUZZ_REQUIRE(again && again.value == *m);
}

void check_status(const order_status& st) {
  SMM_FUZZ_REQUIRE(!st.status.empty());
  check_money(st.charge, st.charge_text, excess_decimals::round_down);
  for (const auto& child : st.child_orders) SMM_FUZZ_REQUIRE(!child.empty());
}

void check_id_results(const reply<std::vector<id_result>>& r) {
  check_reply(r);
  if (!r.ok()) return;
  for (const id_result& item : r.value) {
    // Each item is either a value (refill id, "1", a status) or an error with its text.
    SMM_FUZZ_REQUIRE(item.error.has_value() || !item.value.empty());
    if (item.error) SMM_FUZZ_REQUIRE(!item.error->message.empty());
  }
}

void check_status_multi(const reply<std::vector<status_entry>>& r) {
  check_reply(r);
  if (!r.ok()) return;
  for (const status_entry& e : r.value) {
    SMM_FUZZ_REQUIRE(e.status.has_value() != e.error.has_value());
    if (e.status) check_status(*e.status);
    if (e.error) SMM_FUZZ_REQUIRE(!e.error->message.empty());
  }
}

bool same(const reply<std::vector<status_entry>>& a, const reply<std::vector<status_entry>>& b) {
  if (a.kind != b.kind || a.error != b.error || a.value.size() != b.value.size()) return false;
  for (std::size_t i = 0; i < a.value.size(); ++i) {
    const status_entry &x = a.value[i], &y = b.value[i];
    if (x.id != y.id || x.status.has_value() != y.status.has_value() ||
        x.error.has_value() != y.error.has_value())
      return false;
    if (x.status && (x.status->status != y.status->status || x.status->charge != y.status->charge ||
                     x.status->remains != y.status->remains))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A view with no spare capacity: the parsers copy it into a padded buffer.
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const auto add = parse_add(body);
  check_reply(add);
  if (add.ok()) SMM_FUZZ_REQUIRE(!add.value.order.empty() && add.value.unconfirmed_order.empty());
  if (!add.ok()) SMM_FUZZ_REQUIRE(add.value.order.empty());

  const auto status = parse_status(body);
  check_reply(status);
  if (status.ok()) check_status(status.value);

  const auto multi = parse_status_multi(body);
  check_status_multi(multi);
  // The same bytes in a buffer with simdjson's padding are parsed in place: same answer.
  std::string padded(body);
  padded.reserve(size + 64);  // SIMDJSON_PADDING
  SMM_FUZZ_REQUIRE(same(multi, parse_status_multi(padded)));

  const auto services = parse_services(body);
  check_reply(services);
  if (services.ok()) {
    for (const provider_service& s : services.value.services) {
      SMM_FUZZ_REQUIRE(!s.service.empty());
      check_money(s.rate, s.rate_text, excess_decimals::reject);
    }
  }

  const auto refill = parse_refill(body);
  check_reply(refill);
  if (refill.ok()) SMM_FUZZ_REQUIRE(!refill.value.empty());

  const auto refill_status = parse_refill_status(body);
  check_reply(refill_status);
  if (refill_status.ok()) SMM_FUZZ_REQUIRE(!refill_status.value.empty());

  check_id_results(parse_refill_multi(body));
  check_id_results(parse_refill_status_multi(body));
  check_id_results(parse_cancel(body));

  const auto balance = parse_balance(body);
  check_reply(balance);
  if (balance.ok()) {
    SMM_FUZZ_REQUIRE(balance.value.balance.has_value());
    check_money(balance.value.balance, balance.value.balance_text, excess_decimals::round_down);
  }
  return 0;
}
