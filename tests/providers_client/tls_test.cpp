// TLS of the transport: a CA and server certificates made at test time with the `openssl`
// command, a tiny Beast TLS server on 127.0.0.1, and the client's verification decisions.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "providers/client/http_transport.hpp"
#include "tests/providers_client/tiny_server.hpp"

namespace smm::providers {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Certificates for the whole suite: made once, in a fresh temp dir.
class certs {
 public:
  certs() {
    char tmpl[] = "/tmp/smm-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    make_ca("ca");
    make_ca("wrong_ca");
    make_leaf("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    make_leaf("other", "ca", "subjectAltName=DNS:other.example");
  }
  ~certs() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  void run(const std::string& cmd) {
    const std::string full = "cd '" + dir_.string() + "' && " + cmd + " >/dev/null 2>&1";
    if (std::system(full.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }
  void make_ca(const std::string& n) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -keyout " + n +
        ".key -out " + n + ".pem -subj '/CN=" + n + " smm test'");
  }
  void make_leaf(const std::string& n, const std::string& ca, const std::string& san) {
    std::ofstream(dir_ / (n + ".ext")) << san << "\nbasicConstraints=CA:FALSE\n"
                                       << "extendedKeyUsage=serverAuth\n";
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + n + ".key -out " +
        n + ".csr -subj '/CN=" + n + "'");
    run("openssl x509 -req -in " + n + ".csr -CA " + ca + ".pem -CAkey " + ca +
        ".key -CAcreateserial -days 2 -out " + n + ".pem -extfile " + n + ".ext");
  }
  fs::path dir_;
};

const certs& suite_certs() {
  static const certs c;
  return c;
}

std::shared_ptr<boost::asio::ssl::context> server_context(const std::string& leaf) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain_file(suite_certs().path(leaf + ".pem"));
  ctx->use_private_key_file(suite_certs().path(leaf + ".key"), boost::asio::ssl::context::pem);
  return ctx;
}

http_request balance_request() {
  http_request r;
  r.method = "POST";
  r.target = "/api/v2";
  r.content_type = "application/x-www-form-urlencoded";
  r.body = "key=k&action=balance";
  return r;
}

// Sends `n` requests in sequence over one transport; returns the last result.
http_result send_n(const std::string& url_text, transport_options opts, int n = 1,
                   std::shared_ptr<spdlog::logger> log = nullptr, std::uint64_t* opened = nullptr) {
  boost::asio::io_context ioc;
  auto url = parse_provider_url(url_text);
  if (!url.url) throw std::runtime_error(url.error);
  if (!log) log = spdlog::default_logger();
  http_transport t(ioc.get_executor(), *url.url, std::move(opts), log);
  http_result last;
  const auto req = balance_request();
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < n; ++i) last = co_await t.send(req, std::chrono::steady_clock::now() + 5s);
      },
      boost::asio::detached);
  ioc.run();
  if (opened) *opened = t.connections_opened();
  return last;
}

TEST(tls, right_ca_is_accepted_and_connection_reused) {
  test::tiny_server srv(server_context("server"));
  transport_options o;
  o.ca_file = suite_certs().path("ca.pem");
  std::uint64_t opened = 0;
  auto r = send_n("https://localhost:" + std::to_string(srv.port()) + "/api/v2", o, 3, nullptr, &opened);
  EXPECT_EQ(r.progress, request_progress::reply_complete) << r.error;
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("12.50"), std::string::npos);
  EXPECT_TRUE(r.reused);
  EXPECT_EQ(opened, 1u);
  EXPECT_EQ(srv.connections(), 1);
  EXPECT_EQ(srv.requests(), 3);
}

TEST(tls, ip_literal_host_matches_ip_san) {
  test::tiny_server srv(server_context("server"));
  transport_options o;
  o.ca_file = suite_certs().path("ca.pem");
  auto r = send_n("https://127.0.0.1:" + std::to_string(srv.port()) + "/api/v2", o);
  EXPECT_EQ(r.progress, request_progress::reply_complete) << r.error;
}

TEST(tls, wrong_ca_is_refused_before_sending) {
  test::tiny_server srv(server_context("server"));
  transport_options o;
  o.ca_file = suite_certs().path("wrong_ca.pem");
  auto r = send_n("https://localhost:" + std::to_string(srv.port()) + "/api/v2", o);
  EXPECT_EQ(r.progress, request_progress::tls_failed) << r.error;
  EXPECT_TRUE(nothing_sent(r.progress));
  EXPECT_EQ(srv.requests(), 0);
}

TEST(tls, system_store_alone_refuses_a_private_ca) {
  test::tiny_server srv(server_context("server"));
  auto r = send_n("https://localhost:" + std::to_string(srv.port()) + "/api/v2", transport_options{});
  EXPECT_EQ(r.progress, request_progress::tls_failed) << r.error;
  EXPECT_EQ(srv.requests(), 0);
}

TEST(tls, host_name_mismatch_is_refused_even_with_the_right_ca) {
  test::tiny_server srv(server_context("other"));  // certificate for other.example only
  transport_options o;
  o.ca_file = suite_certs().path("ca.pem");
  auto r = send_n("https://localhost:" + std::to_string(srv.port()) + "/api/v2", o);
  EXPECT_EQ(r.progress, request_progress::tls_failed) << r.error;
  EXPECT_EQ(srv.requests(), 0);
}

TEST(tls, verify_off_connects_and_warns_without_the_key) {
  test::tiny_server srv(server_context("other"));
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  auto log = std::make_shared<spdlog::logger>("provider.tls_test", sink);
  transport_options o;
  o.tls_verify = false;
  o.ca_file = suite_certs().path("wrong_ca.pem");  // ignored when verification is off
  auto r = send_n("https://localhost:" + std::to_string(srv.port()) + "/api/v2", o, 1, log);
  EXPECT_EQ(r.progress, request_progress::reply_complete) << r.error;
  EXPECT_NE(logged.str().find("verification is OFF"), std::string::npos) << logged.str();
  EXPECT_NE(logged.str().find("warning"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find("key=k"), std::string::npos);
}

TEST(tls, bad_ca_file_throws_at_construction) {
  boost::asio::io_context ioc;
  auto url = parse_provider_url("https://localhost:1/api/v2");
  transport_options o;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(http_transport(ioc.get_executor(), *url.url, o, spdlog::default_logger()), std::runtime_error);
}

TEST(plain, keep_alive_reuses_one_connection) {
  test::tiny_server srv;
  std::uint64_t opened = 0;
  auto r = send_n("http://127.0.0.1:" + std::to_string(srv.port()) + "/api/v2", {}, 5, nullptr, &opened);
  EXPECT_EQ(r.progress, request_progress::reply_complete) << r.error;
  EXPECT_EQ(opened, 1u);
  EXPECT_EQ(srv.connections(), 1);
  EXPECT_EQ(srv.requests(), 5);
}

TEST(plain, refused_connection_is_connect_failed) {
  unsigned short port = 0;
  {
    test::tiny_server srv;  // learn a free port, then close it
    port = srv.port();
  }
  auto r = send_n("http://127.0.0.1:" + std::to_string(port) + "/api/v2", {});
  EXPECT_EQ(r.progress, request_progress::connect_failed) << r.error;
}

}  // namespace
}  // namespace smm::providers
