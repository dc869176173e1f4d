#pragma once
// An in-memory order_service for the API v2 tests: orders live in a map keyed by daemon id,
// every callback runs at once on the caller's thread, and the calls are recorded.
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/order_service.hpp"

namespace smm::test {

using namespace smm::daemon;

class fake_order_service : public order_service {
 public:
  struct stored {
    order_view view;
    std::string refill_error;                             ///< refill refused with this (empty: accepted)
    result_code refill_code = result_code::not_eligible;  ///< ... and this code
    std::string refill_status;                            ///< empty: no refill requested
    std::string refill_status_error;  ///< refill_status refused with this (empty: answered)
    result_code refill_status_code = result_code::busy;   ///< ... and this code
    std::string cancel_error;                             ///< cancel refused with this (empty: requested)
    result_code cancel_code = result_code::not_eligible;  ///< ... and this code
  };

  /// Puts an order in, as if added earlier; returns its daemon id.
  std::int64_t put(const std::string& panel_order_id, order_state state, money charge,
                   std::int64_t quantity = 100) {
    std::lock_guard lock(mu);
    stored s;
    s.view.panel_order_id = panel_order_id;
    s.view.order_id = next_id++;
    s.view.state = state;
    s.view.charge = charge;
    s.view.quantity = quantity;
    orders[s.view.order_id] = s;
    return s.view.order_id;
  }
  stored& at(std::int64_t id) { return orders.at(id); }

  void add(std::vector<panel_order> in, std::function<void(std::vector<add_answer>)> done) override {
    std::vector<add_answer> out;
    {
      std::lock_guard lock(mu);
      for (auto& o : in) {
        added.push_back(o);
        add_answer a;
        a.panel_order_id = o.panel_order_id;
        if (!next_add_error.empty()) {
          a.status = next_add_status;
          a.error = next_add_error;
          a.reason = next_add_reason;
          a.field = next_add_field;
        } else {
          a.status = add_status::accepted;
          a.order_id = next_id++;
          stored s;
          s.view.panel_order_id = o.panel_order_id;
          s.view.order_id = a.order_id;
          s.view.state = order_state::queued;
          s.view.quantity = o.params.quantity.value_or(1);
          orders[a.order_id] = s;
        }
        out.push_back(std::move(a));
      }
    }
    done(std::move(out));
  }

  void status(std::vector<std::string> ids, std::function<void(std::vector<lookup_answer>)> done) override {
    std::vector<lookup_answer> out;
    {
      std::lock_guard lock(mu);
      if (hold_status) {
        // Answered later, by release_held(), as a slow engine would.
        held.push_back([this, ids, done] {
          hold_status = false;
          status(ids, done);
        });
        return;
      }
      status_calls.push_back(ids);
      for (const auto& id : ids) {
        lookup_answer a;
        a.panel_order_id = id;
        if (const stored* s = by_panel_id(id)) {
          a.order = s->view;
          a.code = result_code::ok;
        } else {
          a.code = result_code::not_found;
          a.error = "order not found";
        }
        out.push_back(std::move(a));
      }
    }
    done(std::move(out));
  }

  void cancel(std::vector<std::string> ids, std::function<void(std::vector<action_answer>)> done) override {
    std::vector<action_answer> out;
    {
      std::lock_guard lock(mu);
      for (const auto& id : ids) {
        cancel_calls.push_back(id);
        action_answer a;
        a.panel_order_id = id;
        const stored* s = by_panel_id(id);
        if (s == nullptr) {
          a.code = result_code::not_found;
          a.error = "order not found";
        } else if (!s->cancel_error.empty()) {
          a.code = s->cancel_code;
          a.error = s->cancel_error;
        } else {
          a.code = result_code::ok;
          a.result = "cancel requested";
        }
        out.push_back(std::move(a));
      }
    }
    done(std::move(out));
  }

  void refill(std::string id, std::optional<std::int64_t>, std::function<void(action_answer)> done) override {
    action_answer a;
    a.panel_order_id = id;
    {
      std::lock_guard lock(mu);
      refill_calls.push_back(id);
      stored* s = by_panel_id(id);
      if (s == nullptr) {
        a.code = result_code::not_found;
        a.error = "order not found";
      } else if (!s->refill_error.empty()) {
        a.code = s->refill_code;
        a.error = s->refill_error;
      } else {
        a.code = result_code::ok;
        a.result = "provider-refill-77";
        s->refill_status = "Pending";
      }
    }
    done(std::move(a));
  }

  void refill_status(std::string id, std::function<void(action_answer)> done) override {
    action_answer a;
    a.panel_order_id = id;
    {
      std::lock_guard lock(mu);
      const stored* s = by_panel_id(id);
      if (s == nullptr) {
        a.code = result_code::not_found;
        a.error = "order not found";
      } else if (!s->refill_status_error.empty()) {
        a.code = s->refill_status_code;
        a.error = s->refill_status_error;
      } else if (s->refill_status.empty()) {
        a.code = result_code::not_found;
        a.error = "no refill requested";
      } else {
        a.code = result_code::ok;
        a.result = s->refill_status;
      }
    }
    done(std::move(a));
  }

  void speedup(std::string, std::function<void(action_answer)>) override {
    throw std::logic_error("not used");
  }
  void resolve(resolution, std::function<void(action_answer)>) override {
    throw std::logic_error("not used");
  }
  std::unique_ptr<subscription> subscribe(std::int64_t,
                                          std::function<void(std::vector<event_view>)>) override {
    throw std::logic_error("not used");
  }
  std::vector<provider_view> providers() override {
    std::lock_guard lock(mu);
    return provider_views;
  }
  std::vector<service_def> services() override {
    std::lock_guard lock(mu);
    return service_defs;
  }
  void panel_ids(std::vector<std::int64_t> ids,
                 std::function<void(std::vector<std::optional<std::string>>)> done) override {
    std::vector<std::optional<std::string>> out;
    {
      std::lock_guard lock(mu);
      panel_id_calls.push_back(ids);
      for (const auto id : ids) {
        auto it = orders.find(id);
        out.push_back(it == orders.end() ? std::nullopt
                                         : std::optional<std::string>(it->second.view.panel_order_id));
      }
    }
    done(std::move(out));
  }
  engine_figures figures() const override { return {}; }
  void list_orders(order_state, std::int64_t, std::size_t, std::function<void(order_page)>) override {
    throw std::logic_error("not used");
  }
  void history(std::string, std::function<void(order_history)>) override {
    throw std::logic_error("not used");
  }
  bool set_provider_paused(const std::string&, bool, std::string) override { return false; }

  /// Number of status calls waiting for release_held().
  std::size_t held_count() {
    std::lock_guard lock(mu);
    return held.size();
  }
  /// Answers the held status calls (on this thread).
  void release_held() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lock(mu);
      now.swap(held);
    }
    for (auto& f : now) f();
  }

  std::mutex mu;
  bool hold_status = false;  ///< status calls wait for release_held()
  std::vector<std::function<void()>> held;
  std::map<std::int64_t, stored> orders;
  std::int64_t next_id = 1;
  std::vector<panel_order> added;
  std::vector<std::vector<std::string>> status_calls;
  std::vector<std::vector<std::int64_t>> panel_id_calls;
  std::vector<std::string> cancel_calls;
  std::vector<std::string> refill_calls;
  std::vector<provider_view> provider_views;
  std::vector<service_def> service_defs;
  add_status next_add_status = add_status::invalid;
  std::string next_add_error;                             ///< non-empty: the next adds fail with it
  invalid_reason next_add_reason = invalid_reason::none;  ///< ... with this reason (invalid)
  std::string next_add_field;                             ///< ... about this field

 private:
  stored* by_panel_id(const std::string& id) {
    for (auto& [_, s] : orders)
      if (s.view.panel_order_id == id) return &s;
    return nullptr;
  }
};

}  // namespace smm::test
