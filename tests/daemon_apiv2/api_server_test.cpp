// The API v2 HTTP server over a unix socket and loopback TCP, against a fake engine: keys,
// the failed-attempt limit, caps (body, header, connections), bad HTTP, slow clients,
// keep-alive, key replacement and stop. Every client wait is bounded by a stream deadline.
#include "daemon/apiv2/api_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/daemon_apiv2/fake_order_service.hpp"
#include "tests/daemon_apiv2/http_test_client.hpp"

namespace smm::daemon::apiv2 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using unix_protocol = asio::local::stream_protocol;
using namespace std::chrono_literals;
using test::client;
using test::get;
using test::post;
using response = test::response;

std::vector<panel_key> keys(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<panel_key> out;
  for (const auto& [name, key] : list) out.push_back(panel_key{name, secret(key)});
  return out;
}

class ApiV2Server : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/smm-apiv2-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_path_ = dir_ + "/api.sock";
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void start(api_server_options opts = {}, std::vector<panel_key> k = keys({{"shop", "good-key"}})) {
    svc_.provider_views.push_back(provider_view{.name = "a",
                                                .breaker = "closed",
                                                .paused = false,
                                                .pause_reason = {},
                                                .in_flight = 0,
                                                .queued = 0,
                                                .balance = parse_money("12.5").value,
                                                .currency = "USD"});
    server_ = std::make_unique<api_server>(io_.get_executor(), socket_path_, listen_address{"127.0.0.1", 0},
                                           svc_, k, "USD", opts);
    server_->start();
    ASSERT_NE(server_->tcp_port(), 0);
    // No work guard: run() returns once the server has closed everything after stop().
    thread_ = std::thread([this] { io_.run(); });
  }
  client<unix_protocol> unix_client() { return client<unix_protocol>(unix_protocol::endpoint(socket_path_)); }
  client<tcp> tcp_client() {
    return client<tcp>(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->tcp_port()));
  }

  simdjson::dom::element json(const response& r) {
    EXPECT_EQ(r[http::field::content_type], "application/json");
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(r.body()).get(e), simdjson::SUCCESS) << r.body();
    return e;
  }
  std::string error_of(const response& r) {
    std::string_view v;
    if (json(r)["error"].get_string().get(v) != simdjson::SUCCESS) return "(no error) " + r.body();
    return std::string(v);
  }
  std::string balance_of(const response& r) {
    std::string_view v;
    if (json(r)["balance"].get_string().get(v) != simdjson::SUCCESS) return "(no balance) " + r.body();
    return std::string(v);
  }

  std::string dir_, socket_path_;
  test::fake_order_service svc_;
  asio::io_context io_;
  std::unique_ptr<api_server> server_;
  std::thread thread_;
  simdjson::dom::parser parser_;
};

TEST_F(ApiV2Server, AnswersOnTheUnixSocketAndOnTcp) {
  start();
  struct stat st {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);

  auto u = unix_client();
  auto r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::ok);
  EXPECT_EQ(balance_of(*r), "12.50000");

  auto t = tcp_client();
  r = t.call(get("/api/v2?key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
  // The key in a header, with a JSON body.
  const std::string body = R"({"action":"balance"})";
  r = t.call(
      "POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Api-Key: good-key\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(r) << "keep-alive: a second request on the same connection";
  EXPECT_EQ(balance_of(*r), "12.50000");
  r = t.call(post("action=balance", "Authorization: Bearer good-key\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, WrongOrMissingKeyAndTheFailedAttemptLimit) {
  api_server_options o;
  o.max_failed_attempts = 3;
  start(o);
  auto t = tcp_client();
  auto r = t.call(post("action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::ok);
  EXPECT_EQ(error_of(*r), "Missing required parameter: key");
  for (int i = 0; i < 2; ++i) {
    r = t.call(post("key=bad-key&action=balance"));
    ASSERT_TRUE(r);
    EXPECT_EQ(error_of(*r), "Invalid API key");
    EXPECT_EQ(r->body().find("bad-key"), std::string::npos) << "the key is never echoed";
  }
  r = t.call(post("key=bad-key&action=balance"));  // the third failure of this peer: slowed down
  ASSERT_TRUE(r);
  EXPECT_EQ(error_of(*r), "Invalid API key");
  // The same wrong key again from this peer: refused without being looked at.
  r = t.call(post("key=bad-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::too_many_requests);
  EXPECT_EQ(error_of(*r), "Too many failed attempts, try again later");
  // Another panel on the same host with its right key is never locked out by those mistakes.
  r = t.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
  // The unix socket's client (this process's uid) is another client: served too.
  auto u = unix_client();
  r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
  // What the metrics endpoint shows: four key failures, one throttled, two balances answered.
  const api_figures f = server_->figures();
  auto n = [&f](std::size_t slot, api_outcome o) { return f.requests[slot][static_cast<std::size_t>(o)]; };
  EXPECT_EQ(n(0, api_outcome::unauthorized), 4U);
  EXPECT_EQ(n(0, api_outcome::throttled), 1U);
  EXPECT_EQ(n(api_action_slot(providers::action::balance), api_outcome::ok), 2U);
  EXPECT_EQ(n(api_action_slot(providers::action::balance), api_outcome::error), 0U);
}

TEST_F(ApiV2Server, KeysAreReplacedAtRunTime) {
  start();
  auto u = unix_client();
  server_->set_panel_keys(keys({{"shop", "rotated-key"}}));
  auto r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(error_of(*r), "Invalid API key");
  r = u.call(post("key=rotated-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, ApiErrorsComeWithStatus200AndBadRequestsWith400) {
  start();
  auto u = unix_client();
  auto r = u.call(post("key=good-key&action=nope"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::ok);
  EXPECT_EQ(error_of(*r), "This action is Invalid");
  r = u.call(post("key=good-key&action=add&service=1&quantity=1&quantity=2"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::bad_request);
  EXPECT_EQ(error_of(*r), "Parameter given twice with different values: quantity");
  r = u.call("DELETE /api/v2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), http::status::method_not_allowed);
  EXPECT_EQ((*r)[http::field::allow], "GET, POST");
  EXPECT_EQ(error_of(*r), "Method not allowed: use POST or GET");
}

TEST_F(ApiV2Server, OversizedBodyGets413AndOversizedHeaders431) {
  api_server_options o;
  o.max_body_bytes = 4096;
  start(o);
  {
    auto t = tcp_client();
    const std::string body = "key=good-key&action=balance&pad=" + std::string(8192, 'x');
    auto r = t.call(post(body));
    ASSERT_TRUE(r) << t.last_error().message();
    EXPECT_EQ(r->result(), http::status::payload_too_large);
    EXPECT_EQ(error_of(*r), "Request body too large: at most 4096 bytes");
  }
  {
    auto t = tcp_client();
    auto r = t.call("GET /api/v2 HTTP/1.1\r\nHost: x\r\nX-Fill: " + std::string(9000, 'y') + "\r\n\r\n");
    ASSERT_TRUE(r) << t.last_error().message();
    EXPECT_EQ(r->result(), http::status::request_header_fields_too_large);
    EXPECT_EQ(error_of(*r), "Request header too large: at most 8192 bytes");
  }
  // A body just under the cap is served.
  auto t = tcp_client();
  const std::string fits = "key=good-key&action=balance&pad=" + std::string(4000, 'x');
  auto r = t.call(post(fits));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, ExpectContinueIsHonoured) {
  start();
  auto t = tcp_client();
  const std::string body = "key=good-key&action=balance";
  ASSERT_TRUE(
      t.send("POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             "Expect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = t.read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result(), http::status::continue_);
  auto r = t.call(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, GarbageGets400AndTheServerKeepsServing) {
  start();
  {
    auto u = unix_client();
    auto r = u.call("\x01\x02 this is not HTTP\r\n\r\n");
    ASSERT_TRUE(r) << u.last_error().message();
    EXPECT_EQ(r->result(), http::status::bad_request);
    EXPECT_EQ(error_of(*r).rfind("Bad HTTP request", 0), 0u);
  }
  {
    auto t = tcp_client();
    auto r = t.call("POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::bad_request);
  }
  {
    auto t = tcp_client();
    auto r = t.call(post("key=good-key&action=add&link=%00", ""));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::bad_request);
    EXPECT_EQ(error_of(*r), "Invalid parameter: link contains a NUL byte");
  }
  {
    auto t = tcp_client();
    auto r = t.call(
        "POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        "5\r\n\r\n{\"a\":");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::bad_request);
    EXPECT_EQ(error_of(*r),
              "Invalid JSON body: The JSON document has an improper structure: missing or "
              "superfluous commas, braces, missing keys, etc.");
  }
  auto u = unix_client();
  auto r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, ASlowClientIsCutOffWhileOthersAreServed) {
  api_server_options o;
  o.unauthenticated_timeout = 300ms;
  start(o);
  auto slow = tcp_client();
  ASSERT_TRUE(slow.send("POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Le"));  // and never more
  auto u = unix_client();
  auto r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
  // A request begun and not finished in time is told so, then closed.
  const auto cut = slow.read();
  ASSERT_TRUE(cut) << slow.last_error().message();
  EXPECT_EQ(cut->result(), http::status::request_timeout);
  EXPECT_EQ(error_of(*cut), "Request not complete within 300 ms");
  EXPECT_FALSE(cut->keep_alive());
  EXPECT_TRUE(slow.closed_by_peer());
  r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, ASlowlorisClientIsCutAtTheDeadlineOfItsWholeRequest) {
  api_server_options o;
  o.unauthenticated_timeout = 500ms;
  start(o);
  auto slow = tcp_client();
  // A byte every 50 ms: every read makes progress, the request as a whole never arrives.
  const std::string request = post("key=good-key&action=balance") + std::string(4096, ' ');
  std::size_t sent = 0;
  while (sent < request.size() && slow.send(std::string_view(request).substr(sent, 1))) {
    ++sent;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LT(sent, request.size()) << "never cut off";
  const auto cut = slow.read();
  ASSERT_TRUE(cut) << slow.last_error().message();
  EXPECT_EQ(cut->result(), http::status::request_timeout);
  EXPECT_EQ(error_of(*cut), "Request not complete within 500 ms");
  EXPECT_EQ(server_->figures().closes[static_cast<std::size_t>(api_close::request_timeout)], 1u);
}

TEST_F(ApiV2Server, IdleWithoutAKeyIsClosedAtTheShortDeadlineWithAKeyKeptAlive) {
  api_server_options o;
  o.unauthenticated_timeout = 300ms;
  start(o);
  auto idle = tcp_client();
  auto panel = tcp_client();
  ASSERT_TRUE(panel.call(post("key=good-key&action=balance")));
  // Nothing of a request came: closed without an answer.
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_EQ(server_->figures().closes[static_cast<std::size_t>(api_close::idle_timeout)], 1u);
  // Served with a valid key, the panel's connection waits the normal keep-alive time.
  std::this_thread::sleep_for(600ms);
  auto r = panel.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r) << panel.last_error().message();
  EXPECT_EQ(balance_of(*r), "12.50000");
  // A wrong key does not take a connection off probation.
  auto guesser = tcp_client();
  r = guesser.call(post("key=bad-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(error_of(*r), "Invalid API key");
  EXPECT_TRUE(guesser.closed_by_peer());
}

TEST_F(ApiV2Server, ConnectionsWithoutAKeyHaveTheirShareAndTheOldestMakesRoom) {
  api_server_options o;
  o.max_connections = 10;
  o.max_unauthenticated_connections = 2;
  start(o);
  auto a = tcp_client();
  auto b = tcp_client();
  auto c = tcp_client();  // the share is full: the oldest (a) makes room
  EXPECT_TRUE(a.closed_by_peer());
  // A panel still gets in (b makes room) and is served; its connection leaves probation.
  auto panel = tcp_client();
  auto r = panel.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r) << panel.last_error().message();
  EXPECT_EQ(balance_of(*r), "12.50000");
  EXPECT_TRUE(b.closed_by_peer());
  // c was never evicted: it is served too.
  r = c.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r) << c.last_error().message();
  // Connections with a key are not counted in the share: more of them than its size all stay.
  auto p2 = unix_client();
  auto p3 = unix_client();
  ASSERT_TRUE(p2.call(post("key=good-key&action=balance")));
  ASSERT_TRUE(p3.call(post("key=good-key&action=balance")));
  for (auto* p : {&panel, &c}) ASSERT_TRUE(p->call(post("key=good-key&action=balance")));
  for (auto* p : {&p2, &p3}) ASSERT_TRUE(p->call(post("key=good-key&action=balance")));
  const api_figures f = server_->figures();
  EXPECT_EQ(f.closes[static_cast<std::size_t>(api_close::evicted)], 2u);
  EXPECT_EQ(f.unauthenticated, 0u);
  EXPECT_EQ(f.connections, 4u);
}

TEST_F(ApiV2Server, AClientThatNeverReadsItsAnswersIsCutNotBuffered) {
  api_server_options o;
  o.write_timeout = 300ms;
  o.max_requests_per_connection = 10'000'000;  // not the reason it ends
  start(o);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  const int small = 4096;  // a small window: the answers back up soon
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(server_->tcp_port());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  // Requests pipelined without end, no answer ever read: the server holds one answer at a
  // time and cuts the connection once one has waited write_timeout for the client.
  const std::string request = post("key=good-key&action=balance");
  std::size_t offset = 0;
  bool cut = false;
  // Filling the kernel's buffers takes thousands of answers: under 1 s in a release build,
  // up to 30 s under ThreadSanitizer on a busy machine.
  const auto until = std::chrono::steady_clock::now() + 90s;
  while (!cut && std::chrono::steady_clock::now() < until) {
    const ssize_t n =
        ::send(fd, request.data() + offset, request.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      offset = (offset + static_cast<std::size_t>(n)) % request.size();
    } else if (errno == EPIPE || errno == ECONNRESET) {
      cut = true;
    } else {
      std::this_thread::sleep_for(10ms);  // the server is not reading: it waits on its answer
    }
  }
  ::close(fd);
  EXPECT_TRUE(cut) << "the connection was never cut";
  auto u = unix_client();
  auto r = u.call(post("key=good-key&action=balance"));
  ASSERT_TRUE(r);
  EXPECT_EQ(balance_of(*r), "12.50000");
}

TEST_F(ApiV2Server, ConnectionsOverTheCapAreClosed) {
  api_server_options o;
  o.max_connections = 2;
  start(o);
  auto a = unix_client();
  auto b = tcp_client();
  // Both are accepted (each answers), so the next is over the cap.
  ASSERT_TRUE(a.call(post("key=good-key&action=balance")));
  ASSERT_TRUE(b.call(post("key=good-key&action=balance")));
  auto c = tcp_client();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(server_->connection_count(), 2u);
}

TEST_F(ApiV2Server, StopClosesEverythingAndRemovesTheSocket) {
  start();
  auto u = unix_client();
  ASSERT_TRUE(u.call(post("key=good-key&action=balance")));
  server_->stop();
  EXPECT_TRUE(u.closed_by_peer());
  thread_.join();  // run() returned: nothing is left on the executor
  EXPECT_FALSE(fs::exists(socket_path_));
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(ApiV2Server, StopLetsARequestInFlightHaveItsAnswer) {
  start();
  const auto id = svc_.put("v2:shop:a", order_state::in_progress, parse_money("1").value);
  svc_.hold_status = true;
  auto t = tcp_client();
  ASSERT_TRUE(t.send(post("key=good-key&action=status&order=" + std::to_string(id))));
  // Bounded wait for the request to reach the engine.
  for (int i = 0; i < 500 && svc_.held_count() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(svc_.held_count(), 1u);
  server_->stop();
  // The socket file goes at once (stop() runs on the server's strand: a bounded wait).
  for (int i = 0; i < 500 && fs::exists(socket_path_); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(fs::exists(socket_path_));
  svc_.release_held();
  auto r = t.read();
  ASSERT_TRUE(r) << t.last_error().message();
  EXPECT_EQ(r->result(), http::status::ok);
  EXPECT_FALSE(r->keep_alive()) << "a stopping server closes after the answer";
  std::string_view status;
  ASSERT_EQ(json(*r)["status"].get_string().get(status), simdjson::SUCCESS) << r->body();
  EXPECT_EQ(status, "In progress");
  EXPECT_TRUE(t.closed_by_peer());
}

TEST_F(ApiV2Server, RefusesNonLoopbackTcpAndForeignSocketPaths) {
  api_server wide(io_.get_executor(), "", listen_address{"0.0.0.0", 0}, svc_, {}, "USD");
  EXPECT_THROW(wide.start(), std::runtime_error);

  std::ofstream(dir_ + "/file") << "not a socket";
  api_server on_file(io_.get_executor(), dir_ + "/file", std::nullopt, svc_, {}, "USD");
  EXPECT_THROW(on_file.start(), std::runtime_error);
  EXPECT_TRUE(fs::exists(dir_ + "/file")) << "never replaced";
}

TEST_F(ApiV2Server, AStaleSocketFileIsReplacedButALiveOneIsNot) {
  {
    // A socket file nobody listens on (as a killed daemon leaves it).
    asio::io_context scratch;
    unix_protocol::acceptor a(scratch, unix_protocol::endpoint(socket_path_));
  }
  ASSERT_TRUE(fs::exists(socket_path_));
  start();
  auto u = unix_client();
  ASSERT_TRUE(u.call(post("key=good-key&action=balance")));
  api_server second(io_.get_executor(), socket_path_, std::nullopt, svc_, {}, "USD");
  EXPECT_THROW(second.start(), std::runtime_error);
}

}  // namespace
}  // namespace smm::daemon::apiv2
