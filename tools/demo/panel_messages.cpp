#include "tools/demo/panel_messages.hpp"

#include "daemon/panel/json_writer.hpp"

namespace smm::demo {

namespace dom = simdjson::dom;
using daemon::panel::json_writer;

namespace {

json_writer& open_request(json_writer& w, std::int64_t id, std::string_view op) {
  return w.begin_object().member("id", id).member("op", op);
}

// A string member, or "" when absent or not a string.
std::string text_of(dom::element obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

// The result's "orders" array of the last answer, if any.
bool orders_of(dom::element doc, dom::array& out) {
  return doc["result"]["orders"].get(out) == simdjson::SUCCESS;
}

}  // namespace

std::string add_line(std::int64_t id, std::span<const demo_order> orders) {
  std::string out;
  json_writer w(out);
  open_request(w, id, "add").key("orders").begin_array();
  for (const auto& d : orders) {
    w.begin_object().member("panel_order_id", d.panel_order_id).member("service", d.service_id);
    w.member("link", d.link);
    if (d.send_quantity) w.member("quantity", d.quantity);
    if (!d.comments.empty()) {
      w.key("comments").begin_array();
      for (const auto& c : d.comments) w.string(c);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

std::string status_line(std::int64_t id, std::span<const std::string> panel_order_ids) {
  std::string out;
  json_writer w(out);
  open_request(w, id, "status").key("orders").begin_array();
  for (const auto& p : panel_order_ids) w.string(p);
  w.end_array().end_object();
  out += '\n';
  return out;
}

std::string subscribe_line(std::int64_t id, std::int64_t after_seq) {
  std::string out;
  json_writer w(out);
  open_request(w, id, "subscribe").member("after_seq", after_seq).end_object();
  out += '\n';
  return out;
}

std::string hello_line(std::int64_t id, std::string_view key) {
  std::string out;
  json_writer w(out);
  open_request(w, id, "hello").member("key", key).end_object();
  out += '\n';
  return out;
}

std::string bare_line(std::int64_t id, std::string_view op) {
  std::string out;
  json_writer w(out);
  open_request(w, id, op).end_object();
  out += '\n';
  return out;
}

std::optional<order_state> state_from_name(std::string_view name) {
  for (std::size_t i = 0; i < order_state_count; ++i) {
    const auto s = static_cast<order_state>(i);
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

parsed_line message_reader::read(std::string_view line) {
  parsed_line out;
  have_result_ = false;
  if (const auto e = parser_.parse(line.data(), line.size()).get(doc_); e != simdjson::SUCCESS) {
    out.message = std::string("not JSON: ") + simdjson::error_message(e);
    return out;
  }
  dom::element ev;
  if (doc_["event"].get(ev) == simdjson::SUCCESS) {
    std::int64_t seq = 0;
    std::string_view state;
    if (ev["seq"].get(seq) != simdjson::SUCCESS || ev["new_state"].get(state) != simdjson::SUCCESS) {
      out.message = "event without seq or new_state";
      return out;
    }
    const auto s = state_from_name(state);
    if (!s) {
      out.message = "event with an unknown state: " + std::string(state);
      return out;
    }
    out.kind = line_kind::event;
    out.event = {seq, text_of(ev, "panel_order_id"), *s};
    return out;
  }
  bool ok = false;
  if (doc_["ok"].get(ok) != simdjson::SUCCESS) {
    out.message = "neither an answer nor an event";
    return out;
  }
  out.kind = line_kind::answer;
  out.ok = ok;
  std::int64_t id = -1;
  if (doc_["id"].get(id) == simdjson::SUCCESS) out.id = id;
  if (!ok) {
    dom::element err;
    if (doc_["error"].get(err) == simdjson::SUCCESS) {
      out.error_code = text_of(err, "code");
      out.message = text_of(err, "message");
    }
    return out;
  }
  have_result_ = true;
  return out;
}

std::vector<add_item> message_reader::add_items() {
  std::vector<add_item> out;
  dom::array items;
  if (!have_result_ || !orders_of(doc_, items)) return out;
  for (dom::element it : items)
    out.push_back({text_of(it, "panel_order_id"), text_of(it, "status"), text_of(it, "error")});
  return out;
}

std::vector<status_item> message_reader::status_items() {
  std::vector<status_item> out;
  dom::array items;
  if (!have_result_ || !orders_of(doc_, items)) return out;
  for (dom::element it : items) {
    status_item s;
    s.panel_order_id = text_of(it, "panel_order_id");
    std::string_view state;
    if (it["state"].get(state) == simdjson::SUCCESS) s.state = state_from_name(state);
    s.provider = text_of(it, "provider");
    s.provider_order_id = text_of(it, "provider_order_id");
    s.charge = text_of(it, "charge");
    s.refund = text_of(it, "refund");  // null while none is owed: ""
    s.note = text_of(it, "note");
    s.error = text_of(it, "error");
    if (!s.state && s.error.empty()) s.error = "answer without a known state";
    out.push_back(std::move(s));
  }
  return out;
}

std::size_t message_reader::item_count(std::size_t* taken) {
  dom::array items;
  if (taken != nullptr) *taken = 0;
  if (!have_result_ || !orders_of(doc_, items)) return 0;
  std::size_t n = 0;
  for (dom::element it : items) {
    ++n;
    if (taken == nullptr) continue;
    std::string_view st;
    if (it["status"].get(st) == simdjson::SUCCESS && (st == "accepted" || st == "held" || st == "replayed"))
      ++*taken;
  }
  return n;
}

}  // namespace smm::demo
