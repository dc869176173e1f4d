#include "daemon/engine/order_actions.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <memory>

#include "daemon/engine/dispatcher.hpp"
#include "daemon/engine/event_feed.hpp"
#include "daemon/engine/poller.hpp"
#include "daemon/engine/refills.hpp"
#include "dispatch/refill.hpp"
#include "dispatch/speedup.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

namespace {

// Every refusal carries its code here, where the engine knows what happened; faces map the
// code, never the text.
action_answer fail(const std::string& id, result_code code, std::string why) {
  action_answer a;
  a.panel_order_id = id;
  a.code = code;
  a.error = std::move(why);
  return a;
}

action_answer not_found(const std::string& id) { return fail(id, result_code::not_found, "order not found"); }

action_answer succeed(const std::string& id, std::string result) {
  action_answer a;
  a.panel_order_id = id;
  a.code = result_code::ok;
  a.result = std::move(result);
  return a;
}

// A provider call that did not answer yes: its definitive no, or why no answer came.
result_code code_of(providers::call_outcome o) {
  return o == providers::call_outcome::rejected ? result_code::provider_refused : result_code::unavailable;
}

// Runs an awaitable on the strand; a failure inside the engine answers with its text.
void spawn(engine_context& ctx, const std::string& id, std::function<void(action_answer)> done,
           asio::awaitable<void> work) {
  asio::co_spawn(ctx.strand, std::move(work), [id, done](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      done(fail(id, result_code::internal, std::string("internal error: ") + ex.what()));
    }
  });
}

providers::provider_client* client_of(engine_context& ctx, const order_record& r) {
  if (r.provider_index < 0) return nullptr;
  return ctx.providers.at(static_cast<std::size_t>(r.provider_index)).client.get();
}

// The cancel request (journaled as a note of the order before it is sent) goes to the
// provider; its answer is journaled as the next note before the panel hears it.
asio::awaitable<void> do_cancel(std::shared_ptr<engine_context> ctx, std::int64_t rid, std::string provider,
                                providers::provider_client* client, std::string poid, std::string id,
                                std::function<void(action_answer)> done) {
  std::vector<std::string> ids;  // not a braced list: GCC 12 miscompiles those inside coroutines
  ids.push_back(std::move(poid));
  const auto res = co_await client->cancel(std::move(ids));
  action_answer answer;
  store::order_note said;
  if (res.ok() && !res.value.empty() && !res.value.front().error) {
    answer = succeed(id, "cancel requested");
    said.note = provider + " accepted the cancel request";
  } else if (!res.value.empty() && res.value.front().error) {
    answer = fail(id, result_code::provider_refused, res.value.front().error->message);
    said.note = provider + " refused the cancel request: " + answer.error;
  } else {
    answer = fail(id, code_of(res.outcome),
                  res.error.empty() ? std::string(providers::to_string(res.outcome)) : res.error);
    said.note = "cancel request to " + provider + " failed: " + answer.error;
  }
  said.order_id = rid;
  said.at = engine_context::now_s();
  ctx->note(std::move(said),
            [done, answer = std::move(answer)](order_record*, bool) mutable { done(std::move(answer)); });
}

// Why the provider refused a refill request (rule 7), from the category of its answer
// (providers/error_category: the one place that reads provider texts).
refill_refusal refusal_of(const providers::call_result<std::string>& res) {
  switch (res.category) {
    case providers::error_category::private_account:
      return refill_refusal::private_account;
    case providers::error_category::refill_not_allowed:
      return refill_refusal::not_eligible;
    default:
      return refill_refusal::other;
  }
}

std::string outcome_text(const providers::call_result<std::string>& res) {
  return res.error.empty() ? std::string(providers::to_string(res.outcome)) : res.error;
}

// The refill request `requested` (journaled) goes to the provider; its answer is journaled as
// the request's next state before the panel hears it.
asio::awaitable<void> do_refill(std::shared_ptr<engine_context> ctx, providers::provider_client* client,
                                store::refill_change requested, std::string poid, std::string id,
                                std::function<void(action_answer)> done) {
  const auto res = co_await client->refill(poid);
  const std::int64_t now = engine_context::now_s();
  store::refill_change next = requested;
  action_answer answer;
  if (res.ok()) {
    next.refill_id = res.value;
    next = next_refill(std::move(next), refill_state::pending, now);
    answer = succeed(id, res.value);
  } else if (res.outcome == providers::call_outcome::rejected) {
    next.refusal = static_cast<std::uint8_t>(refusal_of(res));
    next.message = res.error;
    next = next_refill(std::move(next), refill_state::refused, now);
    answer = fail(id, result_code::provider_refused, outcome_text(res));
  } else if (res.outcome == providers::call_outcome::unknown) {
    // Written, no definitive answer: it may exist upstream. Recorded, never resent on a guess;
    // rule 6 holds the next request for the in-progress bound.
    next.message = outcome_text(res);
    next = next_refill(std::move(next), refill_state::unknown, now);
    answer = fail(id, result_code::unavailable,
                  "refill outcome unknown (" + next.message +
                      "): it may exist at the provider and is not resent; ask again after the "
                      "in-progress bound");
  } else {
    // Provably not taken (not sent, "not now", breaker open ...): nothing exists upstream.
    next.message = outcome_text(res);
    next = next_refill(std::move(next), refill_state::failed, now);
    answer = fail(id, result_code::unavailable, next.message);
  }
  const bool follow = res.ok();
  record_refill(*ctx, std::move(next),
                [ctx, follow, answer = std::move(answer), done](order_record* rec, bool committed) mutable {
                  if (!committed)
                    ctx->log->error(
                        "order {}: the refill answer was not journaled; its refill stays requested",
                        answer.panel_order_id);
                  if (committed && follow && rec != nullptr) ctx->poll->watch_refill(rec->id());
                  done(std::move(answer));
                });
}

// Asks the provider about a refill it took; a change is journaled before the panel hears it.
asio::awaitable<void> do_refill_status(std::shared_ptr<engine_context> ctx,
                                       providers::provider_client* client, std::int64_t rid,
                                       std::string refill, std::string id,
                                       std::function<void(action_answer)> done) {
  const auto res = co_await client->refill_status(refill);
  if (!res.ok()) {
    done(fail(id, code_of(res.outcome), outcome_text(res)));
    co_return;
  }
  order_record* rec = ctx->book.find(rid);
  // Left memory, superseded or ended meanwhile (a late answer never reopens a refill): the
  // panel hears the provider, nothing is recorded.
  if (rec == nullptr || !rec->refill() || rec->refill()->refill_id != refill ||
      !refill_followed(rec->o.refill)) {
    done(succeed(id, res.value));
    co_return;
  }
  const auto next = refill_after_status(rec->o.refill, res.value);
  if (!next && rec->refill()->raw_status == res.value) {
    done(succeed(id, res.value));
    co_return;
  }
  auto c = refill_change_of(*rec, next.value_or(rec->o.refill), engine_context::now_s());
  c->raw_status = res.value;
  c->note = refill_note(*c);
  record_refill(*ctx, std::move(*c),
                [id, done, text = res.value](order_record*, bool) { done(succeed(id, text)); });
}

}  // namespace

order_view make_view(engine_context& ctx, order_record& r, const store::order_row* row) {
  order_view v;
  v.panel_order_id = r.panel_order_id();
  v.order_id = r.id();
  v.service_id = r.o.service_id;
  v.state = r.o.state;
  v.held = r.held;
  v.link = ctx.link_of(r, row);
  v.provider = r.provider();
  v.provider_service_id = ctx.provider_service_id(r);
  v.provider_order_id = r.provider_order_id();
  if (r.sent_at != 0) v.sent_at = r.sent_at;
  v.raw_status = r.raw_status();
  v.quantity = r.o.quantity;
  v.charge = r.o.charge;
  v.start_count = r.o.start_count_value();
  v.remains = r.o.clamped_remains();
  // A final order's refund is always a figure ("0" when nothing is owed or it awaits review,
  // which refund_reason says); a running order has none yet.
  v.refund = is_final(r.o.state) ? std::optional<money>(r.refund().value_or(money{})) : std::nullopt;
  v.refund_reason = r.refund_reason_text();
  const std::int64_t now = engine_context::now_s();
  if (r.service != nullptr) {
    v.refill = std::string(
        to_string(check_refill(r.o, *r.service, ctx.cfg.policy, now, std::nullopt, ctx.book.links())));
    v.speedup = std::string(to_string(check_speedup(r.o, *r.service, ctx.cfg.policy, now)));
  } else {
    v.refill = v.speedup = "service_not_configured";
  }
  v.note = r.note();
  v.created_at = r.created_at();
  v.updated_at = r.updated_at;
  return v;
}

void order_actions::status(std::vector<std::string> ids,
                           std::function<void(std::vector<lookup_answer>)> done) {
  asio::post(ctx_.strand,
             [this, ids = std::move(ids), done = std::move(done), keep = ctx_.shared_from_this()] {
               std::vector<lookup_answer> out;
               out.reserve(ids.size());
               for (const auto& id : ids) {
                 lookup_answer a;
                 a.panel_order_id = id;
                 if (order_record* r = ctx_.lookup(id)) {
                   a.order = make_view(ctx_, *r);
                   a.code = result_code::ok;
                 } else {
                   a.code = result_code::not_found;
                   a.error = "order not found";
                 }
                 out.push_back(std::move(a));
               }
               done(std::move(out));
             });
}

void order_actions::cancel(std::vector<std::string> ids,
                           std::function<void(std::vector<action_answer>)> done) {
  asio::post(ctx_.strand,
             [this, ids = std::move(ids), done = std::move(done), keep = ctx_.shared_from_this()] {
               struct gather {
                 std::vector<action_answer> answers;
                 std::size_t left = 0;
                 std::function<void(std::vector<action_answer>)> done;
               };
               auto g = std::make_shared<gather>();
               g->answers.resize(ids.size());
               g->left = ids.size() + 1;
               g->done = done;
               auto one_done = [g](std::size_t i) {
                 return [g, i](action_answer a) {
                   g->answers[i] = std::move(a);
                   if (--g->left == 0) g->done(std::move(g->answers));
                 };
               };
               for (std::size_t i = 0; i < ids.size(); ++i) cancel_one(ids[i], one_done(i));
               if (--g->left == 0) g->done(std::move(g->answers));
             });
}

void order_actions::cancel_one(const std::string& id, std::function<void(action_answer)> done) {
  order_record* r = ctx_.lookup(id);
  if (r == nullptr) return done(not_found(id));
  if (!r->durable || r->busy) return done(fail(id, result_code::busy, "order is changing state; retry"));
  order_event e;
  e.kind = event_kind::panel_cancel;
  e.held = r->held;
  const order_plan plan = ctx_.plan(*r, e);
  switch (plan.kind) {
    case plan_kind::refuse:
      if (plan.note == plan_note::is_final)
        return done(fail(id, result_code::not_eligible,
                         "order is final (" + std::string(to_string(r->o.state)) + ")"));
      if (plan.note == plan_note::cannot_cancel_now)
        return done(fail(id, result_code::not_eligible,
                         "order is " + std::string(to_string(r->o.state)) + ": it cannot be canceled now"));
      return done(fail(id, result_code::not_eligible, lifecycle_note_text(plan.note)));
    case plan_kind::ask_provider: {
      auto* client = client_of(ctx_, *r);
      if (client == nullptr)
        return done(fail(id, result_code::unavailable, "provider " + r->provider() + " is not configured"));
      // Journaled before it is sent: `show` has every cancel request, also after a restart.
      store::order_note asked;
      asked.order_id = r->id();
      asked.note =
          "cancel requested of " + r->provider() + " (order " + std::string(r->provider_order_id()) + ")";
      asked.at = engine_context::now_s();
      ctx_.note(std::move(asked),
                [keep = ctx_.shared_from_this(), client, provider = r->provider(),
                 poid = std::string(r->provider_order_id()), id, done](order_record* rec, bool ok) {
                  if (!ok || rec == nullptr)
                    return done(fail(id, result_code::unavailable,
                                     "the journal could not commit the cancel request; retry"));
                  spawn(*keep, id, done, do_cancel(keep, rec->id(), provider, client, poid, id, done));
                });
      return;
    }
    case plan_kind::change: {
      plan_detail d;
      d.note = lifecycle_note_text(plan.note);
      ctx_.carry_out(*r, plan, e, std::move(d), [id, done](order_record*, bool ok) {
        done(ok ? succeed(id, "canceled")
                : fail(id, result_code::unavailable, "the journal could not commit the cancel; retry"));
      });
      return;
    }
    case plan_kind::nothing:
      break;
  }
  done(fail(id, result_code::not_eligible,
            "order is " + std::string(to_string(r->o.state)) + ": it cannot be canceled now"));
}

void order_actions::refill(std::string id, std::optional<std::int64_t> current_count,
                           std::function<void(action_answer)> done) {
  asio::post(ctx_.strand, [this, id = std::move(id), current_count, done = std::move(done),
                           keep = ctx_.shared_from_this()] {
    order_record* r = ctx_.lookup(id);
    if (r == nullptr) return done(not_found(id));
    if (r->service == nullptr) return done(fail(id, result_code::not_eligible, "service is not configured"));
    const std::int64_t now = engine_context::now_s();
    const refill_reason why =
        check_refill(r->o, *r->service, ctx_.cfg.policy, now, current_count, ctx_.book.links());
    if (why != refill_reason::eligible)
      return done(fail(id, result_code::not_eligible, std::string(to_string(why))));
    auto* client = client_of(ctx_, *r);
    if (client == nullptr || r->provider_order_id().empty())
      return done(fail(id, result_code::not_eligible, "order has no provider order id"));
    // Rule 6 for the next request: requested in memory now, before anything is awaited, so a
    // second request for this order answers refill_in_progress. Journaled before it is sent
    // (a crash on the wire leaves it unknown, never resent); busy keeps it in memory meanwhile.
    store::refill_change requested = begin_refill(*r, now);
    r->busy = true;
    record_refill(ctx_, requested,
                  [keep, client, requested, poid = std::string(r->provider_order_id()), id, done](
                      order_record* rec, bool ok) {
                    if (rec != nullptr) rec->busy = false;
                    if (!ok) {
                      if (rec != nullptr) load_refill(*keep, *rec);  // back to what the journal holds
                      return done(fail(id, result_code::unavailable,
                                       "the journal could not commit the refill request; retry"));
                    }
                    spawn(*keep, id, done, do_refill(keep, client, requested, poid, id, done));
                  });
  });
}

void order_actions::refill_status(std::string id, std::function<void(action_answer)> done) {
  asio::post(ctx_.strand, [this, id = std::move(id), done = std::move(done), keep = ctx_.shared_from_this()] {
    order_record* r = ctx_.lookup(id);
    if (r == nullptr) return done(not_found(id));
    // The refill asked about does not exist: not_found (API v2's "Refill not found").
    if (!r->refill() || r->o.refill == refill_state::none)
      return done(fail(id, result_code::not_found, "no refill requested"));
    const refill_detail& d = *r->refill();
    // Answered from the journal's record unless the provider still runs it: the same answer
    // before and after a restart.
    switch (r->o.refill) {
      case refill_state::requested:
        return done(fail(id, result_code::busy, "refill request on its way to the provider; retry"));
      case refill_state::unknown:
        return done(fail(id, result_code::unavailable,
                         "refill outcome unknown (" + d.message + "): it may exist at the provider"));
      case refill_state::refused:
        return done(fail(id, result_code::provider_refused, "refill refused by the provider: " + d.message));
      case refill_state::failed:
        return done(fail(id, result_code::unavailable, "refill request not sent: " + d.message));
      default:
        break;
    }
    const std::string recorded = d.raw_status.empty() ? std::string(to_string(r->o.refill)) : d.raw_status;
    if (!refill_followed(r->o.refill)) return done(succeed(id, recorded));  // ended: it never changes
    auto* client = client_of(ctx_, *r);
    if (client == nullptr || d.refill_id.empty()) return done(succeed(id, recorded));
    spawn(ctx_, id, done, do_refill_status(ctx_.shared_from_this(), client, r->id(), d.refill_id, id, done));
  });
}

void order_actions::speedup(std::string id, std::function<void(action_answer)> done) {
  asio::post(ctx_.strand, [this, id = std::move(id), done = std::move(done), keep = ctx_.shared_from_this()] {
    order_record* r = ctx_.lookup(id);
    if (r == nullptr) return done(not_found(id));
    if (r->service == nullptr) return done(fail(id, result_code::not_eligible, "service is not configured"));
    const std::int64_t now = engine_context::now_s();
    const speedup_reason why = check_speedup(r->o, *r->service, ctx_.cfg.policy, now);
    if (why != speedup_reason::eligible)
      return done(fail(id, result_code::not_eligible, std::string(to_string(why))));
    // One request per interval: held in memory at once, journaled (also after a restart).
    const std::int64_t before = r->o.last_speedup_at;
    r->o.last_speedup_at = now;
    store::order_note n;
    n.order_id = r->id();
    n.note = "speed-up requested";
    n.at = now;
    n.speedup_at = now;
    ctx_.note(std::move(n), [id, done, before](order_record* rec, bool ok) {
      if (ok) return done(succeed(id, "eligible"));
      if (rec != nullptr) rec->o.last_speedup_at = before;
      done(fail(id, result_code::unavailable, "the journal could not commit the speed-up request; retry"));
    });
  });
}

void order_actions::resolve(resolution res, std::function<void(action_answer)> done) {
  asio::post(ctx_.strand,
             [this, res = std::move(res), done = std::move(done), keep = ctx_.shared_from_this()] {
               const std::string& id = res.panel_order_id;
               order_record* r = ctx_.lookup(id);
               if (r == nullptr) return done(not_found(id));
               if (r->busy) return done(fail(id, result_code::busy, "order is changing state; retry"));
               if (res.placed && res.provider_order_id.empty())
                 return done(fail(id, result_code::invalid, "provider_order_id: required when placed"));
               order_event e;
               e.kind = res.placed     ? event_kind::resolve_placed
                        : res.canceled ? event_kind::resolve_cancel
                                       : event_kind::resolve_absent;
               const order_plan plan = ctx_.plan(*r, e);
               if (plan.kind != plan_kind::change)
                 return done(fail(id, result_code::not_eligible,
                                  "order is " + std::string(to_string(r->o.state)) + ", not unknown"));
               plan_detail d;
               d.note = lifecycle_note_text(plan.note);
               if (res.placed) {
                 d.provider = r->provider();
                 d.provider_order_id = res.provider_order_id;
                 d.note += " as " + res.provider_order_id;
               }
               const std::string result = std::string(to_string(plan.next));
               ctx_.log->info("order {}: {}", r->panel_order_id(), d.note);
               ctx_.carry_out(*r, plan, e, std::move(d), [id, done, result](order_record*, bool ok) {
                 done(ok ? succeed(id, result)
                         : fail(id, result_code::unavailable, "the journal could not commit; retry"));
               });
             });
}

void order_actions::panel_ids(std::vector<std::int64_t> order_ids,
                              std::function<void(std::vector<std::optional<std::string>>)> done) {
  asio::post(ctx_.strand,
             [this, ids = std::move(order_ids), done = std::move(done), keep = ctx_.shared_from_this()] {
               std::vector<std::optional<std::string>> out;
               out.reserve(ids.size());
               for (const std::int64_t id : ids) {
                 if (const order_record* r = ctx_.book.find(id)) {
                   out.emplace_back(std::string(r->panel_order_id()));
                 } else if (auto row = ctx_.reader->find_order(id)) {
                   out.emplace_back(std::move(row->panel_order_id));
                 } else {
                   out.emplace_back(std::nullopt);
                 }
               }
               done(std::move(out));
             });
}

void order_actions::list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                                std::function<void(order_page)> done) {
  limit = std::clamp<std::size_t>(limit, 1, 1000);
  asio::post(
      ctx_.strand, [this, state, after_id, limit, done = std::move(done), keep = ctx_.shared_from_this()] {
        // The journal is the truth (it also has final orders of earlier runs); an order in memory
        // is shown from memory, which also knows whether it is held.
        const auto rows = ctx_.reader->orders_in_state(static_cast<std::uint8_t>(state), after_id, limit);
        order_page page;
        page.orders.reserve(rows.size());
        for (const auto& row : rows) {
          if (order_record* r = ctx_.book.find(row.id)) {
            page.orders.push_back(make_view(ctx_, *r, &row));
            continue;
          }
          auto rec = ctx_.record_from_row(row);  // not kept: a listing must not fill the book
          ctx_.load_outcome(*rec);
          page.orders.push_back(make_view(ctx_, *rec, &row));
        }
        if (rows.size() == limit) page.next_after_id = rows.back().id;
        done(std::move(page));
      });
}

order_record* order_actions::lookup_daemon_id(const std::string& text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '#') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos)
    return nullptr;
  const std::int64_t id = std::stoll(std::string(digits));
  if (order_record* r = ctx_.book.find(id)) return r;
  const auto row = ctx_.reader->find_order(id);
  return row ? ctx_.lookup(row->panel_order_id) : nullptr;
}

void order_actions::history(std::string panel_order_id, std::function<void(order_history)> done) {
  asio::post(ctx_.strand,
             [this, id = std::move(panel_order_id), done = std::move(done), keep = ctx_.shared_from_this()] {
               order_history h;
               h.panel_order_id = id;
               order_record* r = ctx_.lookup(id);
               // Not a panel id: the daemon's own order id (what API v2 panels and the logs
               // show), written as "#123" or as a bare number.
               if (r == nullptr) r = lookup_daemon_id(id);
               if (r == nullptr) {
                 h.code = result_code::not_found;
                 h.error = "order not found";  // as a panel order id nor as a daemon order id
                 return done(std::move(h));
               }
               h.code = result_code::ok;
               h.panel_order_id = r->panel_order_id();
               h.order = make_view(ctx_, *r);
               for (const auto& e : ctx_.reader->order_events(r->id())) h.events.push_back(to_view(e));
               done(std::move(h));
             });
}

}  // namespace smm::daemon
