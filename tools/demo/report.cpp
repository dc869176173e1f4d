#include "tools/demo/report.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace smm::demo {

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// Per-second rate; 0 when nothing was timed. Display only: not money.
double rate(std::size_t n, std::chrono::nanoseconds d) { return d.count() > 0 ? n / seconds(d) : 0.0; }

void add_money(money& sum, money m) {
  // 3000 demo orders cannot overflow 9.2e12 units; keep the sum if they somehow did.
  if (auto r = checked_add(sum, m)) sum = r.value;
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

}  // namespace

std::map<std::string, provider_row> tally(const run_state& st) {
  std::map<std::string, provider_row> rows;
  for (const auto& [name, p] : st.providers) {
    auto& row = rows[name];
    row.failovers_from = p.failovers_from;
    if (p.client) row.retries = p.client->figures().retries;
  }
  for (const auto& d : st.orders) {
    auto& row = rows[d.provider.empty() ? panel_row : d.provider];
    const auto s = d.core.state;
    if (s == order_state::rejected) {
      ++row.rejected;
    } else if (s == order_state::unknown) {
      ++row.unknown;
    } else if (is_running_upstream(s) || is_final(s)) {
      ++row.placed;
      if (s == order_state::completed)
        ++row.completed;
      else if (s == order_state::partial)
        ++row.partial;
      else if (is_final(s))
        ++row.canceled;
      else
        ++row.open;
    }
    if (is_final(s)) {
      add_money(row.refunds, d.refund.amount);
      if (d.refill == refill_reason::eligible) ++row.refill_eligible;
    }
  }
  return rows;
}

provider_row total_of(const std::map<std::string, provider_row>& rows) {
  provider_row t;
  for (const auto& [name, r] : rows) {
    t.placed += r.placed;
    t.completed += r.completed;
    t.partial += r.partial;
    t.canceled += r.canceled;
    t.open += r.open;
    t.rejected += r.rejected;
    t.unknown += r.unknown;
    t.refill_eligible += r.refill_eligible;
    add_money(t.refunds, r.refunds);
    t.failovers_from += r.failovers_from;
    t.retries += r.retries;
  }
  return t;
}

std::string progress_line(const run_state& st) {
  const std::size_t total = std::max<std::size_t>(st.orders.size(), 1);
  // Integer percent, rounded down: 100 only once every order is settled.
  const std::size_t pct = st.settled * 100 / total;
  constexpr std::size_t width = 30;
  const std::size_t filled = st.settled * width / total;
  char buf[160];
  std::snprintf(buf, sizeof buf, "\r[%s%s] accepted %zu | placed %zu | final %zu | %3zu%%",
                std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(), st.accepted,
                st.placed, st.settled, pct);
  return buf;
}

void print_summary(std::ostream& out, const run_state& st, const run_figures& f) {
  const auto rows = tally(st);
  const auto total = total_of(rows);
  auto line = [&out](const std::string& name, const provider_row& r) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-9s %7zu %9zu %7zu %8zu %5zu %8zu %7zu %9zu %14s %9llu %7llu\n",
                  name.c_str(), r.placed, r.completed, r.partial, r.canceled, r.open, r.rejected, r.unknown,
                  r.refill_eligible, to_string(r.refunds, 2).c_str(),
                  static_cast<unsigned long long>(r.failovers_from),
                  static_cast<unsigned long long>(r.retries));
    out << buf;
  };
  out << "\nprovider   placed completed partial canceled  open rejected unknown refill-ok        refunds "
         "failover retries\n";
  for (const auto& [name, r] : rows)
    if (name != panel_row) line(name, r);
  if (rows.contains(panel_row)) line(panel_row, rows.at(panel_row));
  line("total", total);
  out << "  canceled: canceled, refunded or failed upstream; failover: orders that left this provider for "
         "the "
         "next hop;\n  refill-ok: check_refill says eligible now; refunds: compute_refund, rounded down\n\n";

  std::map<std::string, std::size_t> reasons;
  for (const auto& d : st.orders)
    if (d.core.state == order_state::rejected || d.core.state == order_state::unknown) ++reasons[d.reason];
  for (const auto& [why, n] : reasons) out << "not placed: " << n << " x " << why << "\n";
  for (const auto& [name, p] : st.providers) {
    if (!p.reachable) out << "note: " << name << " did not answer `services`: its hops were skipped\n";
    if (p.paused) out << "note: " << name << " paused after: " << p.pause_reason << "\n";
  }
  for (const auto& svc : st.cfg.services)
    for (const auto& hop : svc.route) {
      const auto it = st.providers.find(hop.provider);
      if (it != st.providers.end() && it->second.reachable &&
          !it->second.sold.contains(hop.provider_service_id))
        out << "note: service " << svc.id << " hop " << hop.provider << "/" << hop.provider_service_id
            << " is not in that provider's catalogue: skipped\n";
    }

  const auto& in = f.intake;
  out << "intake:    " << in.accepted << " orders journaled in " << fixed(seconds(in.took), 3)
      << " s = " << fixed(rate(in.accepted, in.took), 0) << " orders/s; " << in.duplicates
      << " refused by the duplicate-link policy (" << to_string(st.cfg.policy.duplicate_link) << ")\n";
  out << "placement: " << f.placement.placed << " placed in " << fixed(seconds(f.placement.took), 2)
      << " s = " << fixed(rate(f.placement.placed, f.placement.took), 1) << " placements/s; "
      << f.placement.failovers << " on a later hop; limits:";
  for (const auto& [name, p] : st.providers)
    out << " " << name << " " << fixed(p.config->requests_per_second, 0) << " req/s";
  out << "\n";
  out << "polling:   " << f.poll.rounds << " status_multi calls (" << f.poll.failed_rounds << " not ok), "
      << f.poll.transitions << " transitions, " << f.poll.anomalies << " anomalies, " << f.poll.id_errors
      << " id errors; last order final " << fixed(seconds(f.poll.took), 2) << " s after placing began\n";
  if (f.poll.gave_up)
    out << "polling:   GAVE UP with " << f.poll.left_open << " orders still open (bounded wait)\n";
  const auto& j = f.journal;
  out << "journal:   " << j.commits << " commits, " << j.ops << " ops, "
      << fixed(j.commits ? static_cast<double>(j.ops) / static_cast<double>(j.commits) : 0.0, 1)
      << " ops/commit; intake: " << fixed(in.commits ? static_cast<double>(in.accepted) / in.commits : 0.0, 1)
      << " orders/commit over " << in.commits << " commits; " << j.failed_batches << " failed batches\n";
  out << "wall:      " << fixed(seconds(f.wall), 2) << " s\n";
  out << "accounting: accepted=" << st.accepted << " placed=" << total.placed
      << " rejected=" << total.rejected << " unknown=" << total.unknown << "\n";
}

}  // namespace smm::demo
