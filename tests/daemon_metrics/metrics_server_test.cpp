#include "daemon/metrics/metrics_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <thread>

#include "daemon/metrics/metrics_render.hpp"
#include "tests/daemon_metrics/exposition_checker.hpp"

namespace smm::daemon::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The server on 127.0.0.1, port 0, with its io_context on a thread (no work guard: run()
// returns only when the server has closed everything).
class MetricsServerTest : public ::testing::Test {
 protected:
  void start(metrics_server_options opts = {}) {
    snapshot_.engine.intake_accepted = 42;
    provider_metrics p;
    p.name = "alpha";
    p.client.latency_buckets[2] = 3;
    snapshot_.providers.push_back(p);
    server_ = std::make_unique<metrics_server>(
        io_.get_executor(), listen_address{"127.0.0.1", 0},
        [this] {
          ++renders_;
          return render_metrics(snapshot_);
        },
        [this] { return ready_.load(); }, opts);
    server_->start();
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return s;
  }

  http::response<http::string_body> exchange(tcp::socket& s, http::verb method, std::string target,
                                             bool keep_alive = true) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    req.prepare_payload();
    http::write(s, req);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    http::read(s, buffer_, parser);
    return parser.release();
  }

  http::response<http::string_body> get(std::string target, http::verb method = http::verb::get) {
    auto s = connect();
    return exchange(s, method, std::move(target), false);
  }

  // True when the server closed the connection (EOF or reset) rather than answering.
  static bool closed_by_server(tcp::socket& s) {
    char c = 0;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  metrics_snapshot snapshot_;
  std::atomic<int> renders_{0};
  std::atomic<bool> ready_{false};
  asio::io_context io_;
  asio::io_context client_io_;
  beast::flat_buffer buffer_;
  std::unique_ptr<metrics_server> server_;
  std::thread thread_;
};

TEST_F(MetricsServerTest, ServesMetrics) {
  start();
  const auto res = get("/metrics");
  EXPECT_EQ(res.result_int(), 200U);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res.body(), render_metrics(snapshot_));
  EXPECT_TRUE(testing::check_exposition(res.body()).errors.empty());
  EXPECT_NE(res.body().find("smm_dispatch_intake_orders_total{outcome=\"accepted\"} 42\n"),
            std::string::npos);
  EXPECT_EQ(renders_.load(), 1);
}

TEST_F(MetricsServerTest, HealthAndReadiness) {
  start();
  const auto health = get("/healthz");
  EXPECT_EQ(health.result_int(), 200U);
  EXPECT_EQ(health.body(), "ok\n");
  EXPECT_EQ(get("/readyz").result_int(), 503U);
  ready_ = true;
  EXPECT_EQ(get("/readyz").result_int(), 200U);
  ready_ = false;
  EXPECT_EQ(get("/readyz").result_int(), 503U);
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(MetricsServerTest, NotFoundAndMethodNotAllowed) {
  start();
  EXPECT_EQ(get("/").result_int(), 404U);
  EXPECT_EQ(get("/metrics/extra").result_int(), 404U);
  const auto post = get("/metrics", http::verb::post);
  EXPECT_EQ(post.result_int(), 405U);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
  EXPECT_EQ(get("/healthz", http::verb::delete_).result_int(), 405U);
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(MetricsServerTest, HeadGivesTheLengthWithoutTheBody) {
  start();
  auto s = connect();
  const auto head = exchange(s, http::verb::head, "/metrics");
  EXPECT_EQ(head.result_int(), 200U);
  EXPECT_EQ(head[http::field::content_length], std::to_string(render_metrics(snapshot_).size()));
  EXPECT_TRUE(head.body().empty());
  // The connection is still in step: the next answer is the next request's.
  EXPECT_EQ(exchange(s, http::verb::get, "/healthz").body(), "ok\n");
}

TEST_F(MetricsServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  auto s = connect();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(exchange(s, http::verb::get, "/healthz").result_int(), 200U);
  EXPECT_EQ(exchange(s, http::verb::get, "/metrics").result_int(), 200U);
  const auto last = exchange(s, http::verb::get, "/healthz", false);
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(MetricsServerTest, RequestCountPerConnectionIsBounded) {
  metrics_server_options opts;
  opts.max_requests_per_connection = 2;
  start(opts);
  auto s = connect();
  EXPECT_TRUE(exchange(s, http::verb::get, "/healthz").keep_alive());
  EXPECT_FALSE(exchange(s, http::verb::get, "/healthz").keep_alive());
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(MetricsServerTest, OversizedHeaderGets431AndClose) {
  metrics_server_options opts;
  opts.max_header_bytes = 512;
  start(opts);
  auto s = connect();
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.set("X-Filler", std::string(2000, 'a'));
  http::write(s, req);
  http::response<http::string_body> res;
  http::read(s, buffer_, res);
  EXPECT_EQ(res.result_int(), 431U);
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(MetricsServerTest, OversizedBodyGets413) {
  metrics_server_options opts;
  opts.max_body_bytes = 16;
  start(opts);
  auto s = connect();
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.body() = std::string(100, 'x');
  req.prepare_payload();
  http::write(s, req);
  http::response<http::string_body> res;
  http::read(s, buffer_, res);
  EXPECT_EQ(res.result_int(), 413U);
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(MetricsServerTest, GarbageGets400) {
  start();
  auto s = connect();
  asio::write(s, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  http::response<http::string_body> res;
  http::read(s, buffer_, res);
  EXPECT_EQ(res.result_int(), 400U);
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(MetricsServerTest, IdleKeepAliveConnectionIsClosed) {
  metrics_server_options opts;
  opts.idle_timeout = std::chrono::milliseconds(50);
  start(opts);
  auto s = connect();
  EXPECT_EQ(exchange(s, http::verb::get, "/healthz").result_int(), 200U);
  EXPECT_TRUE(closed_by_server(s));  // blocks until the idle timeout closes it
}

TEST_F(MetricsServerTest, SilentClientIsClosedByTheReadTimeout) {
  metrics_server_options opts;
  opts.read_timeout = std::chrono::milliseconds(50);
  start(opts);
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET /metrics HTTP/1.1\r\n")));  // and never the rest
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(renders_.load(), 0);
}

TEST_F(MetricsServerTest, ConnectionsOverTheCapAreClosed) {
  metrics_server_options opts;
  opts.max_connections = 1;
  start(opts);
  auto first = connect();
  EXPECT_EQ(exchange(first, http::verb::get, "/healthz").result_int(), 200U);  // registered now
  auto second = connect();
  EXPECT_TRUE(closed_by_server(second));
  EXPECT_EQ(exchange(first, http::verb::get, "/healthz").result_int(), 200U);
}

TEST_F(MetricsServerTest, StopClosesOpenConnectionsAndEndsAllWork) {
  start();
  auto s = connect();
  EXPECT_EQ(exchange(s, http::verb::get, "/healthz").result_int(), 200U);  // idle keep-alive now
  server_->stop();
  thread_.join();  // run() returns: no accept, no session left behind
  EXPECT_TRUE(closed_by_server(s));
  tcp::socket again(client_io_);
  boost::system::error_code ec;
  again.connect({asio::ip::make_address("127.0.0.1"), server_->port()}, ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST(MetricsServer, BindFailureThrows) {
  asio::io_context io;
  metrics_server a(
      io.get_executor(), listen_address{"127.0.0.1", 0}, [] { return std::string(); }, [] { return true; });
  a.start();
  metrics_server b(
      io.get_executor(), listen_address{"127.0.0.1", a.port()}, [] { return std::string(); },
      [] { return true; });
  EXPECT_THROW(b.start(), std::system_error);
  a.stop();
  io.run();
}

}  // namespace
}  // namespace smm::daemon::metrics
