// Every mock fault mode against every action (issue 9, "The suite that proves it"): one daemon
// per mode with five providers, each faulting one action (add, status, balance, refill,
// cancel). The daemon keeps running; nothing is placed twice; an add answered 5xx, HTML or
// garbled never becomes `rejected` (it is `unknown` or placed); a definitive error rejects
// with the whole charge refunded; every final order's refund is what the mock's remains imply;
// a refill or cancel is sent upstream at most once per panel request.
#include <algorithm>
#include <ostream>
#include <thread>

#include "tests/faults/fault_support.hpp"
#include "tests/faults/faults_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test::faults {
namespace {

/// What a faulted add must become.
enum class add_outcome {
  rejected,           ///< a definitive "no": rejected, whole charge refunded, nothing upstream
  unknown_or_placed,  ///< the answer says nothing definitive: never rejected, never resent
  placed,             ///< the answer arrives after all (slowly, or after a 429 and a retry)
};

struct fault_case {
  const char* name;
  const char* kind;
  const char* extra;      ///< appended to every rule of the case
  const char* add_extra;  ///< appended to the add rule only
  add_outcome add;
};

// ctest shows a case by its name.
void PrintTo(const fault_case& c, std::ostream* os) { *os << c.name; }

const fault_case cases[] = {
    {"error_definitive", "error", "", ",message=Invalid link", add_outcome::rejected},
    {"error_unclassified", "error", "", "", add_outcome::unknown_or_placed},
    {"error_with_order_created", "error_with_order", ",apply=after", ",message=Invalid link",
     add_outcome::placed},
    {"error_with_order_not_created", "error_with_order", "", ",message=Invalid link", add_outcome::rejected},
    {"http_503", "http_5xx", "", "", add_outcome::unknown_or_placed},
    {"http_500_after_the_action_ran", "http_5xx", ",status=500,apply=after", "",
     add_outcome::unknown_or_placed},
    {"rate_limit", "rate_limit", "", "", add_outcome::placed},
    {"black_hole", "black_hole", "", "", add_outcome::unknown_or_placed},
    {"reset", "reset", "", "", add_outcome::unknown_or_placed},
    {"html", "html", "", "", add_outcome::unknown_or_placed},
    {"invalid_json", "invalid_json", "", "", add_outcome::unknown_or_placed},
    {"truncated", "truncated", "", "", add_outcome::unknown_or_placed},
    {"trickle", "trickle", "", "", add_outcome::placed},
};

constexpr const char* actions[] = {"add", "status", "balance", "refill", "cancel"};

class fault_matrix : public faults_env, public ::testing::WithParamInterface<fault_case> {};

TEST_P(fault_matrix, every_action_keeps_running_places_nothing_twice_and_refunds_exactly) {
  const fault_case& fc = GetParam();
  const suite_size size = read_size();
  const int n = std::clamp(size.orders / 100, 8, 40);  // orders per action
  const int half = std::max(2, n / 2);
  auto rule = [&](const std::string& action, int count, double rate, const char* more) {
    char r[16];
    std::snprintf(r, sizeof r, "%.2f", rate);
    return std::string(fc.kind) + ",action=" + action + ",count=" + std::to_string(count) + ",rate=" + r +
           fc.extra + more;
  };
  const std::vector<std::string> base{"--latency", "fixed:10", "--pending-ms", "200", "--speed", "1000"};
  auto flags = [&](std::vector<std::string> more) {
    std::vector<std::string> all = base;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  // Each fault fires a few times only: enough to matter, too few to open a breaker for long.
  std::map<std::string, std::unique_ptr<mock_process>> mocks;
  std::map<std::string, int> planted;
  planted["add"] = 4;
  mocks["add"] = std::make_unique<mock_process>(flags({"--fault", rule("add", 4, 0.5, fc.add_extra)}));
  planted["status"] = 3;
  mocks["status"] = std::make_unique<mock_process>(
      flags({"--partial-prob", "0.4", "--cancel-prob", "0.2", "--fault", rule("status", 3, 0.5, "")}));
  planted["balance"] = 2;  // the check at start and its retry
  mocks["balance"] = std::make_unique<mock_process>(flags({"--fault", rule("balance", 2, 1.0, "")}));
  planted["refill"] = half;
  mocks["refill"] = std::make_unique<mock_process>(
      flags({"--drop-prob", "1", "--drop-after-ms", "50", "--refill-pending-ms", "100", "--refill-ms", "200",
             "--fault", rule("refill", half, 0.5, "")}));
  planted["cancel"] = half;
  // Slow: cancels land while the order is Pending or being delivered.
  mocks["cancel"] = std::make_unique<mock_process>(
      std::vector<std::string>{"--latency", "fixed:10", "--pending-ms", "1200", "--speed", "200", "--fault",
                               rule("cancel", half, 0.5, "")});

  std::vector<fleet_provider> providers;
  std::vector<fleet_service> services;
  std::map<std::string, std::int64_t> service_of;
  for (std::size_t i = 0; i < std::size(actions); ++i) {
    const std::string a = actions[i];
    providers.push_back(
        {.name = a, .port = mocks[a]->port(), .request_timeout_ms = 1000, .call_deadline_ms = 2500});
    // A six-decimal rate: charges are rounded, so a partial refund's rounding down shows.
    fleet_service s{.id = static_cast<std::int64_t>(i + 1), .rate = "0.987654", .route = {{a, 1}}};
    s.cancel = a == "cancel";
    if (a == "refill") s.refill_days = 30;
    services.push_back(s);
    service_of[a] = s.id;
  }
  write_fleet(providers, services);
  start_daemon();

  std::map<std::string, std::vector<std::string>> ids;  // per action
  std::map<std::string, std::string> link_of, action_of;
  for (const std::string a : actions) {
    std::vector<std::string> links;
    for (int i = 0; i < n; ++i) {
      ids[a].push_back(a + "-" + std::to_string(i));
      links.push_back("https://instagram.com/fm_" + std::string(fc.name) + "_" + a + "_" + std::to_string(i));
      link_of[ids[a].back()] = links.back();
      action_of[ids[a].back()] = a;
    }
    const auto acks = add_pipelined(ids[a], service_of[a], links, 100);
    ASSERT_EQ(acks.size(), ids[a].size());
    for (const auto& r : acks) ASSERT_EQ(r.status, "accepted") << r.raw;
  }

  // Cancels once the orders are placed upstream; refills once they are completed.
  auto wait_for = [&](const std::vector<std::string>& of, auto pred, std::chrono::milliseconds most) {
    return eventually(
        [&] {
          const auto now = status_many(of);
          return std::all_of(of.begin(), of.end(),
                             [&](const std::string& id) { return now.count(id) && pred(now.at(id)); });
        },
        most);
  };
  EXPECT_TRUE(wait_for(
      ids["cancel"], [](const order_status& s) { return !s.provider_order_id.empty(); }, 10s));
  auto side = connect();
  send_order_ops(*side, "cancel", ids["cancel"], next_request_id_);
  const int cancels_ok = drain_answers(*side, ids["cancel"].size(), 15s);
  EXPECT_TRUE(wait_for(
      ids["refill"], [](const order_status& s) { return s.state == "completed"; }, 15s));
  send_order_ops(*side, "refill", ids["refill"], next_request_id_);
  const int refills_ok = drain_answers(*side, ids["refill"].size(), 15s);
  std::this_thread::sleep_for(500ms);  // the mock decides a refill 300 ms after it is asked
  send_order_ops(*side, "refill_status", ids["refill"], next_request_id_);
  drain_answers(*side, ids["refill"].size(), 15s);

  std::vector<std::string> all;
  for (const auto& [a, v] : ids) all.insert(all.end(), v.begin(), v.end());
  const auto settled = wait_settled(all, 40s, /*unknown_ok=*/true);
  ASSERT_TRUE(daemon_->running()) << "the daemon died under " << fc.name;
  ASSERT_TRUE(is_pong(panel_->call("{\"id\":0,\"op\":\"ping\"}"))) << "the daemon stopped answering";

  // What fired, then no more faults: the checks ask the mocks themselves.
  std::map<std::string, int> fired;
  for (const std::string a : actions) {
    const auto left = fault_uses_left(mocks.at(a)->port());
    fired[a] = planted.at(a) - static_cast<int>(left.empty() ? 0 : left.front());
    mocks.at(a)->clear_faults();
  }
  std::map<std::string, mock_audit> audits;
  for (const auto& [a, m] : mocks) audits[a] = read_audit(m->port());
  findings found;
  int faulted_adds = 0, unknown = 0, unknown_created = 0, rejected = 0;
  for (const auto& id : all) {
    const std::string& a = action_of.at(id);
    const std::string& link = link_of.at(id);
    const mock_audit& audit = audits.at(a);
    if (!settled.count(id)) {
      found.add("every acknowledged order exists", id);
      continue;
    }
    const order_status& s = settled.at(id);
    const std::string what = id + " " + s.state + " (note: " + s.note + ")";
    // Twice: more than one order created, or more than one add that was not a 429.
    int not_429 = 0;
    bool faulted = false;
    for (const std::size_t i :
         audit.by_link.count(link) ? audit.by_link.at(link) : std::vector<std::size_t>{}) {
      not_429 += audit.adds[i].fault == "rate_limit" ? 0 : 1;
      faulted = faulted || !audit.adds[i].fault.empty();
    }
    if (audit.created(link) > 1 || not_429 > 1)
      found.add("nothing placed twice", what + ": " + std::to_string(audit.requests(link)) + " adds");
    if (a == "add" && faulted) ++faulted_adds;
    const add_outcome expect = a == "add" && faulted ? fc.add : add_outcome::placed;
    if (s.state == "unknown") {
      ++unknown;
      if (audit.created(link) > 0) ++unknown_created;
      if (expect != add_outcome::unknown_or_placed)
        found.add("unknown only where the answer said nothing", what);
      if (audit.requests(link) == 0) found.add("an unknown add reached its provider", what);
      if (s.refund) found.add("no unknown order is refunded", what + " refund " + *s.refund);
      continue;
    }
    if (!is_final_state(s.state)) {
      found.add("every order settles", what);
      continue;
    }
    if (s.state == "rejected") {
      ++rejected;
      if (expect != add_outcome::rejected) found.add("rejected only on a definitive no", what);
      if (!s.refund || to_micros(*s.refund) != to_micros(s.charge) || audit.created(link) != 0)
        found.add("a rejected order refunds its whole charge and exists nowhere",
                  what + " refund " + s.refund.value_or("none") + " charge " + s.charge);
      continue;
    }
    if (expect == add_outcome::rejected) found.add("a definitive no rejects", what);
    if (s.provider_order_id.empty()) {
      // Canceled by the panel before it was sent: the whole charge back, nothing upstream.
      if (s.state != "canceled" || !s.refund || to_micros(*s.refund) != to_micros(s.charge) ||
          audit.created(link) != 0)
        found.add("every final refund matches the mock", what + " without a provider order");
      continue;
    }
    const std::string diff = compare_with_upstream(s, link, audit, mocks.at(a)->port());
    if (!diff.empty()) found.add("every final refund matches the mock", id + ": " + diff);
  }
  // Refill and cancel are not idempotent: at most one upstream request per panel request
  // (a 429 is refused before it is processed, so it may be repeated).
  if (std::string(fc.kind) != "rate_limit") {
    if (audits["refill"].count("refill") > static_cast<std::int64_t>(ids["refill"].size()))
      found.add("no refill sent twice", std::to_string(audits["refill"].count("refill")) + " refill calls");
    if (audits["cancel"].count("cancel") > static_cast<std::int64_t>(ids["cancel"].size()))
      found.add("no cancel sent twice", std::to_string(audits["cancel"].count("cancel")) + " cancel calls");
  }
  // Every planted fault fired at least once: the matrix exercised what it names.
  std::string fired_text;
  for (const std::string a : actions) {
    fired_text += " " + a + " " + std::to_string(fired[a]) + "/" + std::to_string(planted.at(a));
    if (fired[a] < 1)
      found.add("every planted fault fired", a + ": none of " + std::to_string(planted.at(a)));
  }
  std::printf(
      "faults: %s: faults fired:%s; add: %d faulted, %d unknown (%d created upstream), %d rejected; "
      "cancels answered ok %d/%zu, refills ok %d/%zu\n",
      fc.name, fired_text.c_str(), faulted_adds, unknown, unknown_created, rejected, cancels_ok,
      ids["cancel"].size(), refills_ok, ids["refill"].size());

  for (const char* check :
       {"every acknowledged order exists", "nothing placed twice",
        "unknown only where the answer said nothing", "an unknown add reached its provider",
        "no unknown order is refunded", "every order settles", "rejected only on a definitive no",
        "a rejected order refunds its whole charge and exists nowhere", "a definitive no rejects",
        "every final refund matches the mock", "no refill sent twice", "no cancel sent twice",
        "every planted fault fired"}) {
    EXPECT_EQ(found.count(check), 0) << check << ":\n" << found.examples(check);
  }
}

INSTANTIATE_TEST_SUITE_P(modes, fault_matrix, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<fault_case>& info) { return info.param.name; });

}  // namespace
}  // namespace smm::test::faults
