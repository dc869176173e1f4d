// The bad-input matrix: the real smm-dispatchd (mock provider on loopback) driven on both of
// its faces, the NDJSON panel socket and the API v2 endpoint (unix socket and TCP), with
// hostile input, one table row per case: malformed and truncated JSON, deep nesting, huge and
// odd numbers, negative and zero quantities, invalid UTF-8, NUL bytes, over-limit lines,
// bodies and headers, unknown fields and operations, wrong keys, bad HTTP, slowloris clients,
// a client that never reads, and 1000 connections at once. Every row asserts the precise
// error (code and message, or HTTP status and text) and that the daemon still serves; between
// rows a legitimate panel keeps adding orders on both faces, and at the end every order
// accepted before and during the matrix is still there and answers `status` correctly.
// Waits are bounded safety nets; the only clock assertions check that a deadline was not
// cut short.
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/daemon_apiv2/http_test_client.hpp"
#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

using tcp = asio::ip::tcp;
using unix_protocol = asio::local::stream_protocol;
using namespace std::string_literals;

constexpr const char* shop_key = "matrix-shop-key-0123456789";
constexpr auto partial_line_timeout = 2000ms;     // [daemon.panel_limits] in the test's config
constexpr auto unauthenticated_timeout = 2000ms;  // [daemon.api_limits]
constexpr std::size_t output_cap = 256 * 1024;    // panel_limits.max_output_bytes
constexpr std::size_t max_line_bytes = 1u << 20;

// A raw socket to either face: bytes in, bytes out, no protocol, every wait bounded.
class raw_socket {
 public:
  static raw_socket to_unix(const std::string& path) {
    raw_socket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    s.connected_ = ::connect(s.fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    return s;
  }
  static raw_socket to_tcp(unsigned short port) {
    raw_socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    s.connected_ = ::connect(s.fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    return s;
  }
  raw_socket(raw_socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_) {}
  raw_socket& operator=(raw_socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    connected_ = o.connected_;
    return *this;
  }
  ~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  // False once the peer no longer takes bytes.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Whether bytes (or the end) can be read within `wait`.
  bool readable(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }
  // Everything until the peer closes (or `limit` passes): the bytes, and whether it closed.
  std::pair<std::string, bool> read_to_end(std::chrono::milliseconds limit = 20s) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !readable(left)) return {out, false};
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {out, true};
      out.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  explicit raw_socket(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool connected_ = false;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// One NDJSON row: raw bytes (each request line ends in '\n') and the one answer they get.
struct ndjson_row {
  std::string name;
  std::string bytes;
  std::string code;     // error code; "" when the row expects a success
  std::string message;  // error message (exact)
  bool fresh = false;   // on a connection of its own (a failed hello marks its connection)
};

// One API v2 row: a raw HTTP request and its answer.
enum class face { unix_socket, tcp };
struct http_row {
  std::string name;
  face via;
  std::string request;
  unsigned status;    // HTTP status
  std::string error;  // the {"error"} text (exact); "" when the answer is not an error
};

// A scenario row: something no single request shows (a slow client, a crowd).
struct scenario_row {
  std::string name;
  std::function<void()> run;
};

std::string add_request(std::string_view id, std::string_view panel_id, std::string_view quantity_json,
                        std::string_view extra = {}) {
  return std::string(R"({"id":)") + std::string(id) + R"(,"op":"add","order":{"panel_order_id":")" +
         std::string(panel_id) + R"(","service":1,"link":"https://instagram.com/matrix_)" +
         std::string(panel_id) + R"(","quantity":)" + std::string(quantity_json) + std::string(extra) +
         "}}\n";
}

// A form add; `link_path` goes after https://instagram.com/ as given (already encoded).
std::string form_add(std::string_view quantity, std::string_view extra = {},
                     std::string_view link_path = "m") {
  return post(std::string("key=") + shop_key + "&action=add&service=1&link=https%3A%2F%2Finstagram.com%2F" +
              std::string(link_path) + "&quantity=" + std::string(quantity) + std::string(extra));
}

// An NDJSON add whose link is `link` (JSON string content, escapes allowed).
std::string add_with_link(std::string_view id, std::string_view panel_id, std::string_view link) {
  return std::string(R"({"id":)") + std::string(id) + R"(,"op":"add","order":{"panel_order_id":")" +
         std::string(panel_id) + R"(","service":1,"link":")" + std::string(link) + R"(","quantity":100}})" +
         "\n";
}

std::string json_post(std::string_view body, std::string_view extra_headers = {}) {
  return "POST /api/v2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Api-Key: " +
         std::string(shop_key) + "\r\n" + std::string(extra_headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class bad_input_matrix : public daemon_env {
 protected:
  void SetUp() override {
    daemon_env::SetUp();
    // 1000 connections at once on each face, plus ours: take what the hard limit allows.
    rlimit r{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0);
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0);
    ASSERT_GE(r.rlim_cur, 2300u) << "the hard limit on open files is too low for 1000 connections per face";
  }

  void start() {
    mock_ = std::make_unique<mock_process>(
        std::vector<std::string>{"--pending-ms", "100", "--speed", "5000", "--seed", "71"});
    config_spec spec;
    spec.providers.push_back({.name = "fast", .port = mock_->port()});
    spec.services.push_back({.id = 1, .rate = "0.90", .min = 10, .max = 100000, .route = {{"fast", 1}}});
    write_config(spec);
    api_port_ = closed_loopback_port();
    metrics_port_ = closed_loopback_port();
    std::ifstream in(config_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    text = std::regex_replace(text, std::regex("metrics_listen = \"\"\n"),
                              "metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port_) + "\"\n");
    text = std::regex_replace(text, std::regex("\\[daemon\\]\n"),
                              "[daemon]\nhttp_listen = \"127.0.0.1:" + std::to_string(api_port_) +
                                  "\"\npanel_keys = [{ name = \"shop\", key = \"" + shop_key + "\" }]\n");
    text +=
        "\n[daemon.panel_limits]\npartial_line_timeout_ms = " + std::to_string(partial_line_timeout.count()) +
        "\nmax_output_bytes = " + std::to_string(output_cap) +
        "\n\n[daemon.api_limits]\nunauthenticated_timeout_ms = " +
        std::to_string(unauthenticated_timeout.count()) + "\n";
    std::ofstream(config_path_) << text;
    api_socket_ = dir_ + "/api.sock";
    start_daemon();
    ASSERT_TRUE(eventually([&] { return api_balance().has_value(); }, 20s))
        << "the API v2 endpoint did not answer";
  }

  std::optional<response> api_call(face via, const std::string& raw) {
    try {
      if (via == face::tcp)
        return client<tcp>(tcp::endpoint(asio::ip::make_address("127.0.0.1"), api_port_)).call(raw);
      return client<unix_protocol>(unix_protocol::endpoint(api_socket_)).call(raw);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  static std::string json_field(const std::string& body, std::string_view pointer) {
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(body).get(doc) != simdjson::SUCCESS) return "<not json: " + body.substr(0, 200) + ">";
    simdjson::dom::element v;
    if (doc.at_pointer(pointer).get(v) != simdjson::SUCCESS) return "<missing>";
    if (v.is_string()) return std::string(v.get_string().value());
    return simdjson::minify(v);
  }
  std::optional<std::string> api_balance() {
    const auto r = api_call(face::tcp, post(std::string("key=") + shop_key + "&action=balance"));
    if (!r || r->result() != http::status::ok) return std::nullopt;
    return json_field(r->body(), "/currency");
  }
  std::string scrape_metrics() {
    const auto r = api_call_metrics();
    return r ? r->body() : std::string();
  }
  std::optional<response> api_call_metrics() {
    try {
      return client<tcp>(tcp::endpoint(asio::ip::make_address("127.0.0.1"), metrics_port_))
          .call("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  static double metric(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }

  // The daemon is up and its panel socket answers.
  void expect_alive(const std::string& after) {
    ASSERT_TRUE(daemon_->running()) << "the daemon exited after: " << after;
    ASSERT_TRUE(is_pong(panel_->call("{\"id\":\"alive\",\"op\":\"ping\"}", 10s)))
        << "no pong after: " << after;
  }

  // A legitimate order on each face; what was accepted is remembered for the final check.
  struct accepted_ndjson {
    std::string panel_id;
    std::int64_t order_id;
    std::int64_t quantity;
  };
  struct accepted_api {
    std::int64_t order_id;
    std::int64_t quantity;
  };
  void legit_orders(const std::string& tag) {
    const std::int64_t quantity = 100 + static_cast<std::int64_t>(ndjson_orders_.size());
    const std::string panel_id = "legit-" + tag;
    const add_reply a = add(panel_id, 1, "https://instagram.com/legit_" + tag, quantity);
    ASSERT_EQ(a.status, "accepted") << tag << ": " << a.raw;
    ndjson_orders_.push_back({panel_id, a.order_id, quantity});
    const auto r = api_call(face::tcp, post(std::string("key=") + shop_key + "&action=add&service=1&link=" +
                                            "https%3A%2F%2Finstagram.com%2Flegit_api_" + tag +
                                            "&quantity=" + std::to_string(quantity)));
    ASSERT_TRUE(r) << tag;
    const std::string id = json_field(r->body(), "/order");
    ASSERT_TRUE(!id.empty() && id.find_first_not_of("0123456789") == std::string::npos)
        << tag << ": " << r->body();
    api_orders_.push_back({std::stoll(id), quantity});
  }

  std::unique_ptr<mock_process> mock_;
  unsigned short api_port_ = 0;
  unsigned short metrics_port_ = 0;
  std::string api_socket_;
  std::vector<accepted_ndjson> ndjson_orders_;
  std::vector<accepted_api> api_orders_;
};

TEST_F(bad_input_matrix, every_bad_input_gets_a_precise_error_and_nothing_accepted_is_lost) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(legit_orders("before-" + std::to_string(i)));

  // Balanced, so only the depth is wrong.
  const std::string deep_array = std::string(100'000, '[') + std::string(100'000, ']');
  std::string deep_object;
  for (int i = 0; i < 50'000; ++i) deep_object += "{\"a\":";
  deep_object += "1" + std::string(50'000, '}');
  const std::string long_id(129, 'x');
  // Exactly one byte over the caps (the line without its '\n').
  const std::string line_head = "{\"id\":35,\"op\":\"ping\",\"pad\":\"";
  const std::string over_limit_line =
      line_head + std::string(max_line_bytes + 1 - line_head.size() - 2, 'x') + "\"}\n";
  const std::string body_head = std::string("key=") + shop_key + "&action=balance&pad=";
  const std::string over_limit_body = body_head + std::string((1u << 20) + 1 - body_head.size(), 'x');
  const std::string structure =
      "The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, "
      "etc.";
  const std::string ended_early = "JSON document ended early in the middle of an object or array.";
  const std::string too_deep = "The JSON document was too deep (too many nested objects and arrays)";
  const std::string not_plausible = "link: not plausible (1..2048 bytes, no spaces or control characters)";

  // ---- the NDJSON panel socket: one request line, one precise answer; the connection stays.
  const std::vector<ndjson_row> ndjson_rows = {
      {"malformed: missing closing brace", "{\"id\":1,\"op\":\"ping\"\n", "bad_request",
       "malformed JSON: " + ended_early},
      {"malformed: a bare word", "hello\n", "bad_request", "malformed JSON: " + structure},
      {"malformed: trailing comma", "{\"id\":3,\"op\":\"ping\",}\n", "bad_request",
       "malformed JSON: " + structure},
      {"malformed: single quotes", "{'id':4,'op':'ping'}\n", "bad_request", "malformed JSON: " + structure},
      {"malformed: whitespace only", "   \t \n", "bad_request", "malformed JSON: Empty: no JSON found"},
      {"truncated: inside a string", add_with_link("6", "t1", "https://x").substr(0, 70) + "\n",
       "bad_request", "malformed JSON: A string is opened, but never closed."},
      {"truncated: after a key", "{\"id\":7,\"op\":\n", "bad_request", "malformed JSON: " + ended_early},
      {"not an object: array", "[1,2,3]\n", "bad_request", "request must be a JSON object"},
      {"not an object: string", "\"ping\"\n", "bad_request", "request must be a JSON object"},
      {"trailing content after the object", "{\"id\":10,\"op\":\"ping\"} {\"id\":11}\n", "bad_request",
       "malformed JSON: trailing content after the request object"},
      {"deep nesting: 100k '[' as the request", deep_array + "\n", "bad_request",
       "request must be a JSON object"},
      // The parser skips what it does not need without descending into it: the first thing
      // wrong is what is named.
      {"deep nesting: 100k '[' in an unknown field", "{\"id\":12,\"op\":\"ping\",\"x\":" + deep_array + "}\n",
       "bad_request", "unknown field \"x\" for op ping"},
      {"deep nesting: 100k '[' as the orders", "{\"id\":12,\"op\":\"add\",\"orders\":" + deep_array + "}\n",
       "bad_request", "orders[0]: expected an object"},
      {"deep nesting: 50k objects", deep_object + "\n", "bad_request", "missing field \"op\""},
      {"quantity 1e400", add_request("13", "n-1e400", "1e400"), "bad_request",
       "order.quantity: expected an integer"},
      {"quantity 99999999999999999999", add_request("14", "n-big", "99999999999999999999"), "bad_request",
       "order.quantity: integer out of range"},
      {"quantity -0", add_request("15", "n-minus-zero", "-0"), "invalid", "quantity: 0 outside [10, 100000]"},
      {"quantity 1.5", add_request("16", "n-fraction", "1.5"), "bad_request",
       "order.quantity: expected an integer"},
      {"quantity 1e2", add_request("17", "n-exponent", "1e2"), "bad_request",
       "order.quantity: expected an integer"},
      {"quantity \"100\" (a string)", add_request("18", "n-string", "\"100\""), "bad_request",
       "order.quantity: expected an integer"},
      {"quantity -5", add_request("19", "n-negative", "-5"), "invalid", "quantity: -5 outside [10, 100000]"},
      {"quantity 0", add_request("20", "n-zero", "0"), "invalid", "quantity: 0 outside [10, 100000]"},
      {"quantity above the service's max", add_request("21", "n-above-max", "100001"), "invalid",
       "quantity: 100001 outside [10, 100000]"},
      {"quantity below the service's min", add_request("22", "n-below-min", "9"), "invalid",
       "quantity: 9 outside [10, 100000]"},
      {"service 99 does not exist",
       R"({"id":23,"op":"add","order":{"panel_order_id":"n-svc","service":99,"link":"https://instagram.com/x","quantity":100}})"
       "\n",
       "invalid", "service: no service 99"},
      {"service -1",
       R"({"id":24,"op":"add","order":{"panel_order_id":"n-svc-neg","service":-1,"link":"https://instagram.com/x","quantity":100}})"
       "\n",
       "invalid", "service: no service -1"},
      {"id 1e400", "{\"id\":1e400,\"op\":\"ping\"}\n", "bad_request",
       "id: number out of range (send a string or a smaller number)"},
      {"id an object", "{\"id\":{\"a\":1},\"op\":\"ping\"}\n", "bad_request",
       "id: expected a string or a number"},
      {"invalid UTF-8 (C3 28)", "{\"id\":27,\"op\":\"ping\",\"x\":\"\xC3\x28\"}\n", "bad_request",
       "request line is not valid UTF-8"},
      {"overlong UTF-8 (C0 AF)", "{\"id\":28,\"op\":\"ping\",\"x\":\"\xC0\xAF\"}\n", "bad_request",
       "request line is not valid UTF-8"},
      {"UTF-8 surrogate (ED A0 80)", "{\"id\":29,\"op\":\"ping\",\"x\":\"\xED\xA0\x80\"}\n", "bad_request",
       "request line is not valid UTF-8"},
      {"escaped lone surrogate in a link",
       add_with_link("30", "n-surrogate", "https://instagram.com/\\ud800"), "bad_request",
       "order.link: invalid string escape"},
      {"raw NUL byte", "{\"id\":31,\"op\":\"pi\0ng\"}\n"s, "bad_request",
       "NUL byte at offset 17 of the request line"},
      {"escaped NUL in a panel order id", add_request("32", "n\\u0000nul", "100"), "invalid",
       "panel_order_id: control character"},
      {"escaped NUL in a link", add_with_link("33", "n-nul-link", "https://instagram.com/a\\u0000b"),
       "invalid", not_plausible},
      {"control character in a panel order id", add_request("34", "n\\u0007bell", "100"), "invalid",
       "panel_order_id: control character"},
      {"line one byte over the limit", over_limit_line, "too_large",
       "request line is over the 1048576-byte limit"},
      {"unknown field", "{\"id\":36,\"op\":\"ping\",\"x\":1}\n", "bad_request",
       "unknown field \"x\" for op ping"},
      {"unknown field in an order", add_request("37", "n-colour", "100", ",\"colour\":\"red\""),
       "bad_request", "order: unknown field \"colour\""},
      {"unknown op", "{\"id\":38,\"op\":\"explode\"}\n", "unknown_op", "unknown op \"explode\""},
      {"missing op", "{\"id\":39}\n", "bad_request", "missing field \"op\""},
      {"empty object", "{}\n", "bad_request", "missing field \"op\""},
      {"op not a string", "{\"id\":41,\"op\":5}\n", "bad_request", "op: expected a string"},
      {"duplicate field", "{\"id\":42,\"op\":\"ping\",\"op\":\"ping\"}\n", "bad_request",
       "duplicate field \"op\""},
      {"orders empty", "{\"id\":43,\"op\":\"add\",\"orders\":[]}\n", "bad_request",
       "orders: must not be empty"},
      {"order and orders", "{\"id\":44,\"op\":\"status\",\"order\":\"a\",\"orders\":[\"b\"]}\n",
       "bad_request", "give either \"order\" or \"orders\", not both"},
      {"panel order id of 129 bytes", add_request("45", long_id, "100"), "bad_request",
       "order.panel_order_id: longer than 128 bytes"},
      {"panel order id empty", add_request("46", "", "100"), "bad_request",
       "order.panel_order_id: must not be empty"},
      {"link empty", add_with_link("47", "n-nolink", ""), "invalid", "link: required"},
      {"link of 900 KB",
       add_with_link("48", "n-longlink", "https://instagram.com/" + std::string(900'000, 'a')), "invalid",
       not_plausible},
      {"admin op on the panel socket", "{\"id\":49,\"op\":\"resolve\",\"order\":\"a\",\"placed\":false}\n",
       "forbidden", "op \"resolve\" is served only on the admin socket " + admin_socket_path_},
      {"subscribe after_seq -1", "{\"id\":50,\"op\":\"subscribe\",\"after_seq\":-1}\n", "bad_request",
       "after_seq: must be >= 0"},
      {"status of an order that does not exist", "{\"id\":51,\"op\":\"status\",\"order\":\"never-added\"}\n",
       "not_found", "order not found"},
      {"hello with a wrong key", "{\"id\":52,\"op\":\"hello\",\"key\":\"wrong-panel-key\"}\n", "unauthorized",
       "invalid panel key", true},
      {"hello without a key", "{\"id\":53,\"op\":\"hello\"}\n", "bad_request", "missing field \"key\"", true},
      {"hello with a number for a key", "{\"id\":54,\"op\":\"hello\",\"key\":12345}\n", "bad_request",
       "key: expected a string", true},
  };

  // ---- the API v2 endpoint: one request, its status and the template's error text.
  const std::string good = std::string("key=") + shop_key;
  std::string many_params = good + "&action=balance";
  for (int i = 0; i < 1001; ++i) many_params += "&p" + std::to_string(i) + "=1";
  std::string many_ids = good + "&action=status&orders=";
  for (int i = 1; i <= 101; ++i) many_ids += std::to_string(i) + (i < 101 ? "," : "");
  const std::string json_add = R"({"action":"add","service":1,"link":"https://instagram.com/j","quantity":)";
  const std::vector<http_row> http_rows = {
      {"form: quantity 1e400", face::tcp, form_add("1e400"), 200,
       "Invalid parameter: quantity must be an integer"},
      {"form: quantity 99999999999999999999", face::tcp, form_add("99999999999999999999"), 200,
       "Invalid parameter: quantity is out of range"},
      {"form: quantity -0", face::unix_socket, form_add("-0"), 200, "quantity: 0 outside [10, 100000]"},
      {"form: quantity 1.5", face::tcp, form_add("1.5"), 200,
       "Invalid parameter: quantity must be an integer"},
      {"form: quantity -5", face::unix_socket, form_add("-5"), 200, "quantity: -5 outside [10, 100000]"},
      {"form: quantity 0", face::tcp, form_add("0"), 200, "quantity: 0 outside [10, 100000]"},
      {"form: quantity missing", face::tcp,
       post(good + "&action=add&service=1&link=https%3A%2F%2Finstagram.com%2Fm"), 200,
       "Missing required parameter: quantity"},
      {"json: malformed", face::tcp, json_post("{\"action\":\"add\",,}"), 400,
       "Invalid JSON body: " + structure},
      {"json: truncated", face::unix_socket,
       json_post("{\"action\":\"add\",\"service\":1,\"link\":\"https://x"), 400,
       "Invalid JSON body: A string is opened, but never closed."},
      {"json: 100k '['", face::tcp, json_post(deep_array), 400, "Invalid JSON body: " + too_deep},
      {"json: 100k '[' in a parameter", face::tcp,
       json_post("{\"action\":\"balance\",\"x\":" + deep_array + "}"), 400, "Invalid JSON body: " + too_deep},
      {"json: quantity 1e400", face::tcp, json_post(json_add + "1e400}"), 400,
       "Invalid JSON body: a number is out of range or malformed"},
      {"json: quantity 99999999999999999999", face::tcp, json_post(json_add + "99999999999999999999}"), 400,
       "Invalid JSON body: a number is out of range or malformed"},
      {"json: quantity -0", face::tcp, json_post(json_add + "-0}"), 200, "quantity: 0 outside [10, 100000]"},
      {"json: quantity 1.5", face::unix_socket, json_post(json_add + "1.5}"), 200,
       "Invalid parameter: quantity must be an integer"},
      {"json: not an object", face::tcp, json_post("[1,2]"), 400,
       "Invalid JSON body: expected an object of parameters"},
      {"json: a nested object parameter", face::tcp, json_post(R"({"action":"balance","x":{"a":1}})"), 400,
       "Invalid parameter: x must be a string or a number"},
      {"form: invalid UTF-8 in a link", face::tcp, form_add("100", "", "%C3%28"), 400,
       "Invalid parameter: link is not valid UTF-8"},
      {"form: invalid UTF-8 in a parameter name", face::unix_socket, form_add("100", "&%C0%AF=1"), 400,
       "Invalid parameter name: not valid UTF-8"},
      {"json: invalid UTF-8", face::tcp, json_post("{\"action\":\"balance\",\"x\":\"\xC3\x28\"}"), 400,
       "Invalid JSON body: The input is not valid UTF-8"},
      {"form: NUL byte (%00)", face::tcp, form_add("100", "&comments=a%00b"), 400,
       "Invalid parameter: comments contains a NUL byte"},
      {"json: escaped NUL", face::unix_socket, json_post(R"({"action":"balance","x":"a\u0000b"})"), 400,
       "Invalid parameter: x contains a NUL byte"},
      {"json: raw NUL byte", face::tcp, json_post("{\"action\":\"balance\",\"x\":\"a\0b\"}"s), 400,
       "Invalid JSON body: a string holds an unescaped control character"},
      {"body one byte over the limit", face::tcp, post(over_limit_body), 413,
       "Request body too large: at most 1048576 bytes"},
      {"headers over the limit", face::unix_socket,
       "GET /api/v2 HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(16 * 1024, 'j') + "\r\n\r\n", 431,
       "Request header too large: at most 8192 bytes"},
      {"request line over the header limit", face::tcp,
       "GET /api/v2?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
       "Request header too large: at most 8192 bytes"},
      {"unknown action", face::tcp, post(good + "&action=refund_everything"), 200, "This action is Invalid"},
      {"unknown parameter (ignored, as by the template)", face::tcp,
       post(good + "&action=balance&colour=red"), 200, ""},
      {"too many parameters", face::tcp, post(many_params), 400, "Too many parameters: at most 1000"},
      {"too many ids", face::tcp, post(many_ids), 200, "Too many IDs in orders: at most 100"},
      {"a scalar given twice, differently", face::tcp, form_add("100", "&quantity=200"), 400,
       "Parameter given twice with different values: quantity"},
      {"unsupported content type", face::tcp,
       "POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 8\r\n\r\n<a>1</a>", 400,
       "Unsupported Content-Type: text/xml (send application/x-www-form-urlencoded or application/json)"},
      {"wrong key", face::tcp, post("key=wrong-key-1&action=balance"), 200, "Invalid API key"},
      {"wrong key in a header", face::unix_socket, post("action=balance", "X-Api-Key: wrong-key-2\r\n"), 200,
       "Invalid API key"},
      {"missing key", face::tcp, post("action=balance"), 200, "Missing required parameter: key"},
      {"garbage instead of HTTP", face::tcp, "\x16\x03\x01 not http at all\r\n\r\n", 400,
       "Bad HTTP request: bad method"},
      {"method DELETE", face::tcp, "DELETE /api/v2 HTTP/1.1\r\nHost: x\r\n\r\n", 405,
       "Method not allowed: use POST or GET"},
      {"Content-Length -5", face::unix_socket,
       "GET /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400,
       "Bad HTTP request: bad Content-Length"},
      {"Content-Length and chunked together", face::tcp,
       "POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400, "Bad HTTP request: bad Transfer-Encoding"},
      {"chunk size beyond 64 bits", face::tcp,
       "POST /api/v2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nx\r\n",
       400, "Bad HTTP request: bad chunk"},
      {"chunked body over the limit", face::tcp,
       "POST /api/v2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" +
           std::string(0x200000, 'x') + "\r\n0\r\n\r\n",
       413, "Request body too large: at most 1048576 bytes"},
      {"header line without a colon", face::tcp, "GET /api/v2 HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
       400, "Bad HTTP request: bad field"},
      {"HTTP/2 preface", face::tcp, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "Bad HTTP request: bad version"},
  };

  std::size_t tried = 0;
  std::size_t row_number = 0;

  // NDJSON rows share one hostile connection: every answer comes on it and it stays usable.
  auto hostile = connect();
  for (const auto& row : ndjson_rows) {
    SCOPED_TRACE("NDJSON row: " + row.name);
    ++tried;
    auto own = row.fresh ? connect() : nullptr;
    unix_client& c = own ? *own : *hostile;
    c.send_raw(row.bytes);
    const std::string answer = c.read_line(20s);
    ASSERT_FALSE(answer.empty()) << "no answer";
    const error_reply e = parse_error(answer);
    std::printf("[ndjson] %-45s -> %s\n", row.name.c_str(), answer.substr(0, 300).c_str());
    if (row.code.empty()) {
      EXPECT_FALSE(e.is_error) << answer;
    } else {
      EXPECT_TRUE(e.is_error) << answer;
      EXPECT_EQ(e.code, row.code) << answer;
      EXPECT_EQ(e.message, row.message) << answer;
    }
    ASSERT_NO_FATAL_FAILURE(expect_alive(row.name));
    ASSERT_NO_FATAL_FAILURE(legit_orders("nd" + std::to_string(++row_number)));
  }

  for (const auto& row : http_rows) {
    SCOPED_TRACE("API v2 row: " + row.name);
    ++tried;
    const auto r = api_call(row.via, row.request);
    ASSERT_TRUE(r.has_value()) << "no answer";
    std::printf("[apiv2]  %-45s -> %u %s\n", row.name.c_str(), r->result_int(),
                r->body().substr(0, 300).c_str());
    EXPECT_EQ(r->result_int(), row.status) << r->body();
    EXPECT_EQ((*r)[http::field::content_type], "application/json");
    const std::string error = json_field(r->body(), "/error");
    if (row.error.empty()) {
      EXPECT_EQ(error, "<missing>") << r->body();
    } else {
      EXPECT_EQ(error, row.error) << r->body();
    }
    ASSERT_NO_FATAL_FAILURE(expect_alive(row.name));
    ASSERT_NO_FATAL_FAILURE(legit_orders("http" + std::to_string(++row_number)));
  }

  // ---- scenarios: slow clients, a client that never reads, a crowd.
  const std::vector<scenario_row> scenarios = {
      {"NDJSON slowloris: a byte a second, never a whole line",
       [&] {
         // The deadline runs from the first byte the daemon reads, which follows this.
         const auto began = std::chrono::steady_clock::now();
         auto s = raw_socket::to_unix(socket_path_);
         ASSERT_TRUE(s.connected());
         const std::string line = "{\"id\":\"slow\",\"op\":\"ping\"}";
         std::size_t sent = 0;
         while (sent < line.size() - 1 && s.send(line.substr(sent, 1)) && !s.readable(1000ms)) ++sent;
         const auto [text, closed] = s.read_to_end();
         const auto took = std::chrono::steady_clock::now() - began;
         ASSERT_TRUE(closed) << "still open";
         EXPECT_GE(took, partial_line_timeout) << "cut before the deadline";
         const auto ls = lines_of(text);
         ASSERT_EQ(ls.size(), 1u) << text;
         const error_reply e = parse_error(ls[0]);
         EXPECT_EQ(e.code, "timeout") << ls[0];
         EXPECT_EQ(e.message,
                   "request line not finished within 2000 ms (panel_limits.partial_line_timeout_ms): "
                   "closing the connection")
             << ls[0];
         EXPECT_EQ(
             metric(scrape_metrics(), "smm_dispatch_panel_connections_closed_total{reason=\"timeout\"}"), 1);
       }},
      {"API v2 slowloris: a byte a second, never a whole request",
       [&] {
         // The deadline runs from the daemon's accept, which follows the connect.
         const auto began = std::chrono::steady_clock::now();
         auto s = raw_socket::to_tcp(api_port_);
         ASSERT_TRUE(s.connected());
         const std::string request = post(good + "&action=balance");
         std::size_t sent = 0;
         while (sent < request.size() - 1 && s.send(request.substr(sent, 1)) && !s.readable(1000ms)) ++sent;
         const auto [text, closed] = s.read_to_end();
         const auto took = std::chrono::steady_clock::now() - began;
         ASSERT_TRUE(closed) << "still open";
         EXPECT_GE(took, unauthenticated_timeout) << "cut before the deadline";
         EXPECT_EQ(text.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << text;
         EXPECT_NE(text.find("\r\n\r\n{\"error\":\"Request not complete within 2000 ms\"}"),
                   std::string::npos)
             << text;
         EXPECT_EQ(metric(scrape_metrics(),
                          "smm_dispatch_api_connections_closed_total{reason=\"request_timeout\"}"),
                   1);
       }},
      {"API v2 idle connection without a key",
       [&] {
         const auto began = std::chrono::steady_clock::now();
         auto s = raw_socket::to_unix(api_socket_);
         ASSERT_TRUE(s.connected());
         const auto [text, closed] = s.read_to_end();
         EXPECT_TRUE(closed);
         EXPECT_EQ(text, "") << "an idle connection is closed without an answer";
         EXPECT_GE(std::chrono::steady_clock::now() - began, unauthenticated_timeout);
         EXPECT_GE(
             metric(scrape_metrics(), "smm_dispatch_api_connections_closed_total{reason=\"idle_timeout\"}"),
             1);
       }},
      {"NDJSON subscriber that never reads",
       [&] {
         auto s = raw_socket::to_unix(socket_path_);
         ASSERT_TRUE(s.connected());
         ASSERT_TRUE(s.send("{\"id\":\"sub\",\"op\":\"subscribe\",\"after_seq\":0}\n"));
         // Orders make events; the subscriber takes none of them.
         std::vector<std::string> ids, links;
         for (int i = 0; i < 1000; ++i) {
           ids.push_back("flood-" + std::to_string(i));
           links.push_back("https://instagram.com/flood_" + std::to_string(i));
         }
         const auto replies = add_pipelined(ids, 1, links, 100);
         ASSERT_EQ(replies.size(), ids.size());
         for (std::size_t i = 0; i < replies.size(); ++i) {
           ASSERT_EQ(replies[i].status, "accepted") << replies[i].raw;
           ndjson_orders_.push_back({ids[i], replies[i].order_id, 100});
         }
         ASSERT_TRUE(eventually(
             [&] {
               return metric(scrape_metrics(),
                             "smm_dispatch_panel_connections_closed_total{reason=\"output_limit\"}") == 1;
             },
             20s))
             << "the subscriber was never cut";
         const auto [text, closed] = s.read_to_end();
         ASSERT_TRUE(closed);
         const auto ls = lines_of(text);
         ASSERT_GE(ls.size(), 2u);
         EXPECT_EQ(json_field(ls[0], "/result/subscribed"), "true") << ls[0];
         std::size_t errors = 0;
         for (std::size_t i = 1; i < ls.size(); ++i) {
           const error_reply e = parse_error(ls[i]);
           if (!e.is_error) {
             ASSERT_TRUE(parse_event(ls[i]).has_value()) << ls[i];
             ASSERT_EQ(errors, 0u) << "an event after the error line";
             continue;
           }
           ++errors;
           EXPECT_EQ(e.code, "output_limit") << ls[i];
           EXPECT_EQ(e.message,
                     "more than 262144 bytes of answers and events not taken by the client "
                     "(panel_limits.max_output_bytes): closing the connection; subscribe again with "
                     "after_seq to resume")
               << ls[i];
         }
         EXPECT_EQ(errors, 1u) << "exactly one error line";
       }},
      {"1000 idle connections on each face while panels keep being served",
       [&] {
         std::vector<raw_socket> crowd;
         crowd.reserve(2000);
         for (int i = 0; i < 1000; ++i) {
           crowd.push_back(raw_socket::to_unix(socket_path_));
           ASSERT_TRUE(crowd.back().connected()) << "panel socket connection " << i;
         }
         for (int i = 0; i < 1000; ++i) {
           crowd.push_back(raw_socket::to_tcp(api_port_));
           ASSERT_TRUE(crowd.back().connected()) << "API v2 connection " << i;
         }
         // A panel connecting now is served on both faces.
         auto fresh = connect();
         const add_reply a = add(*fresh, "crowd-ndjson", 1, "https://instagram.com/crowd_ndjson", 150);
         ASSERT_EQ(a.status, "accepted") << a.raw;
         ndjson_orders_.push_back({"crowd-ndjson", a.order_id, 150});
         const auto r = api_call(face::tcp, form_add("150", "", "crowd_api"));
         ASSERT_TRUE(r) << "the API v2 endpoint did not answer a panel";
         const std::string id = json_field(r->body(), "/order");
         ASSERT_EQ(id.find_first_not_of("0123456789"), std::string::npos) << r->body();
         api_orders_.push_back({std::stoll(id), 150});
         // The idle ones on API v2 hold no more than their share of the cap.
         const std::string m = scrape_metrics();
         EXPECT_LE(metric(m, "smm_dispatch_api_unauthenticated_connections"), 32) << m;
         EXPECT_GE(metric(m, "smm_dispatch_api_connections_closed_total{reason=\"evicted\"}"), 1000 - 32)
             << m;
         EXPECT_LE(metric(m, "smm_dispatch_api_connections"), 256) << m;
       }},
  };
  for (const auto& row : scenarios) {
    SCOPED_TRACE("scenario: " + row.name);
    ++tried;
    std::printf("[scenario] %s\n", row.name.c_str());
    ASSERT_NO_FATAL_FAILURE(row.run());
    ASSERT_NO_FATAL_FAILURE(expect_alive(row.name));
    ASSERT_NO_FATAL_FAILURE(legit_orders("scenario" + std::to_string(++row_number)));
  }

  // ---- nothing accepted is lost: every order answers status, as it was accepted.
  std::vector<std::string> ids;
  for (const auto& o : ndjson_orders_) ids.push_back(o.panel_id);
  const auto statuses = status_many(ids);
  for (const auto& o : ndjson_orders_) {
    SCOPED_TRACE("NDJSON order " + o.panel_id);
    const auto it = statuses.find(o.panel_id);
    ASSERT_NE(it, statuses.end()) << "lost";
    EXPECT_EQ(it->second.order_id, o.order_id);
    EXPECT_EQ(it->second.quantity, o.quantity);
    EXPECT_FALSE(it->second.state.empty());
  }
  for (const auto& o : api_orders_) {
    SCOPED_TRACE("API v2 order " + std::to_string(o.order_id));
    const auto r = api_call(face::tcp, post(good + "&action=status&order=" + std::to_string(o.order_id)));
    ASSERT_TRUE(r);
    EXPECT_EQ(json_field(r->body(), "/error"), "<missing>") << r->body();
    EXPECT_EQ(json_field(r->body(), "/currency"), "USD") << r->body();
    const std::string status = json_field(r->body(), "/status");
    EXPECT_TRUE(status == "Pending" || status == "In progress" || status == "Completed") << r->body();
  }
  EXPECT_TRUE(daemon_->running());
  // And it still stops cleanly (under the sanitizers: without a leak either).
  const int status = stop_daemon(SIGTERM, 30s);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  std::printf(
      "bad inputs tried: %zu (NDJSON %zu, API v2 %zu, scenarios %zu); orders kept: %zu NDJSON, %zu API v2\n",
      tried, ndjson_rows.size(), http_rows.size(), scenarios.size(), ndjson_orders_.size(),
      api_orders_.size());
  RecordProperty("bad_inputs_tried", static_cast<int>(tried));
}

}  // namespace
}  // namespace smm::test
