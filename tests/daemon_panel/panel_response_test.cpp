// Answer lines and the JSON writer: exact text for the shapes panels depend on, and valid JSON
// (checked with simdjson) for hostile strings.
#include "daemon/panel/panel_response.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "daemon/panel/json_writer.hpp"

namespace smm::daemon::panel {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Parses `line` (one JSON document) and returns the string at `pointer`.
std::string string_at(const std::string& line, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  std::string_view s;
  EXPECT_EQ(doc.at_pointer(pointer).get(s), simdjson::SUCCESS) << line;
  return std::string(s);
}

TEST(JsonWriter, EscapesQuotesBackslashAndControls) {
  EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json(std::string("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(as_json("/\x7f"), "\"/\x7f\"");
}

TEST(JsonWriter, PassesUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(as_json("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(as_json("a\xFF"
                    "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(as_json("\xC3"), "\"\xEF\xBF\xBD\"");                                  // truncated sequence
  EXPECT_EQ(as_json("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  const std::string hostile = std::string("x\"\\\n\x01\xFE\xC3\xA9", 8);
  std::string line = "{\"v\":" + as_json(hostile) + "}";
  EXPECT_EQ(string_at(line, "/v"), std::string("x\"\\\n\x01\xEF\xBF\xBD\xC3\xA9"));
}

TEST(JsonWriter, NestsWithCommas) {
  std::string out;
  json_writer w(out);
  w.begin_object()
      .member("a", std::int64_t{1})
      .key("b")
      .begin_array()
      .integer(1)
      .integer(-2)
      .begin_object()
      .end_object();
  w.end_array().member("c", false).key("d").null().end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[1,-2,{}],"c":false,"d":null})");
}

add_answer accepted(std::string id, std::int64_t order_id) {
  add_answer a;
  a.panel_order_id = std::move(id);
  a.status = add_status::accepted;
  a.order_id = order_id;
  a.state = order_state::queued;
  a.charge = money::from_micros(900'000);
  return a;
}

TEST(PanelResponse, AddSingleAndBatch) {
  std::string out;
  const auto a = accepted("p1", 10);
  write_add(out, R"("c1")", true, std::span<const add_answer>(&a, 1));
  EXPECT_EQ(
      out,
      R"({"id":"c1","ok":true,"result":{"panel_order_id":"p1","status":"accepted","order_id":10,"state":"queued","charge":"0.9"}})"
      "\n");
  add_answer bad;
  bad.panel_order_id = "p2";
  bad.status = add_status::conflict;
  bad.error = "panel_order_id p2 exists with other content";
  out.clear();
  write_add(out, "7", true, std::span<const add_answer>(&bad, 1));
  EXPECT_EQ(
      out,
      R"({"id":7,"ok":false,"error":{"code":"conflict","message":"panel_order_id p2 exists with other content","panel_order_id":"p2"}})"
      "\n");
  out.clear();
  const std::vector<add_answer> both{a, bad};
  write_add(out, "7", false, both);
  EXPECT_EQ(
      out,
      R"({"id":7,"ok":true,"result":{"orders":[{"panel_order_id":"p1","status":"accepted","order_id":10,"state":"queued","charge":"0.9"},{"panel_order_id":"p2","status":"conflict","error":"panel_order_id p2 exists with other content"}]}})"
      "\n");
}

TEST(PanelResponse, ErrorWithoutId) {
  std::string out;
  write_error(out, {}, failure_code::too_large, "too big");
  EXPECT_EQ(out, R"({"ok":false,"error":{"code":"too_large","message":"too big"}})"
                 "\n");
}

TEST(PanelResponse, StatusViewHasNamesAndMoneyStrings) {
  order_view v;
  v.panel_order_id = "p1";
  v.order_id = 3;
  v.service_id = 9;
  v.state = order_state::partial;
  v.link = "https://instagram.com/bob";
  v.provider = "alpha";
  v.provider_service_id = "101";
  v.provider_order_id = "555";
  v.sent_at = 150;
  v.raw_status = "Partial";
  v.quantity = 1000;
  v.charge = money::from_micros(1'500'000);
  v.start_count = 10;
  v.remains = 250;
  v.refund = money::from_micros(375'000);
  v.refund_reason = "partial";
  v.refill = "eligible";
  v.speedup = "not stuck";
  v.created_at = 100;
  v.updated_at = 200;
  lookup_answer found{"p1", v, result_code::ok, ""};
  lookup_answer missing{"zz", std::nullopt, result_code::not_found, "order not found"};
  std::string out;
  write_status(out, "1", true, std::span<const lookup_answer>(&found, 1));
  EXPECT_EQ(
      out,
      R"({"id":1,"ok":true,"result":{"panel_order_id":"p1","order_id":3,"service":9,"state":"partial","held":false,"link":"https://instagram.com/bob","provider":"alpha","provider_service":"101","provider_order_id":"555","raw_status":"Partial","quantity":1000,"sent_at":150,"charge":"1.5","start_count":10,"remains":250,"refund":"0.375","refund_reason":"partial","refill":"eligible","speedup":"not stuck","note":"","created_at":100,"updated_at":200}})"
      "\n");
  out.clear();
  write_status(out, "1", true, std::span<const lookup_answer>(&missing, 1));
  EXPECT_EQ(out, R"({"id":1,"ok":false,"error":{"code":"not_found","message":"order not found"}})"
                 "\n");
  out.clear();
  const std::vector<lookup_answer> two{missing, found};
  write_status(out, "1", false, two);
  EXPECT_EQ(string_at(out, "/result/orders/0/error"), "order not found");
  EXPECT_EQ(string_at(out, "/result/orders/0/code"), "not_found");
  EXPECT_EQ(string_at(out, "/result/orders/1/refund"), "0.375");
}

TEST(PanelResponse, ActionsSingleAndBatch) {
  action_answer yes{"p1", result_code::ok, "cancel requested", ""};
  action_answer no{"p2", result_code::not_eligible, "", "refill window over"};
  action_answer gone{"p3", result_code::not_found, "", "order not found"};
  std::string out;
  write_actions(out, "1", true, std::span<const action_answer>(&yes, 1));
  EXPECT_EQ(out, R"({"id":1,"ok":true,"result":{"panel_order_id":"p1","result":"cancel requested"}})"
                 "\n");
  out.clear();
  write_actions(out, "1", true, std::span<const action_answer>(&no, 1));
  EXPECT_EQ(out, R"({"id":1,"ok":false,"error":{"code":"rejected","message":"refill window over"}})"
                 "\n");
  out.clear();
  write_actions(out, "1", true, std::span<const action_answer>(&gone, 1));
  EXPECT_EQ(out, R"({"id":1,"ok":false,"error":{"code":"not_found","message":"order not found"}})"
                 "\n");
  out.clear();
  const std::vector<action_answer> both{yes, no};
  write_actions(out, "1", false, both);
  EXPECT_EQ(
      out,
      R"({"id":1,"ok":true,"result":{"orders":[{"panel_order_id":"p1","ok":true,"result":"cancel requested"},{"panel_order_id":"p2","ok":false,"code":"rejected","error":"refill window over"}]}})"
      "\n");
}

// Every engine result code and the `code` the panel sees, for each answer that carries one
// (a single action, a batch entry, a status lookup, history). Decided by the code alone: the
// message is the same misleading text in every row, so a face that read it would fail here.
TEST(PanelResponse, EveryResultCodeMapsToItsWireCode) {
  const std::vector<std::pair<result_code, std::string_view>> table{
      {result_code::not_found, "not_found"},
      {result_code::not_eligible, "rejected"},
      {result_code::busy, "busy"},
      {result_code::invalid, "invalid"},
      {result_code::conflict, "conflict"},
      {result_code::unavailable, "unavailable"},
      {result_code::provider_refused, "provider_refused"},
      {result_code::internal, "internal"},
  };
  std::size_t errors = 0;
  for (const result_code c : all_result_codes) errors += c == result_code::ok ? 0 : 1;
  ASSERT_EQ(table.size(), errors) << "a result code without a row";
  const std::string msg = "order not found";
  for (const auto& [code, wire] : table) {
    SCOPED_TRACE(std::string(to_string(code)));
    EXPECT_EQ(to_string(failure_for(code)), wire);
    const action_answer a{"p1", code, "", msg};
    std::string out;
    write_actions(out, "1", true, std::span<const action_answer>(&a, 1));
    EXPECT_EQ(string_at(out, "/error/code"), wire) << out;
    EXPECT_EQ(string_at(out, "/error/message"), msg) << "the message stays as the engine wrote it";
    out.clear();
    const std::vector<action_answer> batch{a, a};
    write_actions(out, "1", false, batch);
    EXPECT_EQ(string_at(out, "/result/orders/1/code"), wire) << out;
    EXPECT_EQ(string_at(out, "/result/orders/1/error"), msg);
    out.clear();
    const lookup_answer l{"p1", std::nullopt, code, msg};
    write_status(out, "1", true, std::span<const lookup_answer>(&l, 1));
    EXPECT_EQ(string_at(out, "/error/code"), wire) << out;
    out.clear();
    write_history(out, "1", order_history{"p1", std::nullopt, {}, code, msg});
    EXPECT_EQ(string_at(out, "/error/code"), wire) << out;
  }
  // An answer without an order that claims ok is the engine's bug: internal, never a success.
  const lookup_answer odd{"p1", std::nullopt, result_code::ok, ""};
  std::string out;
  write_status(out, "1", true, std::span<const lookup_answer>(&odd, 1));
  EXPECT_EQ(string_at(out, "/error/code"), "internal") << out;
  // Add answers that were not taken map by their status.
  EXPECT_EQ(to_string(failure_for(add_status::conflict)), "conflict");
  EXPECT_EQ(to_string(failure_for(add_status::invalid)), "invalid");
  EXPECT_EQ(to_string(failure_for(add_status::duplicate_link)), "duplicate_link");
  EXPECT_EQ(to_string(failure_for(add_status::unavailable)), "unavailable");
}

TEST(PanelResponse, HelloNamesThePanel) {
  std::string out;
  write_hello(out, "1", "shop");
  EXPECT_EQ(out, R"({"id":1,"ok":true,"result":{"panel":"shop"}})"
                 "\n");
}

TEST(PanelResponse, EventsOneLineEachRefundOnlyWhenOwed) {
  event_view e1;
  e1.seq = 41;
  e1.panel_order_id = "p1";
  e1.order_id = 3;
  e1.old_state = order_state::in_progress;
  e1.new_state = order_state::partial;
  e1.raw_status = "Partial";
  e1.charge = money::from_micros(1'000'000);
  e1.remains = 500;
  e1.refund = money::from_micros(500'000);
  e1.at = 77;
  event_view e2 = e1;
  e2.seq = 42;
  e2.refund.reset();
  e2.remains.reset();
  e2.refill_eligible = true;
  const std::vector<event_view> events{e1, e2};
  std::string out;
  write_events(out, events);
  EXPECT_EQ(
      out,
      R"({"event":{"seq":41,"panel_order_id":"p1","order_id":3,"old_state":"in_progress","new_state":"partial","raw_status":"Partial","charge":"1","remains":500,"refund":"0.5","refill_eligible":false,"note":"","at":77}})"
      "\n"
      R"({"event":{"seq":42,"panel_order_id":"p1","order_id":3,"old_state":"in_progress","new_state":"partial","raw_status":"Partial","charge":"1","remains":null,"refund":null,"refill_eligible":true,"note":"","at":77}})"
      "\n");
}

TEST(PanelResponse, ProvidersServicesPingSubscribe) {
  provider_view p;
  p.name = "alpha";
  p.breaker = "closed";
  p.in_flight = 2;
  p.max_in_flight = 8;
  p.requests_per_second = 2.5;
  p.queued = 5;
  p.balance = money::from_micros(12'340'000);
  p.currency = "USD";
  std::string out;
  write_providers(out, "1", std::span<const provider_view>(&p, 1));
  EXPECT_EQ(
      out,
      R"({"id":1,"ok":true,"result":{"providers":[{"name":"alpha","breaker":"closed","paused":false,"pause_reason":"","in_flight":2,"max_in_flight":8,"requests_per_second":2.5,"queued":5,"balance":"12.34","currency":"USD"}]}})"
      "\n");
  service_def s;
  s.id = 5;
  s.name = "Likes";
  s.type = service_type::custom_comments;
  s.rate_per_1000 = money::from_micros(900'000);
  s.min_quantity = 10;
  s.max_quantity = 5000;
  s.refill_days = 30;
  out.clear();
  write_services(out, "1", std::span<const service_def>(&s, 1));
  EXPECT_EQ(string_at(out, "/result/services/0/rate_per_1000"), "0.9");
  EXPECT_EQ(string_at(out, "/result/services/0/name"), "Likes");
  EXPECT_NE(out.find(R"("min":10,"max":5000,"refill_days":30,"cancel_allowed":false)"), std::string::npos)
      << out;
  out.clear();
  write_pong(out, R"("x")");
  EXPECT_EQ(out, R"({"id":"x","ok":true,"result":{"pong":true}})"
                 "\n");
  out.clear();
  write_subscribed(out, "2", 40);
  EXPECT_EQ(out, R"({"id":2,"ok":true,"result":{"subscribed":true,"after_seq":40}})"
                 "\n");
}

TEST(PanelResponse, OverviewHasEveryStateAndTheCounters) {
  engine_figures f;
  f.orders_by_state[static_cast<std::size_t>(order_state::queued)] = 4;
  f.orders_by_state[static_cast<std::size_t>(order_state::unknown)] = 1;
  f.orders_by_state[static_cast<std::size_t>(order_state::completed)] = 7;
  f.held = 2;
  f.intake_accepted = 12;
  f.intake_replayed = 3;
  f.intake_duplicate_link = 1;
  f.adds_sent = 9;
  f.placed = 7;
  f.unknown = 1;
  f.finals = 7;
  f.refunds_micros = 1'250'000;
  f.status_polls = 30;
  f.reconciled_found = 2;
  f.reconciled_absent = 1;
  std::string out;
  write_overview(out, "1", f, "0.1.0", 65);
  EXPECT_EQ(
      out,
      R"({"id":1,"ok":true,"result":{"version":"0.1.0","uptime_s":65,"orders":{"by_state":{"received":0,"queued":4,"sending":0,"placed":0,"unknown":1,"rejected":0,"pending":0,"in_progress":0,"completed":7,"partial":0,"canceled":0,"refunded":0,"failed":0},"open":5,"held":2},)"
      R"("intake":{"accepted":12,"replayed":3,"conflicts":0,"invalid":0,"duplicate_link":1,"unavailable":0},)"
      R"("placement":{"adds_sent":9,"placed":7,"rejected":0,"unknown":1,"requeued":0},"finals":7,"refunds":"1.25","anomalies":0,"status_polls":30,)"
      R"("reconciled":{"found":2,"absent":1,"inconclusive":0}}})"
      "\n");
}

// With the journal's counts (the engine's figures have them), every order of the journal is
// counted, final orders of earlier runs too; `received` adds the inserts still in memory.
TEST(PanelResponse, OverviewCountsTheWholeJournalWhenItsCountsAreKnown) {
  engine_figures f;
  f.orders_by_state[static_cast<std::size_t>(order_state::received)] = 2;
  f.orders_by_state[static_cast<std::size_t>(order_state::queued)] = 4;
  f.journal_counted = true;
  f.journal_orders_by_state[static_cast<std::size_t>(order_state::queued)] = 4;
  f.journal_orders_by_state[static_cast<std::size_t>(order_state::completed)] = 1000;
  std::string out;
  write_overview(out, "1", f, "0.1.0", 65);
  EXPECT_NE(out.find(R"("by_state":{"received":2,"queued":4,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("completed":1000,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("open":6,)"), std::string::npos) << out;
}

TEST(PanelResponse, OrderPageAndEmptyPage) {
  order_view v;
  v.panel_order_id = "p9";
  v.order_id = 9;
  v.state = order_state::unknown;
  v.note = "add timed out";
  order_page page;
  page.orders = {v};
  page.next_after_id = 9;
  std::string out;
  write_order_page(out, "2", order_state::unknown, page);
  EXPECT_EQ(string_at(out, "/result/state"), "unknown");
  EXPECT_EQ(string_at(out, "/result/orders/0/panel_order_id"), "p9");
  EXPECT_EQ(string_at(out, "/result/orders/0/note"), "add timed out");
  EXPECT_NE(out.find(R"(],"next_after_id":9}})"), std::string::npos) << out;
  out.clear();
  write_order_page(out, "2", order_state::queued, order_page{});
  EXPECT_EQ(out, R"({"id":2,"ok":true,"result":{"state":"queued","orders":[],"next_after_id":0}})"
                 "\n");
}

TEST(PanelResponse, HistoryIsTheOrderAndItsEventsOrNotFound) {
  order_history h;
  h.panel_order_id = "p1";
  h.order = order_view{};
  h.order->panel_order_id = "p1";
  h.order->order_id = 1;
  h.order->state = order_state::placed;
  event_view e;
  e.seq = 5;
  e.panel_order_id = "p1";
  e.order_id = 1;
  e.old_state = order_state::sending;
  e.new_state = order_state::placed;
  e.at = 10;
  h.events = {e};
  std::string out;
  write_history(out, "3", h);
  EXPECT_EQ(string_at(out, "/result/order/state"), "placed");
  EXPECT_NE(
      out.find(
          R"("events":[{"seq":5,"panel_order_id":"p1","order_id":1,"old_state":"sending","new_state":"placed",)"),
      std::string::npos)
      << out;
  out.clear();
  write_history(out, "3", order_history{"zz", std::nullopt, {}, result_code::not_found, "order not found"});
  EXPECT_EQ(out, R"({"id":3,"ok":false,"error":{"code":"not_found","message":"order not found"}})"
                 "\n");
}

TEST(PanelResponse, PauseResumeReload) {
  std::string out;
  write_paused(out, "1", "alpha", true, "maintenance");
  EXPECT_EQ(out, R"({"id":1,"ok":true,"result":{"provider":"alpha","paused":true,"reason":"maintenance"}})"
                 "\n");
  out.clear();
  write_paused(out, "1", "alpha", false, "");
  EXPECT_EQ(out, R"({"id":1,"ok":true,"result":{"provider":"alpha","paused":false}})"
                 "\n");
  out.clear();
  write_reloaded(out, "1", "log level applied");
  EXPECT_EQ(out, R"({"id":1,"ok":true,"result":{"reloaded":true,"message":"log level applied"}})"
                 "\n");
  out.clear();
  write_error(out, "1", failure_code::not_supported, "reload not available");
  EXPECT_EQ(out, R"({"id":1,"ok":false,"error":{"code":"not_supported","message":"reload not available"}})"
                 "\n");
}

}  // namespace
}  // namespace smm::daemon::panel
