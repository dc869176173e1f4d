#include "daemon/engine/reconciler.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <limits>
#include <numeric>

#include "logging/logging.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t no_lo = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t no_hi = std::numeric_limits<std::int64_t>::max();
// Placements walked per pass while looking for the order that closes a bracket.
constexpr std::size_t upper_scan_rows = 10000;
// After the closing order's placement, its call deadline plus this: every add written before
// it has answered (or timed out) and been journaled.
constexpr std::int64_t settle_margin_s = 2;
// Orphans and ids listed in a note at most.
constexpr std::size_t listed_most = 20;

// A provider order id as an integer (order_ids_increasing providers), or none.
std::optional<std::int64_t> integer_id(const std::string& s) {
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end || v < 0) return std::nullopt;
  return v;
}

// The provider's call deadline in whole seconds, rounded up (sent_at is in seconds).
std::int64_t deadline_s(const provider_config& p) { return (p.call_deadline.count() + 999) / 1000; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < listed_most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > listed_most) out += " and " + std::to_string(items.size() - listed_most) + " more";
  return out;
}

std::string order_ref(std::int64_t id) {
  std::string out(1, '#');
  out += std::to_string(id);
  return out;
}

const char* operator_hint() {
  return "check with the provider, then resolve --placed ID, --not-placed or --canceled";
}

// True when the order's last `sending` was journaled with its request_id (request_id_mark).
bool sent_with_request_id(engine_context& ctx, const order_record& r) {
  const std::string mark = request_id_mark(r);
  bool carried = false;
  for (const auto& e : ctx.reader->order_events(r.id()))
    if (e.new_state == static_cast<std::uint8_t>(order_state::sending)) carried = e.note == mark;
  return carried;
}

// Clears a provider's "pass in flight" mark however the pass ends.
struct pass_mark {
  std::vector<char>& marks;
  std::size_t i;
  ~pass_mark() { marks[i] = 0; }
};

}  // namespace

std::vector<std::vector<std::size_t>> overlapping_groups(const std::vector<bracket_range>& ranges) {
  std::vector<std::size_t> order(ranges.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ranges[a].lo != ranges[b].lo ? ranges[a].lo < ranges[b].lo
                                        : ranges[a].order_id < ranges[b].order_id;
  });
  std::vector<std::vector<std::size_t>> out;
  std::int64_t hi = 0;
  for (const std::size_t i : order) {
    // The open ranges (lo, hi) share an id when the larger lo + 1 is below the smaller hi.
    if (!out.empty() && ranges[i].lo < hi - 1) {
      out.back().push_back(i);
      hi = std::max(hi, ranges[i].hi);
      continue;
    }
    out.push_back({i});
    hi = ranges[i].hi;
  }
  return out;
}

orphan_attribution attribute_orphans(std::size_t members,
                                     const std::vector<std::vector<std::size_t>>& candidates,
                                     const std::vector<char>& bounded) {
  orphan_attribution out;
  out.found.assign(members, -1);
  out.absent.assign(members, 0);
  out.taken.assign(candidates.size(), 0);
  auto settled = [&](std::size_t k) { return out.found[k] >= 0 || out.absent[k] != 0; };
  for (bool changed = true; changed;) {
    changed = false;
    // An orphan only one open member can have created is that member's (an add creates one).
    for (std::size_t o = 0; o < candidates.size(); ++o) {
      if (out.taken[o] != 0) continue;
      std::size_t left = 0, last = 0;
      for (const auto k : candidates[o])
        if (!settled(k)) {
          ++left;
          last = k;
        }
      if (left == 0) {
        out.unexplained = static_cast<int>(o);
        return out;
      }
      if (left == 1) {
        out.found[last] = static_cast<int>(o);
        out.taken[o] = 1;
        changed = true;
      }
    }
    // A member whose whole range was asked and none of whose orphans can still be its own
    // created nothing.
    for (std::size_t k = 0; k < members; ++k) {
      if (settled(k) || bounded[k] == 0) continue;
      bool possible = false;
      for (std::size_t o = 0; o < candidates.size() && !possible; ++o)
        possible = out.taken[o] == 0 &&
                   std::find(candidates[o].begin(), candidates[o].end(), k) != candidates[o].end();
      if (!possible) {
        out.absent[k] = 1;
        changed = true;
      }
    }
  }
  return out;
}

reconciler::reconciler(engine_context& ctx) : ctx_(ctx), timer_(ctx.strand) {
  log_ = logging::logger("reconcile");
}

void reconciler::start() {
  running_.assign(ctx_.providers.size(), 0);
  asio::co_spawn(ctx_.strand, loop(ctx_.shared_from_this()), [log = log_](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log->critical("reconcile loop died: {}", ex.what());
    }
  });
}

void reconciler::stop() {
  stopped_ = true;
  timer_.cancel();
}

void reconciler::watch(std::int64_t id) { watch_.try_emplace(id); }

asio::awaitable<void> reconciler::loop(std::shared_ptr<engine_context> keep) {
  while (!stopped_) {
    timer_.expires_after(keep->cfg.daemon.reconcile_interval);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    pass();
  }
}

order_record* reconciler::open(std::int64_t id) {
  order_record* r = ctx_.book.find(id);
  if (r == nullptr || r->o.state != order_state::unknown || !r->provider_order_id().empty()) return nullptr;
  return r;
}

void reconciler::pass() {
  if (stopped_ || ctx_.stopping.load()) return;
  if (running_.size() < ctx_.providers.size()) running_.resize(ctx_.providers.size(), 0);
  std::vector<std::vector<std::int64_t>> per_provider(ctx_.providers.size());
  for (auto it = watch_.begin(); it != watch_.end();) {
    order_record* r = ctx_.book.find(it->first);
    // Settled meanwhile (placed, queued again, resolved), or an order the provider forgot after
    // placing it (its id is known: reconciliation does not apply, an operator settles it).
    if (r == nullptr || r->o.state != order_state::unknown || !r->provider_order_id().empty()) {
      it = watch_.erase(it);
      continue;
    }
    if (r->provider_index < 0 || static_cast<std::size_t>(r->provider_index) >= per_provider.size()) {
      if (r->busy) {
        ++it;
        continue;
      }
      conclude(*r, reconcile_finding::inconclusive,
               "reconciliation: its provider " +
                   (r->provider().empty() ? std::string("(none)") : r->provider()) +
                   " is not configured: " + operator_hint());
      it = watch_.erase(it);
      continue;
    }
    per_provider[static_cast<std::size_t>(r->provider_index)].push_back(r->id());
    ++it;
  }
  for (std::size_t i = 0; i < per_provider.size(); ++i) {
    auto& ids = per_provider[i];
    if (ids.empty() || running_[i] != 0) continue;
    std::sort(ids.begin(), ids.end());
    const provider_config& cfg = *ctx_.providers.at(i).cfg;
    auto done = [log = log_, name = cfg.name](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log->error("reconciliation at {} failed inside the engine: {}", name, ex.what());
      }
    };
    if (cfg.idempotency_key) {
      running_[i] = 1;
      asio::co_spawn(ctx_.strand, by_request_id(ctx_.shared_from_this(), i, std::move(ids)), done);
    } else if (cfg.order_ids_increasing && cfg.status_own_orders_only) {
      running_[i] = 1;
      asio::co_spawn(ctx_.strand, by_bracket(ctx_.shared_from_this(), i, std::move(ids)), done);
    } else {
      // Nothing to ask this provider: say so once, then leave the order to an operator.
      for (const auto id : ids) {
        order_record* r = ctx_.book.find(id);
        if (r == nullptr || r->busy) continue;
        conclude(*r, reconcile_finding::inconclusive,
                 "reconciliation: nothing automatic at " + cfg.name +
                     " (neither idempotency_key nor order_ids_increasing with status_own_orders_only): " +
                     operator_hint());
        watch_.erase(id);
      }
    }
  }
}

// a. The add again, with the request_id every add to this provider carries.
asio::awaitable<void> reconciler::by_request_id(std::shared_ptr<engine_context> keep, std::size_t provider,
                                                std::vector<std::int64_t> ids) {
  const pass_mark mark{running_, provider};
  auto& p = keep->providers.at(provider);
  const std::string name = p.cfg->name;
  for (const auto id : ids) {
    // A resend is an add: never while the provider is paused or its breaker is open.
    if (stopped_ || keep->stopping.load() || !keep->providers.usable(provider)) break;
    order_record* r = open(id);
    if (r == nullptr || r->busy) continue;
    const std::string service = keep->provider_service_id(*r);
    if (r->service == nullptr || service.empty()) {
      conclude(*r, reconcile_finding::inconclusive,
               "reconciliation at " + name +
                   ": its service is no longer routed there, so its add cannot be " +
                   "sent again: " + operator_hint());
      continue;
    }
    if (!sent_with_request_id(*keep, *r)) {
      conclude(*r, reconcile_finding::inconclusive,
               "reconciliation at " + name +
                   ": its add went out without a request_id (before idempotency_key was set), so " +
                   "sending it again could order twice: " + operator_hint());
      continue;
    }
    providers::add_order order = keep->pending_of(*r).params;
    order.service = service;
    order.type = r->service->type;
    order.request_id = request_id_for(*r);
    const std::string request_id = order.request_id;
    const auto res = co_await p.client->add(std::move(order));
    r = open(id);
    if (r == nullptr || r->busy) continue;
    const std::string sent = "the add sent again with its request_id " + request_id;
    using providers::call_outcome;
    if (res.outcome == call_outcome::ok) {
      const std::string& poid = res.value.order;
      if (const auto owner = keep->reader->find_by_provider_order(name, poid); owner && *owner != id) {
        conclude(*r, reconcile_finding::inconclusive,
                 "reconciliation at " + name + ": " + sent + " answered order " + poid +
                     ", which is our order " + order_ref(*owner) + ": " + operator_hint());
        continue;
      }
      conclude(*r, reconcile_finding::found,
               "reconciled at " + name + ": " + sent + " answered order " + poid +
                   " (the original, or created now: either way the only one)",
               poid);
    } else if (res.outcome == call_outcome::rejected) {
      // The provider would have answered with the original order: nothing of it exists.
      conclude(*r, reconcile_finding::absent,
               "reconciled at " + name + ": " + sent + " was refused (" + res.error +
                   "): nothing of it exists there; queued again");
    } else {
      std::string why(providers::to_string(res.outcome));
      if (!res.value.unconfirmed_order.empty())
        why += ", naming order " + res.value.unconfirmed_order + " beside an error";
      conclude(*r, reconcile_finding::inconclusive,
               "reconciliation at " + name + ": " + sent + " got no definitive answer (" + why +
                   "); it stays unknown and is tried again every " +
                   std::to_string(keep->cfg.daemon.reconcile_interval.count()) + " s");
    }
  }
}

reconciler::member reconciler::bracket_of(std::size_t provider, order_record& r) {
  const provider_config& cfg = *ctx_.providers.at(provider).cfg;
  member m;
  m.id = r.id();
  m.range = {r.id(), no_lo, no_hi};
  if (r.sent_at <= 0) {
    m.problem = "no send time is recorded for its add";
    return m;
  }
  auto& e = watch_[r.id()];
  // The lower bound: our order answered before this add was written (its id was given out
  // before). Placements before a time never change, so it is looked up once.
  if (!e.lower_looked) {
    e.lower = ctx_.reader->last_placed_before(cfg.name, r.sent_at);
    e.lower_looked = true;
  }
  // The upper bound: our order written after this add's call deadline (its id comes after any
  // order this add created).
  const std::int64_t closes_after = r.sent_at + deadline_s(cfg);
  if (!e.upper) {
    if (!e.cursor_set) {
      e.cursor = {closes_after, std::numeric_limits<std::int64_t>::max()};
      e.cursor_set = true;
    }
    e.upper = ctx_.reader->first_sent_after(cfg.name, closes_after, &e.cursor, upper_scan_rows);
  }
  if (e.lower) {
    const auto lo = integer_id(e.lower->provider_order_id);
    if (!lo) {
      m.problem = "the order id " + e.lower->provider_order_id + " is not an integer";
      m.blocking = true;
      return m;
    }
    m.range.lo = *lo;
  }
  if (e.upper) {
    const auto hi = integer_id(e.upper->provider_order_id);
    if (!hi) {
      m.problem = "the order id " + e.upper->provider_order_id + " is not an integer";
      m.blocking = true;
      return m;
    }
    m.range.hi = *hi;
  }
  if (!e.lower) {
    m.problem =
        "no order of ours was placed at " + cfg.name + " before its add, so the ids below it cannot be asked";
    return m;
  }
  if (e.upper && m.range.hi <= m.range.lo) {
    m.problem = "our order " + e.upper->provider_order_id + ", sent after it, has an id below " +
                e.lower->provider_order_id + ", placed before it: the ids are not increasing";
    m.blocking = true;
    m.range = {r.id(), no_lo, no_hi};
    return m;
  }
  // Retention may have purged our orders around it: their ids would look like orphans. Its
  // range still bounds what it may have created, so only orders sharing ids with it wait.
  const std::int64_t age_s = engine_context::now_s() - r.sent_at;
  if (age_s > static_cast<std::int64_t>(ctx_.cfg.daemon.retention_days) * 86400) {
    m.problem = "its add is older than daemon.retention_days (our orders around it may be purged)";
    m.blocking = true;
  }
  return m;
}

// b. Bracketing between our own orders.
asio::awaitable<void> reconciler::by_bracket(std::shared_ptr<engine_context> keep, std::size_t provider,
                                             std::vector<std::int64_t> ids) {
  const pass_mark mark{running_, provider};
  std::vector<member> members;
  for (const auto id : ids) {
    order_record* r = open(id);
    if (r != nullptr) members.push_back(bracket_of(provider, *r));
  }
  std::vector<bracket_range> ranges;
  ranges.reserve(members.size());
  for (const auto& m : members) ranges.push_back(m.range);
  for (const auto& group : overlapping_groups(ranges)) {
    if (stopped_ || keep->stopping.load()) break;
    std::vector<member> g;
    for (const auto i : group) g.push_back(members[i]);
    co_await settle_group(keep, provider, std::move(g));
  }
}

asio::awaitable<void> reconciler::settle_group(std::shared_ptr<engine_context> keep, std::size_t provider,
                                               std::vector<member> group) {
  auto& p = keep->providers.at(provider);
  const provider_config& cfg = *p.cfg;
  const std::string& name = cfg.name;
  auto each = [&](auto&& f) {
    for (const auto& m : group)
      if (order_record* r = open(m.id)) f(*r, m);
  };
  // An order whose range breaks what bracketing relies on (ids that are not increasing
  // integers, neighbours retention may have purged): an operator decides for the whole group,
  // since an orphan in the shared ids could be anyone's.
  std::vector<std::string> blocked;
  bool open_bracket = false;
  for (const auto& m : group) {
    if (m.blocking)
      blocked.push_back(order_ref(m.id));
    else if (m.problem.empty() && m.range.hi == no_hi)
      open_bracket = true;
  }
  if (!blocked.empty()) {
    each([&](order_record& r, const member& m) {
      conclude(r, reconcile_finding::inconclusive,
               !m.problem.empty()
                   ? "reconciliation at " + name + ": " + m.problem + ": " + operator_hint()
                   : "reconciliation at " + name + ": the ids its add may have created overlap those of " +
                         join(blocked) + ", which cannot be bracketed: " + operator_hint());
    });
    co_return;
  }
  // Not closed yet: no order of ours was sent there after this add's deadline. Wait for one.
  if (open_bracket) co_return;

  // The ids asked: from the lowest lower bound to the highest upper bound of the orders whose
  // range is bounded. An order without a lower bound (or a send time) is still a candidate for
  // the orphans found there, but can never be proven absent.
  std::int64_t lo = no_hi, hi = no_lo, closed_at = 0;
  std::int64_t lo_order = 0, hi_order = 0;
  for (const auto& m : group) {
    const auto& e = watch_[m.id];
    if (m.problem.empty() && m.range.lo < lo) {
      lo = m.range.lo;
      lo_order = e.lower ? e.lower->order_id : 0;
    }
    if (m.range.hi != no_hi && m.range.hi > hi) {
      hi = m.range.hi;
      hi_order = e.upper ? e.upper->order_id : 0;
    }
    if (e.upper) closed_at = std::max(closed_at, e.upper->placed_at);
  }
  if (lo == no_hi || hi == no_lo) {
    // Nothing of the group can be bounded: each says why.
    each([&](order_record& r, const member& m) {
      conclude(
          r, reconcile_finding::inconclusive,
          "reconciliation at " + name + ": " +
              (m.problem.empty() ? std::string("no order of ours bounds the ids it shares") : m.problem) +
              ": " + operator_hint());
    });
    co_return;
  }
  const std::int64_t gap = hi - lo - 1;
  const std::string between = "between our orders " + std::to_string(lo) + " (" + order_ref(lo_order) +
                              ") and " + std::to_string(hi) + " (" + order_ref(hi_order) + ")";
  if (gap > cfg.reconcile_max_gap) {
    each([&](order_record& r, const member&) {
      conclude(r, reconcile_finding::inconclusive,
               "reconciliation at " + name + ": " + std::to_string(gap) + " ids lie " + between +
                   ", more than reconcile_max_gap (" + std::to_string(cfg.reconcile_max_gap) +
                   "): " + operator_hint());
    });
    co_return;
  }
  // Every add written before the closing order was placed has answered or timed out by now.
  if (engine_context::now_s() <= closed_at + deadline_s(cfg) + settle_margin_s) co_return;

  std::vector<std::string> asked;
  asked.reserve(static_cast<std::size_t>(std::max<std::int64_t>(gap, 0)));
  for (std::int64_t v = lo + 1; v < hi; ++v) asked.push_back(std::to_string(v));
  std::vector<providers::status_entry> answers;
  if (!asked.empty()) {
    auto res = co_await p.client->status_multi(asked);
    answers = std::move(res.value);
    if (!res.ok() && answers.size() < asked.size()) {
      log_->debug("reconciliation at {}: status of ids {}..{} ended {}: {}", name, lo + 1, hi - 1,
                  providers::to_string(res.outcome), res.error);
      co_return;  // asked again at the next pass
    }
  }
  // Anything changed meanwhile (an operator resolved one): the next pass starts over.
  for (const auto& m : group)
    if (open(m.id) == nullptr) co_return;

  std::unordered_map<std::string, const providers::status_entry*> by_id;
  for (const auto& a : answers) by_id.emplace(a.id, &a);
  struct orphan {
    std::int64_t id;
    const providers::order_status* status;
  };
  std::vector<orphan> orphans;
  // Our orders among the ids (the bounds included), with when each was sent and placed: an
  // orphan was created after the one below it was sent and before the one above it was placed.
  struct ours_at {
    std::int64_t id;
    std::optional<std::int64_t> sent_at;
    std::int64_t placed_at;
  };
  std::vector<ours_at> near;
  for (const auto& m : group) {
    const auto& e = watch_[m.id];
    if (e.lower && m.range.lo != no_lo) near.push_back({m.range.lo, e.lower->sent_at, e.lower->placed_at});
    if (e.upper && m.range.hi != no_hi) near.push_back({m.range.hi, e.upper->sent_at, e.upper->placed_at});
  }
  std::vector<std::string> unclear;
  std::size_t ours = 0, not_ours = 0;
  for (std::int64_t v = lo + 1; v < hi; ++v) {
    const std::string id = std::to_string(v);
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      log_->debug("reconciliation at {}: id {} not answered; asked again at the next pass", name, id);
      co_return;
    }
    const auto& a = *it->second;
    if (a.status) {
      if (const auto owner = keep->reader->find_by_provider_order(name, id)) {
        ++ours;
        if (const auto row = keep->reader->find_order(*owner))
          near.push_back({v, row->sent_at, row->placed_at.value_or(no_hi)});
      } else {
        orphans.push_back({v, &*a.status});
      }
    } else if (a.error && a.error->category == providers::error_category::order_not_found) {
      ++not_ours;  // another key's order, or none
    } else {
      unclear.push_back(id + " ('" + (a.error ? a.error->message : std::string()) + "')");
    }
  }
  const std::string asked_text = asked.empty() ? "no id lies " + between
                                               : "asked ids " + asked.front() + ".." + asked.back() + " (" +
                                                     std::to_string(asked.size()) + ") " + between;
  const std::string tally =
      std::to_string(ours) + " ours, " + std::to_string(not_ours) + " unknown to our key";
  if (!unclear.empty()) {
    each([&](order_record& r, const member&) {
      conclude(r, reconcile_finding::inconclusive,
               "reconciliation at " + name + ": " + asked_text + "; ids " + join(unclear) +
                   " answered an error that does not say the order is unknown there: " + operator_hint());
    });
    co_return;
  }

  // Which unknown orders could have created each orphan: those whose range holds its id and
  // that it fits. Fit: the template status has no quantity, service or link; what it has and
  // can rule an order out is `remains`, which never exceeds the quantity ordered.
  // Time: an orphan was created after our order just below it was written (its sent_at) and
  // before our order just above it was answered (its placed_at); the add that created it was
  // written before that, and its call (deadline) still ran after the former.
  std::sort(near.begin(), near.end(), [](const ours_at& a, const ours_at& b) { return a.id < b.id; });
  const std::int64_t deadline = deadline_s(cfg);
  std::vector<std::vector<std::size_t>> candidates(orphans.size());
  std::vector<char> bounded(group.size());
  for (std::size_t k = 0; k < group.size(); ++k) bounded[k] = group[k].problem.empty() ? 1 : 0;
  for (std::size_t o = 0; o < orphans.size(); ++o) {
    const std::int64_t oid = orphans[o].id;
    const auto above = std::upper_bound(near.begin(), near.end(), oid,
                                        [](std::int64_t v, const ours_at& n) { return v < n.id; });
    const ours_at* below = above == near.begin() ? nullptr : &*std::prev(above);
    for (std::size_t k = 0; k < group.size(); ++k) {
      const auto& m = group[k];
      const order_record* r = ctx_.book.find(m.id);
      const auto& st = *orphans[o].status;
      if (!(m.range.lo < oid && oid < m.range.hi)) continue;
      if (st.remains && *st.remains > r->o.quantity) continue;
      if (r->sent_at > 0) {
        if (below != nullptr && below->sent_at && r->sent_at < *below->sent_at - deadline - 1) continue;
        if (above != near.end() && r->sent_at > above->placed_at) continue;
      }
      candidates[o].push_back(k);
    }
  }
  const orphan_attribution att = attribute_orphans(group.size(), candidates, bounded);
  std::vector<std::string> members;
  for (const auto& m : group) members.push_back(order_ref(m.id));
  if (att.unexplained >= 0) {
    // An order of our key that none of the unknown orders can have created (someone else uses
    // the key, or an order of ours left the journal): nothing here can be trusted.
    const auto& o = orphans[static_cast<std::size_t>(att.unexplained)];
    each([&](order_record& r, const member&) {
      conclude(r, reconcile_finding::inconclusive,
               "reconciliation at " + name + " inconclusive: " + asked_text + ": order " +
                   std::to_string(o.id) + " is of our key and not ours, and none of the unknown orders " +
                   join(members) + " can have created it: " + operator_hint());
    });
    co_return;
  }
  for (std::size_t k = 0; k < group.size(); ++k) {
    order_record* r = open(group[k].id);
    if (r == nullptr) continue;
    const auto& m = group[k];
    const std::string own = m.problem.empty() ? "its ids " + std::to_string(m.range.lo + 1) + ".." +
                                                    std::to_string(m.range.hi - 1)
                                              : "its ids";
    if (att.found[k] >= 0) {
      const auto& o = orphans[static_cast<std::size_t>(att.found[k])];
      const std::string oid = std::to_string(o.id);
      conclude(*r, reconcile_finding::found,
               "reconciled at " + name + ": " + asked_text + ": order " + oid + " answered (status '" +
                   o.status->status + "'" +
                   (o.status->remains ? ", remains " + std::to_string(*o.status->remains) : std::string()) +
                   ") and is no order of ours (" + tally + "); of the unknown orders " + join(members) +
                   ", only this one can have created it: placed as " + oid,
               oid);
    } else if (att.absent[k] != 0) {
      std::vector<std::string> others;
      for (std::size_t o = 0; o < orphans.size(); ++o)
        if (orphans[o].id > m.range.lo && orphans[o].id < m.range.hi)
          others.push_back(std::to_string(orphans[o].id));
      conclude(*r, reconcile_finding::absent,
               "reconciled at " + name + ": " + asked_text + ": " + own +
                   " hold no order of our key we do not know" +
                   (others.empty() ? std::string()
                                   : " other than those of other unknown orders (" + join(others) + ")") +
                   " (" + tally + "): proven absent; queued again");
    } else {
      std::vector<std::string> mine;
      for (std::size_t o = 0; o < orphans.size(); ++o)
        if (std::find(candidates[o].begin(), candidates[o].end(), k) != candidates[o].end() &&
            att.taken[o] == 0)
          mine.push_back(std::to_string(orphans[o].id));
      conclude(*r, reconcile_finding::inconclusive,
               "reconciliation at " + name + " inconclusive: " + asked_text +
                   ": orders of our key that are not ours (candidates: " + join(mine) +
                   ") may be this one's or those of the unknown orders " + join(members) +
                   (m.problem.empty() ? std::string() : " (" + m.problem + ")") + ": " + operator_hint());
    }
  }
}

void reconciler::conclude(order_record& r, reconcile_finding f, std::string note,
                          std::optional<std::string> provider_order_id) {
  if (r.busy || r.o.state != order_state::unknown) return;
  // Once per distinct finding: the order's last note is the last one journaled (after a
  // restart too: recovery loads it).
  if (f == reconcile_finding::inconclusive && note == r.note()) return;
  order_event e;
  e.kind = event_kind::reconciled;
  e.finding = f;
  const order_plan plan = ctx_.plan(r, e);
  if (plan.kind != plan_kind::change) return;
  plan_detail d;
  d.note = note;
  if (provider_order_id) {
    d.provider = r.provider();
    d.provider_order_id = std::move(provider_order_id);
  }
  ctx_.carry_out(
      r, plan, e, std::move(d),
      [this, f, panel_id = std::string(r.panel_order_id()), note = std::move(note)](order_record*, bool ok) {
        if (!ok) {
          log_->error("order {}: reconciliation not journaled: {}", panel_id, note);
          return;
        }
        auto& c = ctx_.counters;
        switch (f) {
          case reconcile_finding::found:
            c.reconciled_found.fetch_add(1, std::memory_order_relaxed);
            log_->info("order {}: {}", panel_id, note);
            break;
          case reconcile_finding::absent:
            c.reconciled_absent.fetch_add(1, std::memory_order_relaxed);
            log_->info("order {}: {}", panel_id, note);
            break;
          case reconcile_finding::inconclusive:
            c.reconcile_inconclusive.fetch_add(1, std::memory_order_relaxed);
            log_->warn("order {}: {}", panel_id, note);
            break;
        }
      });
}

}  // namespace smm::daemon
