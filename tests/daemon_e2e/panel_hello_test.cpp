// `hello` on the real daemon's panel socket: a panel names itself with its API v2 key and its
// orders are then scoped to it exactly as on the API v2 endpoint (its own ids, the same orders
// on both faces, another panel's orders do not exist for it, nor for its event feed); a wrong
// key is refused, slowed and logged without the key; daemon.require_panel_hello refuses every
// op but ping before a hello (and a reload switches it at once); the admin socket has no hello;
// no key, right or wrong, is ever written to the log.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

constexpr const char* shop_key = "shop-key-7Qx9pL2mZ4";
constexpr const char* blog_key = "blog-key-Hh3Vn8Kd1W";
constexpr const char* wrong_key = "wrong-key-Rt5Ys6Ua0B";

// One whole HTTP exchange over a unix socket (Connection: close): the raw answer.
std::string http_over_unix(const std::string& path, const std::string& body) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req =
        "POST /api/v2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Connection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char chunk[4096];
      for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;)
        out.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto body_at = out.find("\r\n\r\n");
  return body_at == std::string::npos ? out : out.substr(body_at + 4);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class panel_hello : public daemon_env {
 protected:
  /// One provider "alpha" on `mock`, service 1, panels "shop" and "blog" with their keys;
  /// `daemon_lines` go into [daemon].
  void start_with(const mock_process& mock, const std::string& daemon_lines = {}) {
    config_spec c;
    c.providers.push_back({.name = "alpha", .port = mock.port()});
    c.services.push_back({.id = 1, .rate = "0.90", .min = 10, .max = 10000, .route = {{"alpha", 1}}});
    write_config(c);
    rewrite_config(daemon_lines);
    start_daemon();
  }
  /// Rewrites the config with `daemon_lines` in [daemon] and the two panel keys.
  void rewrite_config(const std::string& daemon_lines) {
    if (base_config_.empty()) {
      std::ifstream in(config_path_);
      std::stringstream text;
      text << in.rdbuf();
      base_config_ = text.str();
    }
    std::string s = base_config_;
    s.insert(s.find("[daemon]\n") + 9, daemon_lines);
    s += "\n[[daemon.panel_keys]]\nname = \"shop\"\nkey = \"" + std::string(shop_key) + "\"\n";
    s += "\n[[daemon.panel_keys]]\nname = \"blog\"\nkey = \"" + std::string(blog_key) + "\"\n";
    std::ofstream(config_path_) << s;
  }
  std::string hello(unix_client& c, const std::string& key) {
    return c.call(R"({"id":"h","op":"hello","key":")" + key + "\"}");
  }
  std::string call(unix_client& c, const std::string& op_fields) {
    return c.call("{\"id\":" + std::to_string(next_request_id_++) + "," + op_fields + "}");
  }
  std::string api(const std::string& body) { return http_over_unix(dir_ + "/api.sock", body); }
  /// Every key of this test is absent from everything the daemon logged.
  void expect_no_key_in_log() {
    const std::string log = daemon_log();
    for (const char* k : {shop_key, blog_key, wrong_key})
      EXPECT_FALSE(has(log, k)) << "key in the log: " << k;
    // Not even a fragment of one.
    for (const char* k : {shop_key, blog_key, wrong_key})
      EXPECT_FALSE(has(log, std::string(k).substr(0, 12)));
  }

  std::string base_config_;
};

TEST_F(panel_hello, a_panel_reaches_only_its_own_orders_in_its_own_ids_as_on_api_v2) {
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock);
  auto shop = connect();
  auto blog = connect();
  EXPECT_EQ(hello(*shop, shop_key), R"({"id":"h","ok":true,"result":{"panel":"shop"}})");
  EXPECT_EQ(hello(*blog, blog_key), R"({"id":"h","ok":true,"result":{"panel":"blog"}})");
  EXPECT_TRUE(eventually([&] { return has(daemon_log(), "hello as panel \"shop\""); }, 10s));

  // The same id in two panels: two orders, each the panel's own.
  const add_reply s1 = add(*shop, "o1", 1, "https://instagram.com/hello_shop", 100);
  const add_reply b1 = add(*blog, "o1", 1, "https://instagram.com/hello_blog", 100);
  ASSERT_EQ(s1.status, "accepted") << s1.raw;
  ASSERT_EQ(b1.status, "accepted") << b1.raw;
  EXPECT_NE(s1.order_id, b1.order_id);
  EXPECT_TRUE(has(s1.raw, R"("panel_order_id":"o1")")) << s1.raw;
  const add_reply s2 = add(*shop, "only-shop", 1, "https://instagram.com/hello_shop2", 100);
  ASSERT_EQ(s2.status, "accepted") << s2.raw;
  // Replayed in its own namespace.
  EXPECT_EQ(add(*shop, "o1", 1, "https://instagram.com/hello_shop", 100).status, "replayed");

  // Status: own ids, own orders; another panel's order does not exist.
  const std::string st = call(*shop, R"("op":"status","order":"o1")");
  EXPECT_TRUE(has(st, R"("panel_order_id":"o1")")) << st;
  EXPECT_TRUE(has(st, R"("link":"https://instagram.com/hello_shop")")) << st;
  EXPECT_EQ(parse_error(call(*blog, R"("op":"status","order":"only-shop")")).code, "not_found");
  const std::string many = call(*blog, R"("op":"status","orders":["o1","only-shop"])");
  EXPECT_TRUE(has(many, R"({"panel_order_id":"only-shop","code":"not_found","error":"order not found"})"))
      << many;
  EXPECT_TRUE(has(many, R"("link":"https://instagram.com/hello_blog")")) << many;
  // Nor can it be named by its journal id.
  EXPECT_EQ(parse_error(call(*blog, R"("op":"status","order":"v2:shop:only-shop")")).code, "not_found");

  // Cancel, refill, speedup, refill_status of another panel's order: not_found, nothing changes.
  EXPECT_EQ(parse_error(call(*blog, R"("op":"cancel","order":"only-shop")")).code, "not_found");
  EXPECT_EQ(parse_error(call(*blog, R"("op":"refill","order":"only-shop")")).code, "not_found");
  EXPECT_EQ(parse_error(call(*blog, R"("op":"speedup","order":"only-shop")")).code, "not_found");
  EXPECT_EQ(parse_error(call(*blog, R"("op":"refill_status","order":"only-shop")")).code, "not_found");
  EXPECT_TRUE(has(call(*shop, R"("op":"status","order":"only-shop")"), R"("state":)"));
  EXPECT_FALSE(has(call(*shop, R"("op":"status","order":"only-shop")"), R"("state":"canceled")"));

  // The API v2 endpoint sees the same namespace: shop's key reaches shop's orders by their
  // daemon id, blog's key does not.
  const std::string v2_shop =
      api("key=" + std::string(shop_key) + "&action=status&order=" + std::to_string(s2.order_id));
  EXPECT_TRUE(has(v2_shop, R"("status":"Pending")")) << v2_shop;
  const std::string v2_blog =
      api("key=" + std::string(blog_key) + "&action=status&order=" + std::to_string(s2.order_id));
  EXPECT_EQ(v2_blog, R"({"error":"Incorrect order ID"})");
  // And an order added on API v2 is the panel's too (its id is the API's random one).
  const std::string v2_add =
      api("key=" + std::string(shop_key) +
          "&action=add&service=1&link=https%3A%2F%2Finstagram.com%2Fv2shop&quantity=100");
  EXPECT_TRUE(has(v2_add, R"({"order":)")) << v2_add;

  // A connection that never said hello reaches orders by their journal ids only (as before).
  EXPECT_EQ(parse_error(call(*panel_, R"("op":"status","order":"o1")")).code, "not_found");
  EXPECT_TRUE(
      has(call(*panel_, R"("op":"status","order":"v2:shop:o1")"), R"("panel_order_id":"v2:shop:o1")"));
  // The admin socket, no hello, sees every order by its journal id.
  EXPECT_TRUE(has(admin().call(R"({"id":1,"op":"history","order":"v2:blog:o1"})"), R"("ok":true)"));

  // Events: only the panel's own, in its own ids.
  auto feed = connect();
  ASSERT_TRUE(has(hello(*feed, blog_key), R"("ok":true)"));
  ASSERT_TRUE(has(call(*feed, R"("op":"subscribe","after_seq":0)"), R"("subscribed":true)"));
  std::vector<std::string> events;
  for (std::string line; !(line = feed->read_line(1500ms)).empty();) events.push_back(line);
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) {
    EXPECT_TRUE(has(e, R"("panel_order_id":"o1")")) << e;  // blog has just o1
    EXPECT_FALSE(has(e, "v2:")) << e;
  }

  // A second hello on a connection is refused and changes nothing.
  EXPECT_EQ(parse_error(hello(*shop, blog_key)).code, "conflict");
  EXPECT_TRUE(has(call(*shop, R"("op":"status","order":"only-shop")"), R"("panel_order_id":"only-shop")"));
  expect_no_key_in_log();
}

TEST_F(panel_hello, a_wrong_key_is_refused_counted_and_logged_without_the_key) {
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock);
  auto c = connect();
  const error_reply e = parse_error(hello(*c, wrong_key));
  EXPECT_EQ(e.code, "unauthorized");
  EXPECT_EQ(e.message, "invalid panel key");
  EXPECT_EQ(e.id_json, "\"h\"");
  // The connection tried to be a panel: it never acts anonymously, and nothing is stored.
  const error_reply refused = parse_error(call(
      *c,
      R"("op":"add","order":{"panel_order_id":"w1","service":1,"link":"https://instagram.com/w1","quantity":100})"));
  EXPECT_EQ(refused.code, "hello_required");
  EXPECT_EQ(parse_error(call(*panel_, R"("op":"status","order":"w1")")).code, "not_found");
  EXPECT_TRUE(has(admin().call(R"({"id":1,"op":"orders","state":"queued"})"), R"("orders":[])"));
  // The log says who, never the key.
  const std::string who = "panel: uid " + std::to_string(::getuid()) + " pid " + std::to_string(::getpid());
  EXPECT_TRUE(eventually([&] { return has(daemon_log(), who + ": hello with an invalid panel key"); }, 10s))
      << daemon_log();
  // Repeated, the same wrong key is throttled (10 in 60 s), and the answers slow down.
  std::string last;
  for (int i = 0; i < 10; ++i) last = hello(*c, wrong_key);
  EXPECT_EQ(parse_error(last).code, "throttled") << last;
  EXPECT_TRUE(eventually([&] { return has(daemon_log(), "too many wrong panel keys"); }, 10s));
  // A right key is served at once, even now, on the same connection.
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(hello(*c, shop_key), R"({"id":"h","ok":true,"result":{"panel":"shop"}})");
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_EQ(add(*c, "w1", 1, "https://instagram.com/w1", 100).status, "accepted");
  // The same gate as API v2: this client's wrong keys there are slowed down too.
  const auto api_before = std::chrono::steady_clock::now();
  EXPECT_EQ(api("key=" + std::string(wrong_key) + "&action=balance"),
            R"({"error":"Too many failed attempts, try again later"})");
  EXPECT_GE(std::chrono::steady_clock::now() - api_before, 100ms);
  expect_no_key_in_log();
}

TEST_F(panel_hello, require_panel_hello_refuses_every_op_but_ping_until_a_hello_and_a_reload_switches_it) {
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock, "require_panel_hello = true\n");  // start_daemon pinged without a hello
  EXPECT_TRUE(is_pong(panel_->call(R"({"id":1,"op":"ping"})")));
  for (
      const std::string op :
      {R"("op":"add","order":{"panel_order_id":"r1","service":1,"link":"https://instagram.com/r1","quantity":100})",
       R"("op":"status","order":"r1")", R"("op":"cancel","order":"r1")", R"("op":"refill","order":"r1")",
       R"("op":"speedup","order":"r1")", R"("op":"refill_status","order":"r1")", R"("op":"services")",
       R"("op":"providers")", R"("op":"subscribe")"}) {
    const error_reply e = parse_error(call(*panel_, op));
    EXPECT_EQ(e.code, "hello_required") << op;
    EXPECT_TRUE(has(e.message, "this socket requires hello")) << e.message;
  }
  // Nothing happened: no order exists.
  EXPECT_TRUE(has(admin().call(R"({"id":1,"op":"orders","state":"queued"})"), R"("orders":[])"));
  // The admin socket is not affected, and has no hello.
  EXPECT_TRUE(has(admin().call(R"({"id":2,"op":"overview"})"), R"("ok":true)"));
  EXPECT_EQ(parse_error(admin().call(R"({"id":3,"op":"hello","key":"x"})")).code, "forbidden");

  // After a hello, everything works, scoped to the panel.
  EXPECT_TRUE(has(hello(*panel_, shop_key), R"("panel":"shop")"));
  EXPECT_EQ(add("r1", 1, "https://instagram.com/r1", 100).status, "accepted");
  EXPECT_TRUE(has(call(*panel_, R"("op":"services")"), R"("ok":true)"));

  // A reload turns it off at once: a connection that never said hello works again.
  auto anon = connect();
  EXPECT_EQ(parse_error(call(*anon, R"("op":"services")")).code, "hello_required");
  rewrite_config("");
  EXPECT_TRUE(has(admin().call(R"({"id":4,"op":"reload"})"), R"("reloaded":true)"));
  EXPECT_TRUE(has(call(*anon, R"("op":"services")"), R"("ok":true)"));
  EXPECT_EQ(add(*anon, "anon-1", 1, "https://instagram.com/anon1", 100).status, "accepted");
  // And back on: the same connection is refused again.
  rewrite_config("require_panel_hello = true\n");
  EXPECT_TRUE(has(admin().call(R"({"id":5,"op":"reload"})"), R"("reloaded":true)"));
  EXPECT_EQ(parse_error(call(*anon, R"("op":"status","order":"anon-1")")).code, "hello_required");
  EXPECT_TRUE(
      eventually([&] { return has(daemon_log(), "op services refused: no hello on this connection"); }, 10s));
  expect_no_key_in_log();
}

}  // namespace
}  // namespace smm::test
