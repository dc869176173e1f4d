// smm-dispatchctl's pure parts: the command line (usage errors exit 2 with the usage), the
// request lines, aligned tables and the rendering of canned answers; and the two ways of not
// reaching a daemon (no socket, no answer), each bounded.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <sstream>

#include "tools/dispatchctl/ctl_command.hpp"
#include "tools/dispatchctl/ctl_render.hpp"
#include "tools/dispatchctl/ctl_request.hpp"
#include "tools/dispatchctl/ctl_run.hpp"
#include "tools/dispatchctl/text_table.hpp"

namespace smm::dispatchctl {
namespace {

struct parsed {
  parse_outcome outcome;
  std::string out, err;
};

parsed parse(std::vector<std::string> args, std::optional<std::string> env = std::nullopt) {
  std::ostringstream out, err;
  parsed p{parse_command_line(args, env, out, err), {}, {}};
  p.out = out.str();
  p.err = err.str();
  return p;
}

ctl_command command(std::vector<std::string> args) {
  auto p = parse(std::move(args));
  EXPECT_TRUE(p.outcome.command.has_value()) << p.err;
  return p.outcome.command.value_or(ctl_command{});
}

void expect_usage_error(std::vector<std::string> args, std::string_view message,
                        std::string_view usage_mentions) {
  const auto p = parse(args);
  EXPECT_FALSE(p.outcome.command.has_value());
  EXPECT_EQ(p.outcome.exit_code, exit_usage);
  EXPECT_NE(p.err.find(message), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("Usage:"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find(usage_mentions), std::string::npos) << p.err;
}

TEST(CtlCommandLine, DefaultsEnvAndGlobalOptionsOnEitherSide) {
  auto c = command({"status"});
  EXPECT_EQ(c.kind, subcommand::status);
  // The admin socket: the panel socket refuses the admin ops.
  EXPECT_EQ(c.socket_path, "/run/smm-dispatchd/admin.sock");
  EXPECT_EQ(c.timeout, std::chrono::milliseconds(10'000));
  EXPECT_FALSE(c.json);

  auto p = parse({"providers"}, std::string("/tmp/env.sock"));
  EXPECT_EQ(p.outcome.command->socket_path, "/tmp/env.sock");
  p = parse({"--socket", "/tmp/flag.sock", "providers"}, std::string("/tmp/env.sock"));
  EXPECT_EQ(p.outcome.command->socket_path, "/tmp/flag.sock");

  c = command({"providers", "--json", "--socket", "/x.sock", "--timeout", "2.5"});
  EXPECT_EQ(c.kind, subcommand::providers);
  EXPECT_TRUE(c.json);
  EXPECT_EQ(c.socket_path, "/x.sock");
  EXPECT_EQ(c.timeout, std::chrono::milliseconds(2500));
}

TEST(CtlCommandLine, EverySubcommand) {
  auto c = command({"orders", "--state", "unknown"});
  EXPECT_EQ(c.kind, subcommand::orders);
  EXPECT_EQ(c.state, "unknown");
  EXPECT_EQ(c.after_id, 0);
  EXPECT_EQ(c.limit, 100);
  EXPECT_FALSE(c.all);
  c = command({"orders", "--state", "in_progress", "--after", "40", "--limit", "1000", "--all"});
  EXPECT_EQ(c.after_id, 40);
  EXPECT_EQ(c.limit, 1000);
  EXPECT_TRUE(c.all);
  c = command({"show", "a-17"});
  EXPECT_EQ(c.kind, subcommand::show);
  EXPECT_EQ(c.order, "a-17");
  c = command({"resolve", "a1", "--placed", "555"});
  EXPECT_EQ(c.kind, subcommand::resolve);
  EXPECT_TRUE(c.placed);
  EXPECT_EQ(c.provider_order_id, "555");
  c = command({"resolve", "a1", "--not-placed"});
  EXPECT_FALSE(c.placed);
  c = command({"pause", "alpha", "--reason", "out of funds"});
  EXPECT_EQ(c.kind, subcommand::pause);
  EXPECT_EQ(c.provider, "alpha");
  EXPECT_EQ(c.reason, "out of funds");
  c = command({"resume", "alpha"});
  EXPECT_EQ(c.kind, subcommand::resume);
  c = command({"reload"});
  EXPECT_EQ(c.kind, subcommand::reload);
}

TEST(CtlCommandLine, HelpEverywhereExitsZero) {
  auto p = parse({"--help"});
  EXPECT_EQ(p.outcome.exit_code, exit_ok);
  EXPECT_FALSE(p.outcome.command.has_value());
  for (const char* sub : {"status", "providers", "orders", "show", "resolve", "pause", "resume", "reload"})
    EXPECT_NE(p.out.find(sub), std::string::npos) << sub << " missing from\n" << p.out;
  EXPECT_NE(p.out.find("--json"), std::string::npos);
  p = parse({"orders", "--help"});
  EXPECT_EQ(p.outcome.exit_code, exit_ok);
  EXPECT_NE(p.out.find("--all"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("--state"), std::string::npos) << p.out;
  p = parse({"resolve", "--help"});
  EXPECT_NE(p.out.find("--not-placed"), std::string::npos) << p.out;
}

TEST(CtlCommandLine, UsageErrorsExitTwoWithTheUsage) {
  expect_usage_error({}, "A subcommand is required", "orders");
  expect_usage_error({"--socket", "/x", "frobnicate"}, "unknown command \"frobnicate\"", "status");
  expect_usage_error({"orders"}, "--state is required", "--after");
  expect_usage_error({"orders", "--state", "done"}, "done not in", "--state");
  expect_usage_error({"orders", "--state", "queued", "--limit", "0"}, "--limit", "--all");
  expect_usage_error({"orders", "--state", "queued", "--limit", "1001"}, "--limit", "--all");
  expect_usage_error({"orders", "--state", "queued", "--after", "-1"}, "--after: must be >= 0", "--all");
  expect_usage_error({"show"}, "ID is required", "ID");
  expect_usage_error({"resolve", "a1"}, "give --placed PROVIDER_ORDER_ID, --not-placed or --canceled",
                     "--canceled");
  expect_usage_error({"resolve", "a1", "--placed", "5", "--not-placed"}, "excludes", "--placed");
  expect_usage_error({"resolve", "a1", "--placed", ""}, "must not be empty", "--placed");
  expect_usage_error({"pause"}, "PROVIDER is required", "--reason");
  expect_usage_error({"pause", "a", "--reason", std::string(201, 'x')}, "longer than 200 bytes", "--reason");
  expect_usage_error({"status", "--timeout", "0"}, "--timeout", "status");
  expect_usage_error({"status", "extra"}, "extra", "status");
}

TEST(CtlRequest, OneLinePerCommand) {
  EXPECT_EQ(request_line(command({"status"}), 1, 0), R"({"id":1,"op":"overview"})");
  EXPECT_EQ(request_line(command({"providers"}), 2, 0), R"({"id":2,"op":"providers"})");
  EXPECT_EQ(request_line(command({"orders", "--state", "unknown", "--limit", "5"}), 3, 40),
            R"({"id":3,"op":"orders","state":"unknown","after_id":40,"limit":5})");
  EXPECT_EQ(request_line(command({"show", "a\"1"}), 4, 0), R"({"id":4,"op":"history","order":"a\"1"})");
  EXPECT_EQ(request_line(command({"resolve", "a1", "--placed", "77"}), 5, 0),
            R"({"id":5,"op":"resolve","order":"a1","placed":true,"provider_order_id":"77"})");
  EXPECT_EQ(request_line(command({"resolve", "a1", "--not-placed"}), 6, 0),
            R"({"id":6,"op":"resolve","order":"a1","placed":false})");
  EXPECT_EQ(request_line(command({"pause", "alpha"}), 7, 0), R"({"id":7,"op":"pause","provider":"alpha"})");
  EXPECT_EQ(request_line(command({"pause", "alpha", "--reason", "low funds"}), 8, 0),
            R"({"id":8,"op":"pause","provider":"alpha","reason":"low funds"})");
  EXPECT_EQ(request_line(command({"resume", "alpha"}), 9, 0), R"({"id":9,"op":"resume","provider":"alpha"})");
  EXPECT_EQ(request_line(command({"reload"}), 10, 0), R"({"id":10,"op":"reload"})");
}

TEST(TextTable, AlignsColumnsAndCountsCodePoints) {
  text_table t({"NAME", "N", "NOTE"}, {text_table::align::left, text_table::align::right});
  t.add_row({"alpha", "5", "ok"});
  t.add_row({"b\xC3\xA9ta", "1234"});
  EXPECT_EQ(t.render(),
            "NAME      N  NOTE\n"
            "alpha     5  ok\n"
            "b\xC3\xA9ta   1234\n");
  EXPECT_THROW(t.add_row({"a", "b", "c", "d"}), std::invalid_argument);
  text_table no_header({"", ""});
  no_header.add_row({"key", "value"});
  EXPECT_EQ(no_header.render(), "key  value\n");
  EXPECT_EQ(display_width("caf\xC3\xA9"), 4u);
}

TEST(CtlRender, TimesAndDurations) {
  EXPECT_EQ(format_time(0), "");
  EXPECT_EQ(format_time(1'700'000'000), "2023-11-14 22:13:20");
  EXPECT_EQ(format_duration(42), "42s");
  EXPECT_EQ(format_duration(303), "5m 03s");
  EXPECT_EQ(format_duration(3723), "1h 02m 03s");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600 + 5 * 60 + 6), "3d 04h 05m 06s");
}

// The "result" of a canned answer, kept alive by the test's parser.
simdjson::dom::element result_of(simdjson::dom::parser& p, const std::string& answer) {
  simdjson::dom::element doc;
  EXPECT_EQ(p.parse(answer).get(doc), simdjson::SUCCESS) << answer;
  return doc["result"];
}

TEST(CtlRender, Overview) {
  simdjson::dom::parser p;
  const auto text = render_overview(result_of(
      p,
      R"({"id":1,"ok":true,"result":{"version":"0.1.0","uptime_s":65,"orders":{"by_state":{"received":0,"queued":4,)"
      R"("unknown":0,"completed":7},"open":4,"held":2},"intake":{"accepted":12,"replayed":3,"conflicts":0,"invalid":0,)"
      R"("duplicate_link":1,"unavailable":0},"placement":{"adds_sent":9,"placed":7,"rejected":0,"unknown":1,"requeued":0},)"
      R"("finals":7,"refunds":"1.25","anomalies":0,"status_polls":30,)"
      R"("reconciled":{"found":3,"absent":1,"inconclusive":2}}})"));
  EXPECT_EQ(text.substr(0, text.find('\n')), "smm-dispatchd 0.1.0, up 1m 05s");
  EXPECT_NE(text.find("STATE      ORDERS\nqueued          4\nunknown         0\ncompleted       7\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("received"), std::string::npos) << "empty states are left out:\n" << text;
  EXPECT_NE(text.find("open 4 (held 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("refunds owed      1.25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("outcome unknown      1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reconciled           3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("proven absent        1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("inconclusive         2\n"), std::string::npos) << text;
}

TEST(CtlRender, ProvidersShowPauseReasonAndBalance) {
  simdjson::dom::parser p;
  const auto text = render_providers(result_of(
      p,
      R"({"ok":true,"result":{"providers":[{"name":"alpha","breaker":"closed","paused":false,"pause_reason":"",)"
      R"("in_flight":2,"max_in_flight":8,"requests_per_second":2.5,"queued":15,"balance":"12.34","currency":"USD"},{"name":"beta","breaker":"open","paused":true,)"
      R"("pause_reason":"maintenance","in_flight":0,"queued":0,"balance":null,"currency":""}]}})"));
  EXPECT_EQ(text,
            "PROVIDER  BREAKER  PAUSED            IN FLIGHT  RATE/S  QUEUED    BALANCE\n"
            "alpha     closed   no                      2/8     2.5      15  12.34 USD\n"
            "beta      open     yes: maintenance          0       -       0          -\n");
  simdjson::dom::parser p2;
  EXPECT_EQ(render_providers(result_of(p2, R"({"ok":true,"result":{"providers":[]}})")),
            "no providers configured\n");
}

TEST(CtlRender, OrdersWithNextPageHint) {
  simdjson::dom::parser p;
  const auto r = result_of(
      p,
      R"({"ok":true,"result":{"state":"unknown","orders":[{"panel_order_id":"a1","order_id":3,"service":1,)"
      R"("state":"unknown","held":false,"link":"https://instagram.com/bob","provider":"alpha","provider_service":"7",)"
      R"("provider_order_id":"","raw_status":"","quantity":100,"sent_at":1700000000,)"
      R"("charge":"0.09","start_count":null,"remains":null,"refund":null,"refund_reason":"","refill":"","speedup":"",)"
      R"("note":"add timed out","created_at":1700000000,"updated_at":1700000000}],"next_after_id":3}})");
  std::vector<simdjson::dom::element> orders;
  for (auto o : r["orders"].get_array()) orders.push_back(o);
  const auto text = render_orders("unknown", orders, 3);
  EXPECT_NE(text.find("ID  PANEL ID  SERVICE  STATE    PROVIDER"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          " 3  a1              1  unknown  alpha     7                          https://instagram.com/bob"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("SENT (UTC)"), std::string::npos) << text;
  EXPECT_NE(text.find("2023-11-14 22:13:20  add timed out\n"), std::string::npos) << text;
  EXPECT_NE(text.find("1 order; more follow: --after 3 (or --all)\n"), std::string::npos) << text;
  EXPECT_EQ(render_orders("queued", {}, 0), "no orders in state queued\n");
}

TEST(CtlRender, HistoryIsFieldsThenTimeline) {
  simdjson::dom::parser p;
  const auto text = render_history(result_of(
      p,
      R"({"ok":true,"result":{"order":{"panel_order_id":"a1","order_id":3,"service":1,"state":"partial","held":false,)"
      R"("link":"https://instagram.com/bob","provider":"alpha","provider_service":"101","sent_at":1700000001,)"
      R"("provider_order_id":"555","raw_status":"Partial","quantity":1000,"charge":"1","start_count":10,)"
      R"("remains":250,"refund":"0.25","refund_reason":"partial","refill":"eligible","speedup":"final","note":"",)"
      R"("created_at":1700000000,"updated_at":1700000100},"events":[{"seq":7,"panel_order_id":"a1","order_id":3,)"
      R"("old_state":"queued","new_state":"sending","raw_status":"","charge":"1","remains":null,"refund":null,)"
      R"("refill_eligible":false,"note":"","at":1700000001},{"seq":9,"panel_order_id":"a1","order_id":3,)"
      R"("old_state":"in_progress","new_state":"partial","raw_status":"Partial","charge":"1","remains":250,)"
      R"("refund":"0.25","refill_eligible":true,"note":"","at":1700000100}]}})"));
  EXPECT_EQ(text.rfind("panel order id     a1\n", 0), 0u) << "fields first, no header:\n" << text;
  EXPECT_NE(text.find("provider order id  555\n"), std::string::npos) << text;
  EXPECT_NE(text.find("link               https://instagram.com/bob\n"), std::string::npos) << text;
  EXPECT_NE(text.find("provider service   101\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sent (UTC)         2023-11-14 22:13:21\n"), std::string::npos) << text;
  EXPECT_NE(text.find("refund             0.25 (partial)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SEQ  AT (UTC)             FROM         TO       RAW STATUS  REMAINS  REFUND  NOTE\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  7  2023-11-14 22:13:21  queued       sending\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  9  2023-11-14 22:15:00  in_progress  partial  Partial         250    0.25\n"),
            std::string::npos)
      << text;
}

TEST(CtlRender, ActionsPauseReload) {
  simdjson::dom::parser p1, p2, p3, p4;
  EXPECT_EQ(render_action(
                result_of(p1, R"({"ok":true,"result":{"panel_order_id":"a1","result":"resolved: placed"}})")),
            "a1: resolved: placed\n");
  EXPECT_EQ(
      render_paused(result_of(p2, R"({"ok":true,"result":{"provider":"alpha","paused":true,"reason":"r"}})")),
      "alpha: paused (r)\n");
  EXPECT_EQ(render_paused(result_of(p3, R"({"ok":true,"result":{"provider":"alpha","paused":false}})")),
            "alpha: resumed\n");
  EXPECT_EQ(
      render_reloaded(result_of(p4, R"({"ok":true,"result":{"reloaded":true,"message":"log level info"}})")),
      "reloaded: log level info\n");
}

struct run_result {
  int code;
  std::string out, err;
};
run_result run(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = run_ctl(args, std::nullopt, out, err);
  return {code, out.str(), err.str()};
}

TEST(CtlRun, NoDaemonNamesThePathAndTheCause) {
  const auto r = run({"--socket", "/nonexistent-dir/panel.sock", "status"});
  EXPECT_EQ(r.code, exit_failed);
  EXPECT_EQ(r.err,
            "smm-dispatchctl: cannot connect to the daemon at /nonexistent-dir/panel.sock: No such file or "
            "directory\n");
  EXPECT_EQ(r.out, "");
}

TEST(CtlRun, SilentDaemonTimesOut) {
  // Listening, never accepting: connect succeeds (backlog), no answer ever comes.
  char tmpl[] = "/tmp/smm-ctl-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/panel.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  const auto r = run({"--socket", path, "--timeout", "0.2", "providers"});
  ::close(fd);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.code, exit_failed);
  EXPECT_EQ(r.err, "smm-dispatchctl: no answer from the daemon at " + path + " within 200 ms\n");
}

}  // namespace
}  // namespace smm::dispatchctl
