#include "tools/demo/report.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace smm::demo {

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// Per-second rate for display; 0 when nothing was timed. Not money.
double rate(std::size_t n, std::chrono::nanoseconds d) {
  return d.count() > 0 ? static_cast<double>(n) / seconds(d) : 0.0;
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

// Integer addition of micro-units; false on overflow (the sum is then left as it was).
bool add_money(money& sum, money m) {
  const auto r = checked_add(sum, m);
  if (!r) return false;
  sum = r.value;
  return true;
}

void add_row(provider_row& t, const provider_row& r, std::size_t& bad_money) {
  t.placed += r.placed;
  t.completed += r.completed;
  t.partial += r.partial;
  t.canceled += r.canceled;
  t.open += r.open;
  t.rejected += r.rejected;
  t.unknown += r.unknown;
  t.waiting += r.waiting;
  t.not_found += r.not_found;
  if (!add_money(t.refunds, r.refunds)) ++bad_money;
}

}  // namespace

tally_result tally(std::span<const status_item> items) {
  tally_result out;
  for (const auto& it : items) {
    auto& row = out.rows[it.provider.empty() ? panel_row : it.provider];
    if (!it.state) {
      ++row.not_found;
      continue;
    }
    const order_state s = *it.state;
    if (s == order_state::rejected) {
      ++row.rejected;
    } else if (s == order_state::unknown) {
      ++row.unknown;
    } else if (s == order_state::placed || is_provider_state(s)) {
      ++row.placed;
      if (s == order_state::completed)
        ++row.completed;
      else if (s == order_state::partial)
        ++row.partial;
      else if (is_final(s))
        ++row.canceled;
      else
        ++row.open;
    } else {
      ++row.waiting;
    }
    if (!it.refund.empty()) {
      const auto m = parse_money(it.refund);
      if (!m || !add_money(row.refunds, m.value)) ++out.bad_money;
    }
  }
  for (const auto& [name, r] : out.rows) add_row(out.total, r, out.bad_money);
  return out;
}

void print_summary(std::ostream& out, const tally_result& t, const run_figures& f) {
  auto line = [&out](const std::string& name, const provider_row& r) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-9s %7zu %9zu %7zu %8zu %5zu %8zu %7zu %14s\n", name.c_str(), r.placed,
                  r.completed, r.partial, r.canceled, r.open, r.rejected, r.unknown,
                  to_string(r.refunds).c_str());
    out << buf;
  };
  out << "\nprovider   placed completed partial canceled  open rejected unknown        refunds\n";
  for (const auto& [name, r] : t.rows)
    if (name != panel_row) line(name, r);
  if (t.rows.contains(panel_row)) line(panel_row, t.rows.at(panel_row));
  line("total", t.total);
  out << "  from the daemon's `status` answers; canceled: canceled, refunded or failed upstream;\n"
         "  refunds: the daemon's refund strings summed exactly (micro-units)\n";
  for (const auto& [why, n] : f.refused) out << "refused at intake: " << n << " x " << why << "\n";
  if (t.total.waiting > 0) out << "not settled: " << t.total.waiting << " orders still queued or sending\n";
  if (t.total.not_found > 0)
    out << "not found: " << t.total.not_found << " accepted orders the daemon did not know\n";
  if (t.bad_money > 0) out << "money: " << t.bad_money << " refund strings did not parse or overflowed\n";

  out << "intake:    " << f.accepted << " of " << f.count << " orders acknowledged in "
      << fixed(seconds(f.intake), 3) << " s = " << fixed(rate(f.count, f.intake), 0)
      << " orders/s answered\n";
  out << "placement: " << f.placed_events << " placed in " << fixed(seconds(f.placement), 2)
      << " s from the first add = " << fixed(rate(f.placed_events, f.placement), 1) << " placements/s\n";
  out << "events:    " << f.events << " received on the subscription\n";
  if (f.gave_up)
    out << "waiting:   GAVE UP " << f.give_up_after.count()
        << " s after intake with orders not settled (bounded)\n";
  out << "wall:      " << fixed(seconds(f.wall), 2) << " s\n";
  std::size_t refused = 0;
  for (const auto& [why, n] : f.refused) refused += n;
  out << "accounting: accepted=" << f.accepted << " placed=" << t.total.placed
      << " rejected=" << t.total.rejected << " unknown=" << t.total.unknown << " open=" << t.total.open
      << " waiting=" << t.total.waiting << " refused=" << refused << "\n";
}

}  // namespace smm::demo
