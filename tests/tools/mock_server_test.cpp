// The real smm-mockprovider binary on loopback, driven by a small Beast client: every
// action's canonical shape over HTTP, keys, each fault as a client sees it, the audit,
// the in-flight peak, fleet mode, bind refusal and SIGTERM.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const char* const binary = SMM_BINARY_DIR "/tools/mockprovider/smm-mockprovider";

/// The mock as a child process; killed and reaped by the destructor whatever happens.
class mock_process {
 public:
  explicit mock_process(std::vector<std::string> args, std::size_t listeners = 1) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(binary)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    // Bounded: the ports are printed right after binding, or the process has failed.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const std::regex line(R"(listening on 127\.0\.0\.1:(\d+))");
    while (ports.size() < listeners && std::chrono::steady_clock::now() < deadline) {
      const std::string l = read_line(deadline);
      if (l.empty() && eof_) break;
      std::smatch m;
      if (std::regex_search(l, m, line)) ports.push_back(static_cast<std::uint16_t>(std::stoi(m[1])));
    }
  }
  mock_process(const mock_process&) = delete;
  mock_process& operator=(const mock_process&) = delete;
  ~mock_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  /// Sends `sig` (none: just waits) and returns the exit code, -1 when killed by a signal.
  int stop(int sig = SIGTERM) {
    if (sig != 0) ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  /// Everything printed after the listening lines, up to EOF (after stop()).
  std::string rest() {
    std::string all;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!eof_ && std::chrono::steady_clock::now() < deadline) all += read_line(deadline) + "\n";
    return all;
  }
  std::vector<std::uint16_t> ports;

 private:
  std::string read_line(std::chrono::steady_clock::time_point deadline) {
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char tmp[4096];
      const ssize_t n = ::read(out_, tmp, sizeof tmp);
      if (n <= 0) {
        eof_ = true;
        line.swap(buf_);
        return line;
      }
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
    return line;
  }
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buf_;
  bool eof_ = false;
};

struct result {
  beast::error_code ec;
  http::response<http::string_body> res;
};

/// One keep-alive connection; every step has a deadline (tcp_stream timeouts).
class client {
 public:
  explicit client(std::uint16_t port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  result send(http::verb verb, const std::string& target, const std::string& body = {},
              const std::string& content_type = "application/x-www-form-urlencoded",
              std::chrono::milliseconds timeout = 5s,
              const std::pair<std::string, std::string>& header = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) req.set(http::field::content_type, content_type);
    if (!header.first.empty()) req.set(header.first, header.second);
    req.body() = body;
    req.prepare_payload();
    result r;
    stream_.expires_after(timeout);
    http::async_write(stream_, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        r.ec = ec;
        return;
      }
      http::async_read(stream_, buffer_, r.res, [&](beast::error_code ec2, std::size_t) { r.ec = ec2; });
    });
    ioc_.restart();
    ioc_.run();
    return r;
  }
  result post(const std::string& body, std::chrono::milliseconds timeout = 5s) {
    return send(http::verb::post, "/api/v2", body, "application/x-www-form-urlencoded", timeout);
  }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string admin(std::uint16_t port, http::verb verb, const std::string& target,
                  const std::string& body = {}) {
  client c(port);
  const result r = c.send(verb, target, body,
                          body.starts_with("{") ? "application/json" : "application/x-www-form-urlencoded");
  return r.ec ? "ERROR " + r.ec.message() : r.res.body();
}

std::int64_t json_int(const std::string& body, const std::string& field) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("\"" + field + "\":(-?\\d+)"))) return -1;
  return std::stoll(m[1]);
}

struct MockServer : ::testing::Test {
  mock_process mock{{"--port", "0", "--key", "k", "--seed", "5", "--start-count-max", "0", "--speed", "10",
                     "--pending-ms", "60000"}};
  std::uint16_t port() const { return mock.ports.at(0); }
  void fault(const std::string& spec) {
    ASSERT_NE(admin(port(), http::verb::post, "/admin/faults", spec).find("\"ok\":true"), std::string::npos)
        << spec;
  }
};

TEST_F(MockServer, EveryActionIsCanonicalOverOneKeepAliveConnection) {
  ASSERT_EQ(mock.ports.size(), 1u);
  client c(port());
  const auto services = c.post("key=k&action=services");
  ASSERT_FALSE(services.ec) << services.ec.message();
  EXPECT_EQ(services.res.result_int(), 200);
  EXPECT_EQ(services.res[http::field::content_type], "application/json");
  EXPECT_TRUE(services.res.keep_alive());
  EXPECT_TRUE(services.res.body().starts_with(R"([{"service":1,"name":"Followers","type":"Default",)"));
  EXPECT_EQ(c.post("key=k&action=add&service=1&link=https%3A%2F%2Fi.g%2Fp&quantity=100").res.body(),
            R"({"order":1})");
  EXPECT_EQ(c.post("key=k&action=add&service=3&link=l2&quantity=100").res.body(), R"({"order":2})");
  EXPECT_EQ(c.post("key=k&action=status&order=1").res.body(),
            R"({"charge":"0.09","start_count":"0","status":"Pending","remains":"100","currency":"USD"})");
  EXPECT_EQ(c.post("key=k&action=status&orders=1,3").res.body(),
            R"({"1":{"charge":"0.09","start_count":"0","status":"Pending","remains":"100","currency":"USD"},)"
            R"("3":{"error":"Incorrect order ID"}})");
  EXPECT_EQ(c.post("key=k&action=refill&order=1").res.body(),
            R"({"error":"Order not eligible for refill."})");
  EXPECT_EQ(c.post("key=k&action=refill&orders=1,3").res.body(),
            R"([{"order":1,"refill":{"error":"Order not eligible for refill."}},)"
            R"({"order":3,"refill":{"error":"Incorrect order ID"}}])");
  EXPECT_EQ(c.post("key=k&action=refill_status&refills=4").res.body(),
            R"([{"refill":4,"status":{"error":"Refill not found"}}])");
  EXPECT_EQ(c.post("key=k&action=refill_status&refill=4").res.body(), R"({"error":"Refill not found"})");
  EXPECT_EQ(c.post("key=k&action=cancel&orders=1,2").res.body(),
            R"([{"order":1,"cancel":1},{"order":2,"cancel":{"error":"Order not eligible for cancel."}}])");
  EXPECT_EQ(c.post("key=k&action=balance").res.body(), R"({"balance":"999.975","currency":"USD"})");
  // GET with a query string, a JSON body, the key in a header.
  EXPECT_EQ(c.send(http::verb::get, "/api/v2?key=k&action=status&order=2").res.body(),
            R"({"charge":"0.025","start_count":"0","status":"Pending","remains":"100","currency":"USD"})");
  EXPECT_EQ(
      c.send(http::verb::post, "/api/v2", R"({"key":"k","action":"balance"})", "application/json").res.body(),
      R"({"balance":"999.975","currency":"USD"})");
  EXPECT_EQ(c.send(http::verb::post, "/api/v2", "action=balance", "application/x-www-form-urlencoded", 5s,
                   {"X-Api-Key", "k"})
                .res.body(),
            R"({"balance":"999.975","currency":"USD"})");
  EXPECT_EQ(c.post("key=nope&action=balance").res.body(), R"({"error":"Invalid API key"})");
}

TEST_F(MockServer, EachFaultIsVisibleFromTheClient) {
  fault("kind=http_5xx&status=503&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.res.result_int(), 503);
    EXPECT_EQ(c.post("key=k&action=balance").res.result_int(), 200);  // count=1 used up
  }
  fault("kind=rate_limit&retry_after=3&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    EXPECT_EQ(r.res.result_int(), 429);
    EXPECT_EQ(r.res[http::field::retry_after], "3");
  }
  fault("kind=html&status=200&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    EXPECT_EQ(r.res.result_int(), 200);
    EXPECT_TRUE(r.res[http::field::content_type].starts_with("text/html"));
    EXPECT_TRUE(r.res.body().starts_with("<html>"));
  }
  fault("kind=invalid_json&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.res.body(), R"({"balance":"1000.00","currency":"USD")");
  }
  fault("kind=reset&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    EXPECT_TRUE(r.ec == asio::error::connection_reset || r.ec == http::error::end_of_stream)
        << r.ec.message();
  }
  fault("kind=truncated&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    EXPECT_EQ(r.ec, http::error::partial_message) << r.ec.message();
  }
  fault("kind=trickle&trickle_bytes=7&trickle_ms=1&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.body(), R"({"balance":"1000.00","currency":"USD"})");
  }
  fault("kind=trickle&trickle_bytes=1&trickle_ms=200&count=1");
  {
    // 39 body bytes at 1 per 200 ms take ~8 s: a 500 ms whole-call deadline must fire.
    client c(port());
    const auto r = c.post("key=k&action=balance", 500ms);
    EXPECT_EQ(r.ec, beast::error::timeout) << r.ec.message();
  }
  fault("kind=black_hole&count=1");
  {
    client c(port());
    const auto r = c.post("key=k&action=balance", 300ms);  // the client's own timeout
    EXPECT_EQ(r.ec, beast::error::timeout) << r.ec.message();
  }
  fault("kind=error&message=Try%20later&action=add&count=1");
  {
    client c(port());
    EXPECT_EQ(c.post("key=k&action=balance").res.body(), R"({"balance":"1000.00","currency":"USD"})");
    EXPECT_EQ(c.post("key=k&action=add&service=1&link=x&quantity=100").res.body(),
              R"({"error":"Try later"})");
  }
}

TEST_F(MockServer, AuditListsEveryAddAndThePeakInFlight) {
  {
    client c(port());
    EXPECT_EQ(c.post("key=k&action=add&service=1&link=a&quantity=100").res.body(), R"({"order":1})");
    EXPECT_EQ(
        c.post("key=k&action=add&service=1&link=a&quantity=100").res.body(),
        R"({"error":"You have active order with this link. Please wait until order being completed."})");
  }
  fault("kind=reset&action=add&count=1");
  {
    client c(port());
    EXPECT_TRUE(c.post("key=k&action=add&service=1&link=b&quantity=100").ec);
  }
  // Three requests held by a black hole are in flight together.
  fault("kind=black_hole&action=status&count=3");
  std::vector<std::unique_ptr<client>> held;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<client>(port()));
  for (auto& h : held) threads.emplace_back([&h] { h->post("key=k&action=status&order=1", 20s); });
  std::string stats;
  for (int i = 0; i < 200 && json_int(stats, "in_flight") != 3; ++i) {  // bounded poll, not a timing claim
    std::this_thread::sleep_for(25ms);
    stats = admin(port(), http::verb::get, "/admin/stats");
  }
  EXPECT_EQ(json_int(stats, "in_flight"), 3) << stats;
  for (auto& h : held) h->close();
  for (auto& t : threads) t.join();
  for (int i = 0; i < 200 && json_int(stats, "in_flight") != 0; ++i) {
    std::this_thread::sleep_for(25ms);
    stats = admin(port(), http::verb::get, "/admin/stats");
  }
  EXPECT_EQ(json_int(stats, "in_flight"), 0) << stats;

  const std::string audit = admin(port(), http::verb::get, "/admin/audit");
  EXPECT_GE(json_int(audit, "peak_in_flight"), 3) << audit;
  EXPECT_NE(
      audit.find(
          R"("service":"1","link":"a","quantity":100,"order":"1","error":null,"fault":null,"delivered":true)"),
      std::string::npos)
      << audit;
  EXPECT_NE(audit.find(R"("link":"a","quantity":100,"order":null,"error":"You have active order)"),
            std::string::npos);
  EXPECT_NE(
      audit.find(R"("link":"b","quantity":100,"order":"2","error":null,"fault":"reset","delivered":false)"),
      std::string::npos)
      << audit;
  EXPECT_NE(audit.find(R"("seq":3,)"), std::string::npos);
  EXPECT_EQ(audit.find(R"("seq":4,)"), std::string::npos);
  EXPECT_NE(audit.find(R"("counts":{"add":3,"status":3})"), std::string::npos) << audit;
  EXPECT_EQ(audit.find(R"("k")"), std::string::npos);  // a hash, never the key
}

TEST(MockServerProcess, FleetRunsOneProviderPerPortWithItsOwnKey) {
  mock_process fleet({"--fleet", "3", "--port-base", "0"}, 3);
  ASSERT_EQ(fleet.ports.size(), 3u);
  EXPECT_NE(fleet.ports[0], fleet.ports[1]);
  client second(fleet.ports[1]);
  EXPECT_EQ(second.post("key=key-1&action=add&service=1&link=a&quantity=100").res.body(), R"({"order":1})");
  EXPECT_EQ(second.post("key=key-0&action=balance").res.body(), R"({"error":"Invalid API key"})");
  client third(fleet.ports[2]);
  EXPECT_EQ(third.post("key=key-2&action=status&order=1").res.body(), R"({"error":"Incorrect order ID"})");
  EXPECT_EQ(fleet.stop(SIGTERM), 0);
}

TEST(MockServerProcess, RefusesANonLoopbackBind) {
  mock_process bad({"--bind", "0.0.0.0", "--port", "0"}, 0);
  EXPECT_EQ(bad.stop(0), 2);
  EXPECT_NE(bad.rest().find("non-loopback"), std::string::npos);
}

TEST(MockServerProcess, SigtermStopsCleanly) {
  mock_process m({"--port", "0"});
  ASSERT_EQ(m.ports.size(), 1u);
  client c(m.ports[0]);
  EXPECT_EQ(c.post("key=key-0&action=balance").res.body(), R"({"balance":"1000.00","currency":"USD"})");
  EXPECT_EQ(m.stop(SIGTERM), 0);
  EXPECT_NE(m.rest().find("stopped"), std::string::npos);
}

}  // namespace
