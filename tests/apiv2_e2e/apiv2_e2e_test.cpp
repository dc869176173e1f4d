// End to end: the real smm-dispatchd serving API v2 (unix socket and loopback TCP) in front of
// real smm-mockprovider processes. The provider-distributed PHP client (php/Api.php, as
// providers hand it out) runs unchanged against it with Debian's php-cli and php-curl; C++
// clients check keys, the failed-attempt limit, caps, bad HTTP and slow clients.
#include <simdjson.h>
#include <unistd.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/daemon_apiv2/http_test_client.hpp"
#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

using tcp = asio::ip::tcp;
using unix_protocol = asio::local::stream_protocol;
using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr const char* shop_key = "shop-key-0123456789";
constexpr const char* other_key = "other-key-9876543210";

// What a shell command printed on stdout and how it exited.
struct command_result {
  int status = -1;
  std::string out;
};

command_result run_command(const std::string& command) {
  command_result r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  r.status = ::pclose(p);
  return r;
}

class apiv2_e2e : public daemon_env {
 protected:
  // Writes the config with API v2 on (two panels, TCP on a free loopback port, services with
  // a refill guarantee and a category), starts the daemon, waits until the endpoint answers.
  void start_with_api(const config_spec& spec) {
    write_config(spec);
    api_port_ = closed_loopback_port();
    std::ifstream in(config_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::string api = "[daemon]\nhttp_listen = \"127.0.0.1:" + std::to_string(api_port_) +
                            "\"\napi_currency = \"USD\"\npanel_keys = [{ name = \"shop\", key = \"" +
                            shop_key + "\" }, { name = \"other\", key = \"" + other_key + "\" }]\n";
    text = std::regex_replace(text, std::regex("\\[daemon\\]\n"), api);
    text = std::regex_replace(text, std::regex("cancel = true\n"),
                              "cancel = true\nrefill_days = 30\ncategory = \"Instagram\"\n");
    std::ofstream(config_path_) << text;
    api_socket_ = dir_ + "/api.sock";
    start_daemon();
    // The API listeners start right after the panel socket: wait for an answer (bounded).
    ASSERT_TRUE(eventually(
        [&] {
          try {
            return call_unix(post(std::string("key=") + shop_key + "&action=services")).has_value() &&
                   call_tcp(post(std::string("key=") + shop_key + "&action=services")).has_value();
          } catch (const std::exception&) {
            return false;
          }
        },
        20s))
        << "the API v2 endpoint did not answer";
  }

  client<unix_protocol> unix_client() { return client<unix_protocol>(unix_protocol::endpoint(api_socket_)); }
  client<tcp> tcp_client() {
    return client<tcp>(tcp::endpoint(asio::ip::make_address("127.0.0.1"), api_port_));
  }
  std::optional<response> call_unix(const std::string& raw) { return unix_client().call(raw); }
  std::optional<response> call_tcp(const std::string& raw) { return tcp_client().call(raw); }

  element parse(const std::string& json) {
    element e;
    EXPECT_EQ(parser_.parse(json).get(e), simdjson::SUCCESS) << json;
    return e;
  }
  // The body of an answer, checked to be JSON with the right Content-Type.
  element body(const std::optional<response>& r) {
    EXPECT_TRUE(r.has_value());
    if (!r) return parse("null");
    EXPECT_EQ((*r)[http::field::content_type], "application/json");
    return parse(r->body());
  }
  static std::string str(simdjson::simdjson_result<element> e) {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return "(not a string)";
    return std::string(v);
  }
  static std::int64_t num(simdjson::simdjson_result<element> e) {
    std::int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) return -1;
    return v;
  }
  static bool is_count_text(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  }
  std::string balance_now() {
    const auto r = call_tcp(post(std::string("key=") + shop_key + "&action=balance"));
    return r ? str(body(r)["balance"]) : std::string("(no answer)");
  }

  unsigned short api_port_ = 0;
  std::string api_socket_;
  simdjson::dom::parser parser_;
};

config_spec two_providers(unsigned short fast_port, unsigned short slow_port) {
  config_spec c;
  c.providers.push_back({.name = "fast", .port = fast_port});
  c.providers.push_back({.name = "slow", .port = slow_port});
  c.services.push_back({.id = 1, .rate = "0.90", .min = 10, .max = 100000, .route = {{"fast", 1}}});
  c.services.push_back({.id = 2, .rate = "0.90", .min = 10, .max = 100000, .route = {{"slow", 1}}});
  return c;
}

TEST_F(apiv2_e2e, the_providers_php_client_works_unchanged) {
  // php-cli and php-curl are installed by scripts/install-deps.sh (and in CI): their absence
  // is a failure, never a skip.
  const auto php = run_command("php -r 'exit(function_exists(\"curl_init\") ? 0 : 3);' 2>&1");
  ASSERT_EQ(php.status, 0) << "php-cli with php-curl is required (scripts/install-deps.sh installs them): "
                           << php.out;

  mock_process fast({"--pending-ms", "100", "--speed", "5000", "--start-count-max", "5000", "--balance",
                     "100.5", "--refill-pending-ms", "60000", "--seed", "11"});
  mock_process slow({"--pending-ms", "100", "--speed", "0", "--balance", "50.25", "--seed", "12"});
  start_with_api(two_providers(fast.port(), slow.port()));
  // The balance is the providers' last known balances added up: wait for the first checks.
  ASSERT_TRUE(eventually([&] { return balance_now() == "150.75000"; }, 20s)) << balance_now();

  const std::string url = "http://127.0.0.1:" + std::to_string(api_port_) + "/api/v2";
  // `timeout` bounds the run: the faithful client sets no timeout of its own.
  const auto run = run_command("timeout 150 php " SMM_SOURCE_DIR "/tests/apiv2_e2e/php/driver.php " + url +
                               " " + shop_key + " 1 2 php" + std::to_string(::getpid()) + " 2>&1");
  ASSERT_EQ(run.status, 0) << run.out;
  const element out = parse(run.out);
  SCOPED_TRACE(run.out);

  // services: the template's array.
  const element services = out["services"];
  ASSERT_EQ(services.type(), element_type::ARRAY);
  ASSERT_EQ(services.get_array().size(), 2u);
  const element s1 = services.at(0);
  EXPECT_EQ(num(s1["service"]), 1);
  EXPECT_EQ(str(s1["name"]), "service 1");
  EXPECT_EQ(str(s1["type"]), "Default");
  EXPECT_EQ(str(s1["category"]), "Instagram");
  EXPECT_EQ(str(s1["rate"]), "0.90");
  EXPECT_EQ(str(s1["min"]), "10");
  EXPECT_EQ(str(s1["max"]), "100000");
  EXPECT_TRUE(bool(s1["refill"]));
  EXPECT_TRUE(bool(s1["cancel"]));

  EXPECT_EQ(str(out["balance"]["balance"]), "150.75000");
  EXPECT_EQ(str(out["balance"]["currency"]), "USD");

  // add: {"order": <daemon id>}, four distinct orders.
  std::array<std::int64_t, 4> ids{};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = num(out["add"].at(i)["order"]);
    ASSERT_GT(ids[i], 0) << "add " << i;
  }
  const auto [a, b, c, d] = ids;
  EXPECT_EQ((std::set<std::int64_t>{a, b, c, d}.size()), 4u);
  EXPECT_EQ(str(out["add_without_quantity"]["error"]), "Missing required parameter: quantity");
  EXPECT_EQ(str(out["add_unknown_service"]["error"]), "Incorrect service ID");

  // status: five strings.
  const element first = out["status_first"];
  for (const char* k : {"charge", "start_count", "status", "remains", "currency"})
    EXPECT_NE(str(first[k]), "(not a string)") << k;
  EXPECT_EQ(str(first["charge"]), "0.09");  // 0.90 per 1000, 100 units
  ASSERT_TRUE(bool(out["completed_in_time"])) << "orders did not complete within 30 s";
  const element done = out["status"];
  EXPECT_EQ(str(done["status"]), "Completed");
  EXPECT_EQ(str(done["charge"]), "0.09");
  EXPECT_EQ(str(done["remains"]), "0");
  EXPECT_TRUE(is_count_text(str(done["start_count"])));
  EXPECT_EQ(str(done["currency"]), "USD");

  // multi status: keyed by the requested ids, unknown ones inline.
  const element ms = out["multi_status"];
  EXPECT_EQ(str(ms[std::to_string(a)]["status"]), "Completed");
  EXPECT_EQ(str(ms[std::to_string(b)]["status"]), "Completed");
  EXPECT_EQ(str(ms[std::to_string(b)]["charge"]), "0.18");
  const std::string d_status = str(ms[std::to_string(d)]["status"]);
  EXPECT_TRUE(d_status == "Pending" || d_status == "In progress") << d_status;
  EXPECT_EQ(str(ms["999999999"]["error"]), "Incorrect order ID");

  // refill without `action` (as the client sends it): the refill is named by its order.
  EXPECT_EQ(str(out["refill"]["refill"]), std::to_string(a));
  const element mr = out["multi_refill"];
  ASSERT_EQ(mr.get_array().size(), 3u);
  EXPECT_EQ(num(mr.at(0)["order"]), b);
  EXPECT_EQ(num(mr.at(0)["refill"]), b);
  EXPECT_EQ(num(mr.at(1)["order"]), c);
  EXPECT_EQ(num(mr.at(1)["refill"]), c);
  EXPECT_EQ(num(mr.at(2)["order"]), 999999999);
  EXPECT_EQ(str(mr.at(2)["refill"]["error"]), "Incorrect order ID");
  EXPECT_EQ(str(out["refill_again"]["error"]), "Order not eligible for refill: refill_in_progress");
  EXPECT_EQ(str(out["refill_status"]["status"]), "Pending");
  const element mrs = out["multi_refill_status"];
  ASSERT_EQ(mrs.get_array().size(), 3u);
  EXPECT_EQ(num(mrs.at(0)["refill"]), a);
  EXPECT_EQ(str(mrs.at(0)["status"]), "Pending");
  EXPECT_EQ(num(mrs.at(1)["refill"]), b);
  EXPECT_EQ(str(mrs.at(1)["status"]), "Pending");
  EXPECT_EQ(str(mrs.at(2)["status"]["error"]), "Refill not found");

  // cancel: asked for the running order; refused for a completed one and an unknown id.
  const element cancel = out["cancel"];
  ASSERT_EQ(cancel.get_array().size(), 3u);
  EXPECT_EQ(num(cancel.at(0)["order"]), d);
  EXPECT_EQ(num(cancel.at(0)["cancel"]), 1);
  EXPECT_EQ(num(cancel.at(1)["order"]), a);
  EXPECT_EQ(str(cancel.at(1)["cancel"]["error"]), "order is final (completed)");
  EXPECT_EQ(str(cancel.at(2)["cancel"]["error"]), "Incorrect order ID");
  ASSERT_TRUE(bool(out["canceled_in_time"])) << "the canceled order did not settle within 30 s";
  // A canceled order is refunded in full: the customer finally pays nothing.
  EXPECT_EQ(str(out["status_canceled"]["status"]), "Canceled");
  EXPECT_EQ(str(out["status_canceled"]["charge"]), "0.00");

  EXPECT_EQ(str(out["wrong_key"]["error"]), "Invalid API key");
  // Keys never reach the log.
  const std::string log = daemon_log();
  EXPECT_EQ(log.find(shop_key), std::string::npos);
  EXPECT_EQ(log.find("not-the-key"), std::string::npos);
}

TEST_F(apiv2_e2e, panels_see_only_their_own_orders) {
  mock_process fast({"--pending-ms", "100", "--speed", "5000", "--seed", "21"});
  mock_process slow({"--pending-ms", "100", "--speed", "0", "--seed", "22"});
  start_with_api(two_providers(fast.port(), slow.port()));

  // An add with a JSON body over the unix socket, key in a header.
  const std::string json =
      R"({"action":"add","service":2,"link":"https://instagram.com/own_1","quantity":100})";
  auto r = call_unix("POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Api-Key: " +
                     std::string(shop_key) + "\r\nContent-Length: " + std::to_string(json.size()) +
                     "\r\n\r\n" + json);
  const std::int64_t mine = num(body(r)["order"]);
  ASSERT_GT(mine, 0) << (r ? r->body() : "");
  // A GET with a query string finds it for its panel...
  r = call_tcp(get("/api/v2?key=" + std::string(shop_key) + "&action=status&order=" + std::to_string(mine)));
  EXPECT_EQ(str(body(r)["charge"]), "0.09");
  // ... but another panel cannot see or cancel it.
  r = call_tcp(post(std::string("key=") + other_key + "&action=status&order=" + std::to_string(mine)));
  EXPECT_EQ(str(body(r)["error"]), "Incorrect order ID");
  r = call_tcp(post(std::string("key=") + other_key + "&action=cancel&orders=" + std::to_string(mine)));
  EXPECT_EQ(str(body(r).at(0)["cancel"]["error"]), "Incorrect order ID");
  // An order of the NDJSON socket is not an API v2 order either.
  const add_reply nd = add("ndjson-1", 2, "https://instagram.com/own_2", 100);
  ASSERT_EQ(nd.status, "accepted") << nd.raw;
  r = call_tcp(post(std::string("key=") + shop_key + "&action=status&orders=" + std::to_string(nd.order_id) +
                    "," + std::to_string(mine)));
  const element multi = body(r);
  EXPECT_EQ(str(multi[std::to_string(nd.order_id)]["error"]), "Incorrect order ID");
  EXPECT_EQ(str(multi[std::to_string(mine)]["currency"]), "USD");
}

TEST_F(apiv2_e2e, bad_requests_get_template_errors_and_the_daemon_keeps_serving) {
  mock_process fast({"--pending-ms", "100", "--speed", "5000", "--seed", "31"});
  mock_process slow({"--pending-ms", "100", "--speed", "0", "--seed", "32"});
  start_with_api(two_providers(fast.port(), slow.port()));
  const std::string good = std::string("key=") + shop_key + "&action=services";

  // A slow client that never finishes its headers is cut off (after 5 s, the deadline of a
  // connection that has not presented a valid key); others are served meanwhile.
  auto slowpoke = tcp_client();
  ASSERT_TRUE(slowpoke.send("POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-"));

  auto r = call_unix(post("key=wrong&action=balance"));
  EXPECT_EQ(str(body(r)["error"]), "Invalid API key");
  r = call_unix(post(std::string("key=") + shop_key + "&action=refund_everything"));
  EXPECT_EQ(str(body(r)["error"]), "This action is Invalid");
  r = call_unix(post(std::string("key=") + shop_key + "&action=add&link=https%3A%2F%2Fx.y%2Fz&quantity=5"));
  EXPECT_EQ(str(body(r)["error"]), "Missing required parameter: service");

  // Oversized body: 413 with the template's error shape.
  const std::string huge = good + "&pad=" + std::string((1u << 20) + 10, 'x');
  r = call_tcp(post(huge));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::payload_too_large);
  EXPECT_EQ(str(body(r)["error"]), "Request body too large: at most 1048576 bytes");
  // Oversized headers: 431.
  r = call_unix("GET /api/v2 HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(16 * 1024, 'j') + "\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::request_header_fields_too_large);
  EXPECT_NE(str(body(r)["error"]), "(not a string)");
  // Garbage: 400, and the daemon keeps serving.
  r = call_tcp("\x16\x03\x01 not http at all\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::bad_request);
  EXPECT_NE(str(body(r)["error"]), "(not a string)");
  r = call_unix("GET /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::bad_request);

  r = call_tcp(post(good));
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r).get_array().size(), 2u);
  r = call_unix(post(good));
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r).get_array().size(), 2u);
  const auto cut = slowpoke.read();
  ASSERT_TRUE(cut) << "a client that never finished its headers was not cut off";
  EXPECT_EQ(cut->result(), http::status::request_timeout);
  EXPECT_EQ(str(body(cut)["error"]), "Request not complete within 5000 ms");
  EXPECT_TRUE(slowpoke.closed_by_peer());
  EXPECT_TRUE(daemon_->running());
}

TEST_F(apiv2_e2e, a_repeated_wrong_key_is_refused_without_locking_out_a_right_one) {
  mock_process fast({"--pending-ms", "100", "--speed", "5000", "--seed", "41"});
  mock_process slow({"--pending-ms", "100", "--speed", "0", "--seed", "42"});
  start_with_api(two_providers(fast.port(), slow.port()));
  // One panel on this host keeps sending a stale key: answered ten times (the limit) ...
  for (int i = 0; i < 10; ++i) {
    const auto r = call_tcp(post("key=stale-key&action=balance"));
    ASSERT_EQ(str(body(r)["error"]), "Invalid API key") << i;
  }
  // ... then refused without being looked at, until the window passes.
  auto r = call_tcp(post("key=stale-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::too_many_requests);
  EXPECT_EQ(str(body(r)["error"]), "Too many failed attempts, try again later");
  // Another panel on the same host (the same peer address) with its right key is served.
  r = call_tcp(post(std::string("key=") + shop_key + "&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(str(body(r)["currency"]), "USD");
  // A key search from this host is slowed down (failure_delay), never a lockout of right keys:
  // a new guess is still looked at and answered.
  r = call_tcp(post("key=guess-1&action=balance"));
  EXPECT_EQ(str(body(r)["error"]), "Invalid API key");
  r = call_unix(post(std::string("key=") + shop_key + "&action=balance"));
  EXPECT_EQ(str(body(r)["currency"]), "USD");
}

}  // namespace
}  // namespace smm::test
