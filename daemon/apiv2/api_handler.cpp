#include "daemon/apiv2/api_handler.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <utility>

#include "daemon/apiv2/api_render.hpp"
#include "daemon/auth/panel_scope.hpp"

namespace smm::daemon::apiv2 {

namespace {

constexpr std::string_view incorrect_order = "Incorrect order ID";
constexpr std::string_view refill_not_found = "Refill not found";
// The text providers send for a duplicate link; panels treat it as "retry later" (api-v2.md §6.2).
constexpr std::string_view active_link_text =
    "You have active order with this link. Please wait until order being completed.";

using done_fn = api_handler::done_fn;

api_reply ok_reply(std::string body) { return api_reply{std::move(body), api_outcome::ok}; }
api_reply error_reply(std::string_view message) { return api_reply{error_body(message), api_outcome::error}; }

// One requested id and what it maps to.
struct target {
  std::string id;                             ///< as requested
  std::int64_t order_id = 0;                  ///< 0: not a well-formed id
  std::optional<std::string> panel_order_id;  ///< set only for this panel's own orders
};

// Collects `n` answers that arrive in any order on any thread; the last one calls `done`.
template <typename T>
class gather {
 public:
  gather(std::size_t n, std::function<void(std::vector<T>)> done)
      : results_(n), left_(n), done_(std::move(done)) {}
  void set(std::size_t i, T value) {
    results_[i] = std::move(value);
    if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_(std::move(results_));
  }

 private:
  std::vector<T> results_;
  std::atomic<std::size_t> left_;
  std::function<void(std::vector<T>)> done_;
};

// The text of a refused cancel: an order the engine no longer has (purged since we mapped it)
// is no order of the panel's; anything else is said as the engine said it.
std::string cancel_error(const action_answer& a) {
  return a.code == result_code::not_found ? std::string(incorrect_order) : a.error;
}

// A refused refill: unknown order, a rule of the daemon's (named), or another reason as said.
std::string refill_error(const action_answer& a) {
  switch (a.code) {
    case result_code::not_found:
      return std::string(incorrect_order);
    case result_code::not_eligible:
      return refill_not_eligible_text(a.error);
    default:
      return a.error;
  }
}

// A refill_status that found no refill (no such order, or no refill of it) is the template's
// "Refill not found"; anything else (on its way, outcome unknown, refused) as said.
std::string refill_status_error(const action_answer& a) {
  return a.code == result_code::not_found ? std::string(refill_not_found) : a.error;
}

void answer_status(order_service& service, const request& r, std::vector<target> targets,
                   const std::string& currency, done_fn done) {
  std::vector<std::string> pids;
  for (const auto& t : targets)
    if (t.panel_order_id) pids.push_back(*t.panel_order_id);
  auto render = [r, targets = std::move(targets), currency, done](std::vector<lookup_answer> answers) {
    std::map<std::string, const order_view*> by_pid;
    for (const auto& a : answers)
      if (a.order) by_pid.emplace(a.panel_order_id, &*a.order);
    std::vector<status_entry> entries;
    for (const auto& t : targets) {
      status_entry e{t.id, std::nullopt, std::string(incorrect_order)};
      if (t.panel_order_id)
        if (auto it = by_pid.find(*t.panel_order_id); it != by_pid.end()) e.order = *it->second;
      entries.push_back(std::move(e));
    }
    if (!r.multi) {
      const auto& e = entries.front();
      done(e.order ? ok_reply(status_body(*e.order, currency)) : error_reply(e.error));
      return;
    }
    done(ok_reply(multi_status_body(entries, currency)));
  };
  if (pids.empty()) return render({});
  service.status(std::move(pids), std::move(render));
}

void answer_cancel(order_service& service, std::vector<target> targets, done_fn done) {
  std::vector<std::string> pids;
  for (const auto& t : targets)
    if (t.panel_order_id) pids.push_back(*t.panel_order_id);
  auto render = [targets = std::move(targets), done](std::vector<action_answer> answers) {
    std::map<std::string, const action_answer*> by_pid;
    for (const auto& a : answers) by_pid.emplace(a.panel_order_id, &a);
    std::vector<list_entry> entries;
    for (const auto& t : targets) {
      list_entry e{t.id, std::string(incorrect_order), true, 1, {}};
      if (t.panel_order_id) {
        if (auto it = by_pid.find(*t.panel_order_id); it != by_pid.end()) {
          const action_answer& a = *it->second;
          // "1" means the cancel was asked for (§5); the outcome shows in status.
          e.error = a.ok() ? "" : cancel_error(a);
        }
      }
      entries.push_back(std::move(e));
    }
    done(ok_reply(list_body("order", "cancel", entries)));
  };
  if (pids.empty()) return render({});
  service.cancel(std::move(pids), std::move(render));
}

// Refill and refill_status act on one order at a time: one engine call per owned id.
void answer_refills(order_service& service, const request& r, std::vector<target> targets, done_fn done) {
  const bool status = r.act == action::refill_status;
  const bool multi = r.multi;
  auto shared_targets = std::make_shared<std::vector<target>>(std::move(targets));
  auto finish = [shared_targets, status, multi, done](std::vector<list_entry> entries) {
    if (!multi) {
      const list_entry& e = entries.front();
      if (!e.error.empty()) return done(error_reply(e.error));
      return done(ok_reply(status ? refill_status_body(e.text) : refill_body(e.number)));
    }
    done(ok_reply(status ? list_body("refill", "status", entries) : list_body("order", "refill", entries)));
  };
  auto g = std::make_shared<gather<list_entry>>(shared_targets->size(), std::move(finish));
  for (std::size_t i = 0; i < shared_targets->size(); ++i) {
    const target& t = (*shared_targets)[i];
    if (!t.panel_order_id) {
      g->set(i, list_entry{t.id, std::string(status ? refill_not_found : incorrect_order), true, 0, {}});
      continue;
    }
    if (status) {
      service.refill_status(*t.panel_order_id, [g, i, id = t.id](action_answer a) {
        list_entry e{id, {}, false, 0, {}};
        if (a.ok())
          e.text = a.result.empty() ? "Pending" : a.result;
        else
          e.error = refill_status_error(a);
        g->set(i, std::move(e));
      });
    } else {
      service.refill(*t.panel_order_id, std::nullopt,
                     [g, i, id = t.id, order_id = t.order_id](action_answer a) {
                       list_entry e{id, {}, true, order_id, {}};  // the refill is named by its order's id
                       if (!a.ok()) e.error = refill_error(a);
                       g->set(i, std::move(e));
                     });
    }
  }
}

}  // namespace

api_handler::api_handler(order_service& service, std::string currency)
    : service_(service), currency_(std::move(currency)) {}

void api_handler::handle(const request& r, const std::string& panel, done_fn done) {
  switch (r.act) {
    case action::services:
      return done(ok_reply(services_body(service_.services())));
    case action::balance:
      return balance(std::move(done));
    case action::add:
      return add(r, panel, std::move(done));
    case action::status:
    case action::refill:
    case action::refill_status:
    case action::cancel:
      return by_order(r, panel, std::move(done));
  }
  done(error_reply("This action is Invalid"));
}

void api_handler::add(const request& r, const std::string& panel, done_fn done) {
  panel_order o;
  o.panel_order_id = auth::new_panel_order_id(panel);
  o.service_id = r.service;
  o.params = r.order;
  std::vector<panel_order> orders;
  orders.push_back(std::move(o));
  service_.add(std::move(orders), [done = std::move(done)](std::vector<add_answer> answers) {
    if (answers.empty()) return done(error_reply("Internal error: no answer for the order"));
    const add_answer& a = answers.front();
    switch (a.status) {
      case add_status::accepted:
      case add_status::held:
      case add_status::replayed:
        return done(ok_reply(add_body(a.order_id)));
      case add_status::invalid:
        return done(error_reply(add_error_text(a.reason, a.field, a.error)));
      case add_status::duplicate_link:
        return done(error_reply(active_link_text));
      case add_status::unavailable:
        return done(error_reply("Temporarily unable to accept orders, try again later"));
      case add_status::conflict:
        break;
    }
    done(error_reply(a.error.empty() ? std::string("The order was not accepted") : a.error));
  });
}

void api_handler::balance(done_fn done) {
  money total;
  for (const auto& p : service_.providers()) {
    if (!p.balance || p.currency != currency_) continue;
    const money_result sum = checked_add(total, *p.balance);
    if (sum) total = sum.value;
  }
  done(ok_reply(balance_body(total, currency_)));
}

void api_handler::by_order(const request& r, const std::string& panel, done_fn done) {
  std::vector<target> targets;
  std::vector<std::int64_t> numbers;
  for (const auto& id : r.ids) {
    target t{id, 0, std::nullopt};
    if (const auto n = parse_id(id)) {
      t.order_id = *n;
      numbers.push_back(*n);
    }
    targets.push_back(std::move(t));
  }
  auto next = [&service = service_, r, currency = currency_](std::vector<target> owned, done_fn done) {
    switch (r.act) {
      case action::status:
        return answer_status(service, r, std::move(owned), currency, std::move(done));
      case action::cancel:
        return answer_cancel(service, std::move(owned), std::move(done));
      default:
        return answer_refills(service, r, std::move(owned), std::move(done));
    }
  };
  if (numbers.empty()) return next(std::move(targets), std::move(done));
  service_.panel_ids(std::move(numbers),
                     [scope = auth::panel_scope(panel), targets = std::move(targets), next = std::move(next),
                      done = std::move(done)](std::vector<std::optional<std::string>> pids) mutable {
                       std::size_t k = 0;
                       for (auto& t : targets) {
                         if (t.order_id == 0) continue;
                         if (k >= pids.size()) break;
                         const std::optional<std::string>& pid = pids[k++];
                         if (pid && scope.owns(*pid)) t.panel_order_id = *pid;
                       }
                       next(std::move(targets), std::move(done));
                     });
}

}  // namespace smm::daemon::apiv2
