// The suite of issue 9, "The suite that proves it": the real smm-dispatchd against real
// smm-mockprovider processes on loopback, checked against the mocks' own audits.
//
// kill_loop: smm-loadgen feeds three services (refills on one, a failover route on another, a
// slow one with cancels, partials and provider-side cancels) while the daemon is killed with
// SIGKILL SMM_FAULTS_KILLS times at random moments: mid-load, while refill or cancel calls are
// on the wire, right after a burst that leaves a queue, and during the recovery that follows.
// It is restarted each time. Checks: every order the client saw acknowledged exists; no link
// was added twice at any provider; every final order's refund is what the mock's own remains
// imply; every order a kill left `unknown` had its add reach the provider it was sent to (so
// the unknown orders of a kill are at most the adds that were on the wire at it). The mocks
// allow reconciliation (docs/rules.md "Unknown orders"): `a` honours request_id, `b` and `c`
// answer status only for our key's orders (ids increase): after the last restart, orders
// placed later close the brackets, and the report counts the unknown orders the kills created
// and how many were reconciled automatically; none may be placed twice, and every unknown
// order at `a` must be reconciled.
//
// fault_matrix (fault_matrix_test.cpp): every mock fault mode against every action.
//
// Size: SMM_FAULTS_KILLS, SMM_FAULTS_ORDERS, SMM_FAULTS_SEED (see fault_support.hpp).
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "tests/faults/fault_support.hpp"
#include "tests/faults/faults_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test::faults {
namespace {

/// Where in the daemon's life a kill lands; kills cycle through them, the instant is random.
enum class moment { mid_load, refills, burst, recovery, cancels };

const char* to_string(moment m) {
  switch (m) {
    case moment::mid_load:
      return "mid-load";
    case moment::refills:
      return "refills";
    case moment::burst:
      return "burst";
    case moment::recovery:
      return "recovery";
    case moment::cancels:
      return "cancels";
  }
  return "?";
}

moment moment_of(int kill) {
  // `recovery` follows `burst`: the burst leaves queued and sending orders for it to recover.
  static constexpr moment cycle[] = {moment::mid_load, moment::refills, moment::burst,
                                     moment::recovery, moment::cancels, moment::mid_load};
  return cycle[kill % 6];
}

/// What one kill found.
struct kill_record {
  moment at = moment::mid_load;
  int life_ms = 0;          ///< from the start of that daemon to its kill
  int adds_reached = 0;     ///< adds the mocks received during that life
  int adds_unanswered = 0;  ///< of them, answer not delivered at the kill (lost or pending)
  int ops_sent = 0;         ///< refill or cancel requests sent just before the kill
  int ops_upstream = 0;     ///< of them, received by the mock before the kill
  int new_unknown = -1;     ///< orders left unknown (-1: counted with the next kill)
  int unreached = 0;        ///< of them, whose add never reached their provider
};

// Names of the checks, each reported on its own.
constexpr const char* k_acked = "every acknowledged order exists";
constexpr const char* k_twice = "no link added twice at any provider";
constexpr const char* k_stray = "every add upstream is one of ours";
constexpr const char* k_refund = "every final refund equals what the mock's remains imply";
// `sending` is journaled once an add holds one of its provider's in-flight slots, just before
// it is written: a kill leaves at most the wire's capacity unknown. (One journal commit's worth
// of them may not have been written yet when the kill lands during that commit's fsync: they
// are counted as `unreached` in the report, and stay within the bound.)
constexpr const char* k_unknown = "unknown orders per kill within the providers' in-flight slots";
constexpr const char* k_unknown_refund = "no unknown order is refunded";
constexpr const char* k_settled = "every order settles (final or unknown)";
constexpr const char* k_rejected = "no order rejected (no provider said no)";
constexpr const char* k_loadgen = "every smm-loadgen run reported";
constexpr const char* k_resent = "no refill or cancel sent upstream twice";
constexpr const char* k_alive = "the daemon was alive at every kill";
constexpr const char* k_reconciled = "every unknown order at the request_id provider is reconciled";

class kill_loop : public faults_env {
 protected:
  void start_mocks(std::uint64_t seed) {
    const std::vector<std::string> common{"--latency", "uniform:20-250"};
    auto with = [&](std::vector<std::string> more, std::uint64_t salt) {
      std::vector<std::string> all = common;
      all.insert(all.end(), more.begin(), more.end());
      all.insert(all.end(), {"--seed", std::to_string(seed + salt)});
      return all;
    };
    // a: refills (half the orders drop some units, so refills have work);
    // b: first hop of service 2; c: slow (cancels land while running), partials, cancels.
    // Reconciliation: a honours request_id; b and c answer status for our key's orders only.
    mocks_["a"] = std::make_unique<mock_process>(
        with({"--pending-ms", "300", "--speed", "500", "--drop-prob", "0.5", "--drop-after-ms", "100",
              "--refill-pending-ms", "200", "--refill-ms", "300", "--idempotency"},
             1));
    mocks_["b"] =
        std::make_unique<mock_process>(with({"--pending-ms", "300", "--speed", "500", "--partial-prob", "0.2",
                                             "--cancel-prob", "0.1", "--status-own-orders-only"},
                                            2));
    mocks_["c"] =
        std::make_unique<mock_process>(with({"--pending-ms", "1500", "--speed", "200", "--partial-prob",
                                             "0.2", "--cancel-prob", "0.1", "--status-own-orders-only"},
                                            3));
  }

  void write_config() {
    // Six-decimal rates: charges are rounded, so a partial refund's rounding down shows.
    std::vector<fleet_provider> ps;
    // b and c: a 2 s call deadline (their latency is at most 250 ms), so the unknown orders of
    // kills a few seconds apart get brackets of their own.
    for (const auto& [name, m] : mocks_) {
      fleet_provider p{
          .name = name, .port = m->port(), .idempotency_key = name == "a", .bracketing = name != "a"};
      if (p.bracketing) {
        p.request_timeout_ms = 1500;
        p.call_deadline_ms = 2000;
      }
      ps.push_back(p);
    }
    write_fleet(ps,
                {
                    {.id = 1, .rate = "0.912347", .cancel = true, .refill_days = 30, .route = {{"a", 1}}},
                    {.id = 2, .rate = "1.234567", .route = {{"b", 1}, {"c", 1}}},
                    {.id = 3, .rate = "2.718281", .cancel = true, .route = {{"c", 1}}},
                },
                /*reconcile_interval_s=*/1);
  }

  /// Starts one smm-loadgen per service for this life.
  void launch_load(int life, bool burst, double seconds, int per_service) {
    static constexpr std::int64_t quantity[] = {0, 100, 150, 333};
    for (std::int64_t s = 1; s <= 3; ++s) {
      loadgen_args a;
      a.socket_path = socket_path_;
      a.service = s;
      a.quantity = quantity[s];
      a.count = burst ? 3 * per_service : per_service;
      a.rate = burst ? 0 : per_service / seconds;
      a.batch = burst ? 10 : 1;
      a.max_seconds = seconds + 2;
      a.id_prefix = "k" + std::to_string(life) + "s" + std::to_string(s) + "-";
      a.link_prefix = "https://instagram.com/fk_" + std::to_string(life) + "_" + std::to_string(s) + "_";
      load_.push_back(std::make_unique<loadgen_process>(a, dir_));
    }
  }

  /// After the kill: what each smm-loadgen saw acknowledged, and every id it may have sent.
  void collect_load() {
    for (auto& g : load_) {
      const loadgen_args& a = g->args();
      const loadgen_result r = g->wait(20s);
      for (int i = 0; i < a.count; ++i) {
        link_of_[a.id(i)] = a.link(i);
        service_of_[a.id(i)] = a.service;
      }
      sent_ += r.sent;
      if (!r.reported) {
        found_.add(k_loadgen, a.id_prefix + ": exit " + std::to_string(r.exit_code) + " " + r.stderr_text);
        continue;
      }
      // One connection answers in send order: when every answered order was taken, the
      // first `answered` are exactly the acknowledged ones.
      std::vector<std::string> ids;
      for (int i = 0; i < r.answered; ++i) ids.push_back(a.id(i));
      if (r.failed_lines == 0 && r.accepted == r.answered) {
        acked_.insert(acked_.end(), ids.begin(), ids.end());
        unchecked_.insert(unchecked_.end(), ids.begin(), ids.end());
      } else {
        partly_acked_.push_back({ids, r.accepted});
      }
    }
    load_.clear();
  }

  /// Audit sizes now: the adds of the next life are those after them.
  void mark_audits() {
    for (const auto& [name, m] : mocks_) marks_[name] = read_audit(m->port()).adds.size();
  }

  /// Right after a kill: the adds of the life that ended, and how many had no answer.
  void count_adds(kill_record& k) {
    for (const auto& [name, m] : mocks_) {
      const mock_audit a = read_audit(m->port());
      for (std::size_t i = marks_[name]; i < a.adds.size(); ++i) {
        ++k.adds_reached;
        if (a.adds[i].delivered != "true") ++k.adds_unanswered;
      }
    }
  }

  /// After a restart: the acknowledged orders since the last check exist, and the orders the
  /// kill(s) left unknown each had their add reach the provider they name.
  void account(kill_record& k) {
    const auto now = status_many(unchecked_);
    for (const auto& id : unchecked_)
      if (!now.count(id)) found_.add(k_acked, id + " is missing after the restart");
    unchecked_.clear();
    std::map<std::string, mock_audit> audits;
    for (const auto& [name, m] : mocks_) audits[name] = read_audit(m->port());
    k.new_unknown = 0;
    for (const listed_order& o : listed("unknown")) {
      if (!unknown_.insert(o.panel_order_id).second) continue;
      ++k.new_unknown;
      const std::string link = link_of_.count(o.panel_order_id) ? link_of_.at(o.panel_order_id) : "?";
      const auto audit = audits.find(o.provider);
      if (audit == audits.end() || audit->second.requests(link) == 0) ++k.unreached;
      if (o.refund) found_.add(k_unknown_refund, o.panel_order_id + " refund " + *o.refund);
    }
    // A kill during the restart after another counts both lives here.
    const int bound = wire_slots() * std::max(1, lives_since_account_);
    if (k.new_unknown > bound)
      found_.add(k_unknown, std::to_string(k.new_unknown) + " orders left unknown (" +
                                std::to_string(k.unreached) + " never reached a provider), more than the " +
                                std::to_string(bound) + " in-flight slots of the providers");
    lives_since_account_ = 0;
  }

  /// Adds that can be on the wire at once: the providers' max_in_flight, summed.
  int wire_slots() const { return static_cast<int>(mocks_.size()) * fleet_provider{}.max_in_flight; }
  int lives_since_account_ = 0;

  /// Orders of `service` acknowledged so far, in `states`.
  std::vector<std::string> acked_in(std::int64_t service, const std::set<std::string>& states,
                                    std::size_t most) {
    std::vector<std::string> ids;
    for (const auto& id : acked_)
      if (service_of_.at(id) == service) ids.push_back(id);
    std::vector<std::string> out;
    for (const auto& [id, s] : status_many(ids))
      if (states.count(s.state) && out.size() < most && !asked_.count(id)) out.push_back(id);
    return out;
  }

  /// kill -9, noting a daemon that was no longer alive to be killed.
  void kill_now() {
    if (!kill9()) found_.add(k_alive, "kill " + std::to_string(++not_alive_) + ": it had already exited");
  }

  /// Sends `op` for `ids` and kills the daemon once the mock has received some of them.
  void kill_during(const std::string& op, const std::string& mock, const std::vector<std::string>& ids,
                   kill_record& k, std::mt19937_64& rng) {
    auto c = connect();
    const unsigned short port = mocks_.at(mock)->port();
    const std::int64_t before = action_count(port, op);
    send_order_ops(*c, op, ids, next_request_id_);
    asked_.insert(ids.begin(), ids.end());
    (op == "refill" ? refills_sent_ : cancels_sent_) += static_cast<std::int64_t>(ids.size());
    k.ops_sent = static_cast<int>(ids.size());
    // A few of them upstream (the client's in-flight cap is shared with adds and polls).
    const std::int64_t some = std::min<std::int64_t>(3, static_cast<std::int64_t>(ids.size()));
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (action_count(port, op) - before < some && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 80)(rng)));
    kill_now();
    k.ops_upstream = static_cast<int>(action_count(port, op) - before);
  }

  std::map<std::string, std::unique_ptr<mock_process>> mocks_;
  std::vector<std::unique_ptr<loadgen_process>> load_;
  std::map<std::string, std::string> link_of_;  ///< every id smm-loadgen may have sent
  std::map<std::string, std::int64_t> service_of_;
  std::vector<std::string> acked_;      ///< acknowledged to the client
  std::vector<std::string> unchecked_;  ///< acknowledged, not yet looked up
  std::vector<std::pair<std::vector<std::string>, std::int64_t>> partly_acked_;  ///< (answered, taken)
  std::set<std::string> unknown_;  ///< orders seen unknown so far
  std::set<std::string> asked_;    ///< refill or cancel already sent for
  std::map<std::string, std::size_t> marks_;
  int not_alive_ = 0;  ///< kills that found no live daemon
  std::int64_t sent_ = 0, refills_sent_ = 0, cancels_sent_ = 0;

  /// One life of the daemon, ended by kill -9 at a moment of the cycle (the instant random).
  kill_record live(int life, const suite_size& size, std::mt19937_64& rng) {
    const int per_service = std::max(4, size.orders / (size.kills * 3));
    // About 20 orders/s per service, for 1 to 3 s per life: placement lags behind intake, so
    // adds are on the wire at most kills.
    const double load_s = std::clamp(per_service / 20.0, 1.0, 3.0);
    auto uniform_ms = [&](double lo_s, double hi_s) {
      return std::chrono::milliseconds(std::uniform_int_distribution<int>(
          static_cast<int>(lo_s * 1000), static_cast<int>(hi_s * 1000))(rng));
    };
    kill_record k;
    ++lives_since_account_;
    k.at = moment_of(life);
    mark_audits();
    const auto born = std::chrono::steady_clock::now();
    if (k.at == moment::recovery) {
      // The burst before left `sending` and queued orders: this start is killed while it
      // recovers them (sending -> unknown, re-queue) or dispatches them again.
      spawn_daemon();
      std::this_thread::sleep_for(uniform_ms(0.0, 0.6));
      kill_now();
    } else {
      start_daemon();
      if (!kills_.empty()) account(kills_.back());
      launch_load(life, k.at == moment::burst, load_s, per_service);
      if (k.at == moment::mid_load) {
        std::this_thread::sleep_for(uniform_ms(0.25 * load_s, load_s));
        kill_now();
      } else if (k.at == moment::burst) {
        // Intake is fast, placement is not: once the client has its answers, a queue waits.
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (std::any_of(load_.begin(), load_.end(), [](auto& g) { return g->running(); }) &&
               std::chrono::steady_clock::now() < until)
          std::this_thread::sleep_for(5ms);
        std::this_thread::sleep_for(uniform_ms(0.0, 0.2));
        kill_now();
      } else {
        std::this_thread::sleep_for(uniform_ms(0.2 * load_s, 0.5 * load_s));
        const bool refill = k.at == moment::refills;
        // Refills need completed orders of service 1; cancels running ones of service 3.
        std::vector<std::string> ids;
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (ids.empty() && std::chrono::steady_clock::now() < until) {
          ids =
              refill ? acked_in(1, {"completed"}, 40) : acked_in(3, {"placed", "pending", "in_progress"}, 40);
          if (ids.empty()) std::this_thread::sleep_for(100ms);
        }
        kill_during(refill ? "refill" : "cancel", refill ? "a" : "c", ids, k, rng);
      }
    }
    k.life_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - born)
            .count());
    count_adds(k);
    collect_load();
    return k;
  }

  /// After the last restart: orders sent more than a call deadline after the kills' unknown
  /// orders close their brackets at b and c (a needs none); then reconciliation (every second)
  /// runs until no order is unknown, or none was settled for 20 s.
  void close_brackets() {
    std::this_thread::sleep_for(std::chrono::milliseconds(fleet_provider{}.call_deadline_ms + 1500));
    for (std::int64_t s = 1; s <= 3; ++s) {
      loadgen_args a;
      a.socket_path = socket_path_;
      a.service = s;
      a.quantity = 100;
      a.count = 4;
      a.max_seconds = 10;
      a.id_prefix = "close-s" + std::to_string(s) + "-";
      a.link_prefix = "https://instagram.com/fk_close_" + std::to_string(s) + "_";
      load_.push_back(std::make_unique<loadgen_process>(a, dir_));
    }
    collect_load();
    const auto until = std::chrono::steady_clock::now() + 60s;
    auto changed = std::chrono::steady_clock::now();
    std::size_t last = static_cast<std::size_t>(-1);
    while (std::chrono::steady_clock::now() < until) {
      const std::size_t n = listed("unknown").size();
      if (n == 0) break;
      if (n != last) {
        last = n;
        changed = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - changed > 20s) {
        break;
      }
      std::this_thread::sleep_for(1s);
    }
  }

  /// What the end state holds, for the report.
  struct end_figures {
    std::map<std::string, int> by_state;
    int refunds_checked = 0;
    int unknown_created = 0;  ///< unknown orders the mock did create
    std::int64_t refill_calls = 0, cancel_calls = 0;
    int repeated_adds = 0;  ///< links with more than one add (request_id resends, adds after proven absence)
    // Reconciliation, from every order's history.
    int ever_unknown = 0, ever_unknown_created = 0, found = 0, absent = 0, inconclusive = 0;
    std::vector<std::string> left_notes;  ///< a few notes of the orders left unknown
  };

  /// The checks on the settled orders against the mocks' audits and their own status.
  end_figures check_end(const std::map<std::string, order_status>& settled) {
    end_figures f;
    std::map<std::string, mock_audit> audits;
    for (const auto& [name, m] : mocks_) audits[name] = read_audit(m->port());
    for (const auto& id : acked_)
      if (!settled.count(id)) found_.add(k_acked, id + " is missing at the end");
    for (const auto& [ids, taken] : partly_acked_) {
      const auto n =
          std::count_if(ids.begin(), ids.end(), [&](const std::string& id) { return settled.count(id); });
      if (n < taken)
        found_.add(k_acked,
                   ids.front() + "..: " + std::to_string(taken) + " taken, " + std::to_string(n) + " exist");
    }
    // Links: at most one order at all the providers together, no add after the one that
    // created it (other than its request_id sent again, which creates nothing), and every add
    // is one of ours. An add proven absent by reconciliation is sent again: two requests, one order.
    std::set<std::string> our_links;
    for (const auto& [id, link] : link_of_) {
      our_links.insert(link);
      int requests = 0, created = 0, after = 0;
      for (const auto& [name, a] : audits) {
        requests += a.requests(link);
        created += a.created(link);
        after += a.after_created(link);
      }
      if (created > 1 || after > 0)
        found_.add(k_twice, id + " (" + link + "): " + std::to_string(requests) + " adds, " +
                                std::to_string(created) + " orders created, " + std::to_string(after) +
                                " adds after the order was created");
      if (requests > 1) ++f.repeated_adds;
    }
    for (const auto& [name, a] : audits)
      for (const auto& add : a.adds)
        if (!our_links.count(add.link)) found_.add(k_stray, name + " received an add for " + add.link);

    for (const auto& [id, s] : settled) {
      ++f.by_state[s.state];
      const std::string& link = link_of_.at(id);
      // Reconciliation: was it ever unknown, and how was it settled (its history says).
      const order_trail trail = trail_of(admin(), id, next_request_id_);
      if (trail.was_unknown) {
        ++f.ever_unknown;
        int created = 0;
        for (const auto& [name, a] : audits) created += a.created(link);
        f.ever_unknown_created += created > 0 ? 1 : 0;
        f.found += trail.reconciled_found ? 1 : 0;
        f.absent += trail.reconciled_absent ? 1 : 0;
        f.inconclusive += trail.reconcile_inconclusive && s.state == "unknown" ? 1 : 0;
      }
      if (s.state == "unknown") {
        const auto a = audits.find(s.provider);
        if (a != audits.end() && a->second.created(link) > 0) ++f.unknown_created;
        if (s.refund) found_.add(k_unknown_refund, id + " refund " + *s.refund);
        // `a` honours request_id: sending the add again settles every unknown order there.
        if (s.provider == "a") found_.add(k_reconciled, id + ": " + s.note);
        if (f.left_notes.size() < 4) f.left_notes.push_back(id + " at " + s.provider + ": " + s.note);
        continue;
      }
      if (!is_final_state(s.state)) {
        found_.add(k_settled, id + " is still " + s.state + " (note: " + s.note + ")");
        continue;
      }
      if (s.state == "rejected") found_.add(k_rejected, id + ": " + s.note);
      ++f.refunds_checked;
      if (s.provider_order_id.empty()) {
        // Ended before it was sent (canceled while queued): nothing upstream, the whole charge back.
        int created = 0;
        for (const auto& [name, a] : audits) created += a.created(link);
        if (created != 0 || !s.refund || to_micros(*s.refund) != to_micros(s.charge))
          found_.add(k_refund, id + " " + s.state + " without a provider order: refund " +
                                   s.refund.value_or("none") + ", charge " + s.charge +
                                   ", created upstream " + std::to_string(created));
        continue;
      }
      const auto a = audits.find(s.provider);
      const std::string diff = a == audits.end()
                                   ? "placed at unknown provider '" + s.provider + "'"
                                   : compare_with_upstream(s, link, a->second, mocks_.at(s.provider)->port());
      if (!diff.empty()) found_.add(k_refund, id + " at " + s.provider + ": " + diff);
    }
    // A refill or cancel is sent upstream once per panel request, never again by itself.
    f.refill_calls = audits["a"].count("refill");
    f.cancel_calls = audits["c"].count("cancel");
    if (f.refill_calls > refills_sent_ || f.cancel_calls > cancels_sent_)
      found_.add(k_resent, "refills upstream " + std::to_string(f.refill_calls) + " for " +
                               std::to_string(refills_sent_) + " requested; cancels upstream " +
                               std::to_string(f.cancel_calls) + " for " + std::to_string(cancels_sent_));
    return f;
  }

  /// The figures: one line per kill, then the end state.
  void report(const end_figures& f, std::size_t existing) const {
    std::printf("  %-4s %-9s %7s %6s %10s %9s %11s %9s\n", "kill", "moment", "life_ms", "adds", "unanswered",
                "ops(up)", "new_unknown", "unreached");
    for (std::size_t i = 0; i < kills_.size(); ++i) {
      const auto& k = kills_[i];
      const std::string ops = k.ops_sent
                                  ? std::to_string(k.ops_sent) + "(" + std::to_string(k.ops_upstream) + ")"
                                  : std::string("-");
      const bool later = k.new_unknown < 0;
      std::printf("  %-4zu %-9s %7d %6d %10d %9s %11s %9s\n", i + 1, to_string(k.at), k.life_ms,
                  k.adds_reached, k.adds_unanswered, ops.c_str(),
                  later ? "(next)" : std::to_string(k.new_unknown).c_str(),
                  later ? "" : std::to_string(k.unreached).c_str());
    }
    std::printf("  orders: %lld sent, %zu acknowledged, %zu exist; final states:",
                static_cast<long long>(sent_), acked_.size(), existing);
    for (const auto& [state, n] : f.by_state) std::printf(" %s %d", state.c_str(), n);
    const int unknown = f.by_state.count("unknown") ? f.by_state.at("unknown") : 0;
    std::printf(
        "\n  refunds checked against the mocks: %d; refill calls upstream %lld (panel asked %lld), cancel "
        "calls "
        "%lld (asked %lld)\n",
        f.refunds_checked, static_cast<long long>(f.refill_calls), static_cast<long long>(refills_sent_),
        static_cast<long long>(f.cancel_calls), static_cast<long long>(cancels_sent_));
    std::printf(
        "  unknown orders created by the kills: %d (%d of them created upstream; %zu seen unknown after a "
        "restart); reconciled automatically: %d (%d found upstream and placed, %d proven absent and sent "
        "again); links with more than one add: %d, none placed twice\n",
        f.ever_unknown, f.ever_unknown_created, unknown_.size(), f.found + f.absent, f.found, f.absent,
        f.repeated_adds);
    std::printf(
        "  left for an operator: %d (%d inconclusive with the candidates in their note; %d created upstream: "
        "resolve --placed ID; %d never created: resolve --not-placed)\n",
        unknown, f.inconclusive, f.unknown_created, unknown - f.unknown_created);
    for (const auto& note : f.left_notes) std::printf("    e.g. %s\n", note.c_str());
  }

  std::vector<kill_record> kills_;
  findings found_;
};

TEST_F(kill_loop, kill_9_at_random_moments_loses_nothing_orders_nothing_twice_and_refunds_exactly) {
  const suite_size size = read_size();
  std::mt19937_64 rng(size.seed);
  std::printf("faults: kill loop: %d kills, about %d orders, seed %llu (SMM_FAULTS_SEED=%llu repeats it)\n",
              size.kills, size.orders, static_cast<unsigned long long>(size.seed),
              static_cast<unsigned long long>(size.seed));
  start_mocks(size.seed);
  write_config();
  const auto began = std::chrono::steady_clock::now();
  for (int life = 0; life < size.kills; ++life) kills_.push_back(live(life, size, rng));
  start_daemon();
  account(kills_.back());
  close_brackets();
  const auto settling = std::chrono::steady_clock::now();

  // Every order that exists reaches a final state, or stays unknown.
  std::vector<std::string> universe;
  for (const auto& [id, link] : link_of_) universe.push_back(id);
  std::vector<std::string> existing;
  for (const auto& [id, s] : status_many(universe)) existing.push_back(id);
  const auto settled = wait_settled(existing, 120s, /*unknown_ok=*/true);
  ASSERT_EQ(settled.size(), existing.size()) << "orders vanished while settling";
  const auto checking = std::chrono::steady_clock::now();
  // The checks ask the mocks about every order: without their latency.
  for (const auto& [name, m] : mocks_) m->request("POST", "/admin/latency?spec=fixed:0");
  const end_figures f = check_end(settled);

  auto secs = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
  std::printf(
      "faults: %zu kills survived (each restart answered); kills %.1f s, settling %.1f s, checks %.1f s\n",
      kills_.size(), secs(began, settling), secs(settling, checking),
      secs(checking, std::chrono::steady_clock::now()));
  report(f, settled.size());

  for (const char* check : {k_acked, k_twice, k_stray, k_refund, k_unknown, k_unknown_refund, k_settled,
                            k_rejected, k_loadgen, k_resent, k_alive, k_reconciled}) {
    EXPECT_EQ(found_.count(check), 0) << check << ":\n" << found_.examples(check);
  }
  // The kills must have hit what they aimed at, or the checks above proved little.
  int on_wire = 0, refills_up = 0, cancels_up = 0;
  for (const auto& k : kills_) {
    on_wire += k.adds_unanswered > 0 ? 1 : 0;
    refills_up += k.at == moment::refills ? k.ops_upstream : 0;
    cancels_up += k.at == moment::cancels ? k.ops_upstream : 0;
  }
  EXPECT_GT(on_wire, 0) << "no kill found an add on the wire";
  if (size.kills >= 2) {
    EXPECT_GT(refills_up, 0) << "no kill landed while refill calls were upstream";
  }
  if (size.kills >= 5) {
    EXPECT_GT(cancels_up, 0) << "no kill landed while cancel calls were upstream";
  }
  EXPECT_GE(acked_.size(), static_cast<std::size_t>(size.orders / 2)) << "too little load to prove anything";
}

}  // namespace
}  // namespace smm::test::faults
