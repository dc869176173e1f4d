#include "providers/response_parser.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "providers/json_scalar.hpp"

namespace smm::providers {
namespace {

using namespace detail;
using simdjson::error_code;
using simdjson::SUCCESS;

// Upper bound for the reserve() guess: a multi reply asks for at most 100 ids, but a
// provider may answer with more; the vector still grows past this when it must.
constexpr std::size_t max_ids_per_reply_guess = 256;

// Runs `fn(document, reply)` on a prepared body. `fn` sets the reply's kind; a simdjson error
// it returns becomes a malformed reply with a clear message. Nothing escapes.
template <class T, class F>
reply<T> run(body_ref body, F&& fn) noexcept {
  reply<T> r;
  try {
    prepared_body p;
    prepare(body, p);
    if (!p.error.empty()) {
      r.error = std::move(p.error);
      return r;
    }
    od::document doc;
    error_code e = thread_parser().iterate(p.view).get(doc);
    if (!e) e = fn(doc, r);
    if (e) {
      r = reply<T>{};
      r.error = describe_json_error(e, p.text);
    }
  } catch (const std::exception& ex) {
    r = reply<T>{};
    r.error = std::string("parser failure: ") + ex.what();
  } catch (...) {
    r = reply<T>{};
    r.error = "parser failure";
  }
  return r;
}

template <class T>
void set_provider_error(reply<T>& r, std::string message) {
  r.kind = reply_kind::provider_error;
  r.category = classify_error(message);
  r.error = std::move(message);
}

template <class T>
void set_malformed(reply<T>& r, std::string message) {
  r.kind = reply_kind::malformed;
  r.error = std::move(message);
}

// Calls f(key, value) for each field; values f leaves unread are skipped by the iterator.
template <class F>
error_code for_each_field(od::object obj, F&& f) {
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value v;
    if (auto e = field.value().get(v)) return e;
    if (auto e = f(key, v)) return e;
  }
  return SUCCESS;
}

// Text of a scalar; objects/arrays and null leave `out` unset. Structural errors propagate.
error_code text_of(od::value v, std::optional<std::string_view>& out) {
  out.reset();
  const error_code e = read_text(v, out);
  return e == simdjson::INCORRECT_TYPE ? SUCCESS : e;
}

// The top-level value must be `want`; on a mismatch the reply says so (or carries the
// provider's {"error": ...} when an object came instead of an array).
template <class T>
error_code expect_type(od::document& doc, od::json_type want, reply<T>& r, bool& matches) {
  matches = false;
  od::json_type t;
  if (auto e = doc.type().get(t)) return e;
  if (t == want) {
    matches = true;
    return SUCCESS;
  }
  if (t == od::json_type::object) {
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    bool found = false;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          if (key == "error" && !found) found = read_error_value(v, message);
          return SUCCESS;
        }))
      return e;
    if (found) {
      set_provider_error(r, std::move(message));
      return SUCCESS;
    }
  }
  set_malformed(r, "expected a JSON " + std::string(type_name(want)) + ", got " + std::string(type_name(t)));
  return SUCCESS;
}

// The amount `text` says, or nothing. Assigned whole, so a repeated key replaces the amount
// along with its text: {"charge":"1.00","charge":"junk"} is no charge, never a stale 1.00.
std::optional<money> money_of(std::string_view text, excess_decimals mode) {
  const money_result m = parse_money(text, mode);
  return m ? std::optional<money>(m.value) : std::nullopt;
}

error_code read_status_object(od::object obj, order_status& st, std::string& error) {
  return for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
    std::optional<std::string_view> text;
    if (key == "error") {
      read_error_value(v, error);
      return SUCCESS;
    }
    if (key == "orders") {  // drip-feed / subscription child orders (§4.4)
      od::json_type t;
      if (auto e = v.type().get(t)) return e;
      if (t != od::json_type::array) return SUCCESS;
      od::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      for (auto item : arr) {
        od::value iv;
        if (auto e = item.get(iv)) return e;
        if (auto e = text_of(iv, text)) return e;
        if (text && !text->empty()) st.child_orders.emplace_back(*text);
      }
      return SUCCESS;
    }
    if (auto e = text_of(v, text)) return e;
    if (!text) return SUCCESS;
    if (key == "status") {
      st.status = *text;
    } else if (key == "charge") {
      st.charge_text = *text;
      st.charge = money_of(*text, excess_decimals::round_down);
    } else if (key == "start_count") {
      st.start_count = to_int(*text);
    } else if (key == "remains") {
      st.remains = to_int(*text, /*plus_is_negative=*/true);
    } else if (key == "currency") {
      st.currency = *text;
    } else if (key == "runs") {
      st.runs = to_int(*text);
    }
    return SUCCESS;
  });
}

// [{"<id_key>": .., "<value_key>": scalar | {"error": ..}}, ...] as used by multi refill,
// multi refill_status and cancel.
reply<std::vector<id_result>> parse_id_array(body_ref body, std::string_view id_key,
                                             std::string_view value_key) {
  return run<
      std::vector<id_result>>(body, [&](od::document& doc, reply<std::vector<id_result>>& r) -> error_code {
    bool is_array = false;
    if (auto e = expect_type(doc, od::json_type::array, r, is_array); e || !is_array) return e;
    od::array arr;
    if (auto e = doc.get_array().get(arr)) return e;
    for (auto item : arr) {
      od::value iv;
      if (auto e = item.get(iv)) return e;
      od::json_type t;
      if (auto e = iv.type().get(t)) return e;
      id_result res;
      if (t != od::json_type::object) {
        res.error =
            item_error{"unexpected " + std::string(type_name(t)) + " in reply array", error_category::other};
        r.value.push_back(std::move(res));
        continue;
      }
      od::object obj;
      if (auto e = iv.get_object().get(obj)) return e;
      std::string message;
      if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
            std::optional<std::string_view> text;
            if (key == id_key) {
              if (auto e2 = text_of(v, text)) return e2;
              if (text) res.id = *text;
            } else if (key == value_key || key == "error") {
              od::json_type vt;
              if (auto e2 = v.type().get(vt)) return e2;
              if (vt == od::json_type::object || key == "error") {
                read_error_value(v, message);
              } else {
                if (auto e2 = text_of(v, text)) return e2;
                if (text) res.value = *text;
              }
            }
            return SUCCESS;
          }))
        return e;
      if (!message.empty()) {
        res.error = item_error{message, classify_error(message)};
      } else if (res.value.empty()) {
        res.error = item_error{"no '" + std::string(value_key) + "' in reply item", error_category::other};
      }
      r.value.push_back(std::move(res));
    }
    r.kind = reply_kind::ok;
    return SUCCESS;
  });
}

}  // namespace

reply<add_result> parse_add(body_ref body) noexcept {
  return run<add_result>(body, [](od::document& doc, reply<add_result>& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    std::optional<std::string_view> order;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          if (key == "error") read_error_value(v, message);
          if (key == "order") return text_of(v, order);
          return SUCCESS;
        }))
      return e;
    // ipanel.me sends {"error": "low balance", "order": 32}: the error wins, and the id is
    // kept as evidence that an order may exist after all.
    if (!message.empty()) {
      set_provider_error(r, std::move(message));
      if (order) r.value.unconfirmed_order = *order;
    } else if (!order || order->empty()) {
      set_malformed(r, "no order id in add reply");
    } else {
      r.kind = reply_kind::ok;
      r.value.order = *order;
    }
    return SUCCESS;
  });
}

reply<order_status> parse_status(body_ref body) noexcept {
  return run<order_status>(body, [](od::document& doc, reply<order_status>& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    if (auto e = read_status_object(obj, r.value, message)) return e;
    if (!message.empty()) {
      set_provider_error(r, std::move(message));
    } else if (r.value.status.empty()) {
      set_malformed(r, "no status in status reply");
    } else {
      r.kind = reply_kind::ok;
    }
    return SUCCESS;
  });
}

reply<std::vector<status_entry>> parse_status_multi(body_ref body) noexcept {
  using R = reply<std::vector<status_entry>>;
  const std::size_t body_size = body.text().size();
  return run<std::vector<status_entry>>(body, [body_size](od::document& doc, R& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    // About 90 bytes per order in the template's shape: one allocation for typical replies.
    r.value.reserve(std::min<std::size_t>(body_size / 64 + 1, max_ids_per_reply_guess));
    std::string top_error;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          od::json_type t;
          if (auto e2 = v.type().get(t)) return e2;
          // A whole-request failure ({"error": "Incorrect request key"}) is not an order id.
          if (key == "error") {
            read_error_value(v, top_error);
            return SUCCESS;
          }
          // Filled in place: an order_status is large, and moving it per entry showed up.
          status_entry& entry = r.value.emplace_back();
          entry.id = key;
          std::string message;
          if (t == od::json_type::object) {
            od::object inner;
            if (auto e2 = v.get_object().get(inner)) return e2;
            order_status& st = entry.status.emplace();
            if (auto e2 = read_status_object(inner, st, message)) return e2;
            if (message.empty() && st.status.empty()) message = "no status for this order";
            if (!message.empty()) entry.status.reset();
          } else if (t == od::json_type::string) {
            // ipanel.me: "2": "Incorrect order ID" (§4.3).
            read_error_value(v, message);
            if (message.empty()) message = "empty per-order reply";
          } else {
            message = "unexpected " + std::string(type_name(t)) + " for this order";
          }
          if (!message.empty()) entry.error = item_error{message, classify_error(message)};
          return SUCCESS;
        }))
      return e;
    if (!top_error.empty() && r.value.empty()) {
      set_provider_error(r, std::move(top_error));
    } else {
      r.kind = reply_kind::ok;
    }
    return SUCCESS;
  });
}

reply<services_result> parse_services(body_ref body) noexcept {
  return run<services_result>(body, [](od::document& doc, reply<services_result>& r) -> error_code {
    bool is_array = false;
    if (auto e = expect_type(doc, od::json_type::array, r, is_array); e || !is_array) return e;
    od::array arr;
    if (auto e = doc.get_array().get(arr)) return e;
    for (auto item : arr) {
      od::value iv;
      if (auto e = item.get(iv)) return e;
      od::json_type t;
      if (auto e = iv.type().get(t)) return e;
      if (t != od::json_type::object) {
        ++r.value.skipped;
        continue;
      }
      od::object obj;
      if (auto e = iv.get_object().get(obj)) return e;
      provider_service s;
      if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
            std::optional<std::string_view> text;
            if (auto e2 = text_of(v, text)) return e2;
            if (!text) return SUCCESS;
            if (key == "service")
              s.service = *text;
            else if (key == "name")
              s.name = *text;
            else if (key == "type")
              s.type = *text;
            else if (key == "category")
              s.category = *text;
            else if (key == "rate") {
              s.rate_text = *text;
              // A price must be exact: more than six decimals leaves the rate unknown.
              s.rate = money_of(*text, excess_decimals::reject);
            } else if (key == "min")
              s.min = to_int(*text);
            else if (key == "max")
              s.max = to_int(*text);
            else if (key == "refill")
              s.refill = to_bool(*text);
            else if (key == "cancel")
              s.cancel = to_bool(*text);
            else if (key == "dripfeed")
              s.dripfeed = to_bool(*text);
            else if (key == "desc" || key == "description")
              s.description = *text;
            return SUCCESS;
          }))
        return e;
      if (s.service.empty()) {
        ++r.value.skipped;
        continue;
      }
      r.value.services.push_back(std::move(s));
    }
    r.kind = reply_kind::ok;
    return SUCCESS;
  });
}

reply<std::string> parse_refill(body_ref body) noexcept {
  return run<std::string>(body, [](od::document& doc, reply<std::string>& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    std::optional<std::string_view> id;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          if (key == "error") read_error_value(v, message);
          if (key != "refill") return SUCCESS;
          od::json_type t;
          if (auto e2 = v.type().get(t)) return e2;
          if (t == od::json_type::object) {
            read_error_value(v, message);
            return SUCCESS;
          }
          return text_of(v, id);
        }))
      return e;
    if (!message.empty()) {
      set_provider_error(r, std::move(message));
    } else if (!id || id->empty()) {
      set_malformed(r, "no refill id in refill reply");
    } else {
      r.kind = reply_kind::ok;
      r.value = *id;
    }
    return SUCCESS;
  });
}

reply<std::vector<id_result>> parse_refill_multi(body_ref body) noexcept {
  return parse_id_array(body, "order", "refill");
}

reply<std::string> parse_refill_status(body_ref body) noexcept {
  return run<std::string>(body, [](od::document& doc, reply<std::string>& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    std::optional<std::string_view> status;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          if (key == "error") read_error_value(v, message);
          if (key != "status") return SUCCESS;
          od::json_type t;
          if (auto e2 = v.type().get(t)) return e2;
          if (t == od::json_type::object) {
            read_error_value(v, message);
            return SUCCESS;
          }
          return text_of(v, status);
        }))
      return e;
    if (!message.empty()) {
      set_provider_error(r, std::move(message));
    } else if (!status || status->empty()) {
      set_malformed(r, "no status in refill_status reply");
    } else {
      r.kind = reply_kind::ok;
      r.value = *status;
    }
    return SUCCESS;
  });
}

reply<std::vector<id_result>> parse_refill_status_multi(body_ref body) noexcept {
  return parse_id_array(body, "refill", "status");
}

reply<std::vector<id_result>> parse_cancel(body_ref body) noexcept {
  return parse_id_array(body, "order", "cancel");
}

reply<balance_result> parse_balance(body_ref body) noexcept {
  return run<balance_result>(body, [](od::document& doc, reply<balance_result>& r) -> error_code {
    bool is_object = false;
    if (auto e = expect_type(doc, od::json_type::object, r, is_object); e || !is_object) return e;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return e;
    std::string message;
    if (auto e = for_each_field(obj, [&](std::string_view key, od::value v) -> error_code {
          if (key == "error") {
            read_error_value(v, message);
            return SUCCESS;
          }
          std::optional<std::string_view> text;
          if (auto e2 = text_of(v, text)) return e2;
          if (!text) return SUCCESS;
          if (key == "balance") {
            r.value.balance_text = *text;
            r.value.balance = money_of(*text, excess_decimals::round_down);
          } else if (key == "currency") {
            r.value.currency = *text;
          }
          return SUCCESS;
        }))
      return e;
    if (!message.empty()) {
      set_provider_error(r, std::move(message));
    } else if (!r.value.balance) {
      set_malformed(r, r.value.balance_text.empty()
                           ? "no balance in balance reply"
                           : "balance '" + sanitise(r.value.balance_text) + "' is not a number");
    } else {
      r.kind = reply_kind::ok;
    }
    return SUCCESS;
  });
}

}  // namespace smm::providers
