#include "tests/daemon_e2e/daemon_env.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace smm::test {

namespace fs = std::filesystem;

// ---- daemon_process ----

daemon_process::daemon_process(const std::string& config_path, const std::string& log_path,
                               const std::vector<std::string>& extra_env) {
  std::vector<std::string> args{SMM_BINARY_DIR "/daemon/smm-dispatchd", "--config", config_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // Append: a restarted daemon keeps writing after the first run's lines.
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> env_text(extra_env);
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
}

daemon_process::~daemon_process() {
  if (pid_ > 0) stop(SIGKILL);
}

bool daemon_process::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    pid_ = -1;
    return false;
  }
  return true;
}

int daemon_process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      status_ = st;
      return st;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      status_ = st;
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
}

// ---- parsing ----

namespace {

std::string str(simdjson::dom::element e) {
  std::string_view v;
  if (e.get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

std::int64_t num(simdjson::dom::element e) {
  std::int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  return 0;
}

// Mock figures come as strings ("37") or numbers.
std::optional<std::int64_t> count(simdjson::dom::element e) {
  std::int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS && !s.empty()) return std::stoll(std::string(s));
  return std::nullopt;
}

order_status to_status(simdjson::dom::element o) {
  order_status s;
  s.found = true;
  s.panel_order_id = str(o["panel_order_id"]);
  s.order_id = num(o["order_id"]);
  s.state = str(o["state"]);
  bool held = false;
  if (o["held"].get_bool().get(held) == simdjson::SUCCESS) s.held = held;
  s.provider = str(o["provider"]);
  s.provider_order_id = str(o["provider_order_id"]);
  s.raw_status = str(o["raw_status"]);
  s.quantity = num(o["quantity"]);
  s.charge = str(o["charge"]);
  if (!o["remains"].is_null()) s.remains = num(o["remains"]);
  if (!o["refund"].is_null()) s.refund = str(o["refund"]);
  s.refund_reason = str(o["refund_reason"]);
  s.note = str(o["note"]);
  return s;
}

add_reply to_add(const std::string& line) {
  add_reply r;
  r.raw = line;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(line).get(doc) != simdjson::SUCCESS) return r;
  bool ok = false;
  if (doc["ok"].get_bool().get(ok) != simdjson::SUCCESS) return r;
  if (!ok) {
    r.error_code = str(doc["error"]["code"]);
    r.error_message = str(doc["error"]["message"]);
    return r;
  }
  simdjson::dom::element res = doc["result"];
  r.status = str(res["status"]);
  r.ok = r.status == "accepted" || r.status == "held" || r.status == "replayed";
  r.order_id = num(res["order_id"]);
  r.state = str(res["state"]);
  r.charge = str(res["charge"]);
  if (!r.ok) r.error_message = str(res["error"]);
  return r;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string order_json(const std::string& panel_id, std::int64_t service, const std::string& link,
                       std::int64_t quantity) {
  return "{\"panel_order_id\":" + json_quote(panel_id) + ",\"service\":" + std::to_string(service) +
         ",\"link\":" + json_quote(link) + ",\"quantity\":" + std::to_string(quantity) + "}";
}

std::string http_body(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body) {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(10s);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return res.body();
}

}  // namespace

bool is_final_state(const std::string& s) {
  return s == "completed" || s == "partial" || s == "canceled" || s == "refunded" || s == "rejected" ||
         s == "failed";
}

error_reply parse_error(const std::string& line) {
  error_reply r;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(line).get(doc) != simdjson::SUCCESS) return r;
  bool ok = true;
  if (doc["ok"].get_bool().get(ok) != simdjson::SUCCESS || ok) return r;
  r.is_error = true;
  simdjson::dom::element id;
  if (doc["id"].get(id) == simdjson::SUCCESS) r.id_json = simdjson::minify(id);
  r.code = str(doc["error"]["code"]);
  r.message = str(doc["error"]["message"]);
  return r;
}

std::optional<event_line> parse_event(const std::string& line) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(line).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element e;
  if (doc["event"].get(e) != simdjson::SUCCESS) return std::nullopt;
  event_line ev;
  ev.seq = num(e["seq"]);
  ev.panel_order_id = str(e["panel_order_id"]);
  ev.old_state = str(e["old_state"]);
  ev.new_state = str(e["new_state"]);
  ev.charge = str(e["charge"]);
  if (!e["remains"].is_null()) ev.remains = num(e["remains"]);
  if (!e["refund"].is_null()) ev.refund = str(e["refund"]);
  return ev;
}

bool is_pong(const std::string& line) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(line).get(doc) != simdjson::SUCCESS) return false;
  bool ok = false, pong = false;
  return doc["ok"].get_bool().get(ok) == simdjson::SUCCESS && ok &&
         doc["result"]["pong"].get_bool().get(pong) == simdjson::SUCCESS && pong;
}

audit_by_link read_audit_links(unsigned short mock_port) {
  const std::string body = http_body(mock_port, "GET", "/admin/audit", {});
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  audit_by_link a;
  for (simdjson::dom::element add : doc["adds"].get_array()) {
    const std::string link = str(add["link"]);
    ++a.adds[link];
    ++a.total;
    if (!add["order"].is_null()) {
      const auto id = count(add["order"]);
      a.orders[link].push_back(id ? std::to_string(*id) : str(add["order"]));
    }
  }
  return a;
}

mock_order mock_status(unsigned short mock_port, const std::string& provider_order_id) {
  const std::string body =
      http_body(mock_port, "POST", "/api/v2", "key=test-key&action=status&order=" + provider_order_id);
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  mock_order m;
  m.status = str(doc["status"]);
  m.remains = count(doc["remains"]);
  return m;
}

unsigned short closed_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("cannot bind a loopback port");
  return ntohs(a.sin_port);
}

// ---- fixture ----

void daemon_env::SetUp() {
  char tmpl[] = "/tmp/smm-e2e-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  ASSERT_NE(d, nullptr);
  dir_ = d;
  config_path_ = dir_ + "/config.toml";
  socket_path_ = dir_ + "/panel.sock";
  admin_socket_path_ = dir_ + "/admin.sock";
  journal_path_ = dir_ + "/journal.sqlite";
  log_path_ = dir_ + "/daemon.log";
}

void daemon_env::TearDown() {
  panel_.reset();
  admin_.reset();
  daemon_.reset();  // SIGKILL if a test left it running
  if (HasFailure()) {
    // The daemon's log explains most failures: show its tail.
    std::ifstream in(log_path_);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
    const std::size_t from = lines.size() > 60 ? lines.size() - 60 : 0;
    std::fprintf(stderr, "---- daemon log (last %zu lines) ----\n", lines.size() - from);
    for (std::size_t i = from; i < lines.size(); ++i) std::fprintf(stderr, "%s\n", lines[i].c_str());
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void daemon_env::write_config(const config_spec& spec) {
  std::ostringstream t;
  t << "[daemon]\n"
    << "socket_path = " << json_quote(socket_path_) << "\n"
    << "api_socket_path = " << json_quote(dir_ + "/api.sock") << "\n"
    << "admin_socket_path = " << json_quote(admin_socket_path_) << "\n"
    << "metrics_listen = \"\"\n"
    << "journal_path = " << json_quote(journal_path_) << "\n"
    << "log_level = " << json_quote(spec.log_level) << "\n\n";
  for (const auto& p : spec.providers) {
    t << "[[providers]]\n"
      << "name = " << json_quote(p.name) << "\n"
      << "api_url = \"http://127.0.0.1:" << p.port << "/api/v2\"\n"
      << "key = \"test-key\"\n"
      << "max_in_flight = " << p.max_in_flight << "\n"
      << "requests_per_second = " << p.requests_per_second << "\n"
      << "connect_timeout_ms = 1000\n"
      << "request_timeout_ms = 5000\n"
      << "call_deadline_ms = 8000\n"
      << "status_poll_interval_s = " << p.poll_interval_s << "\n\n";
  }
  for (const auto& s : spec.services) {
    t << "[[services]]\n"
      << "id = " << s.id << "\n"
      << "name = \"service " << s.id << "\"\n"
      << "type = \"Default\"\n"
      << "rate = " << json_quote(s.rate) << "\n"
      << "min = " << s.min << "\n"
      << "max = " << s.max << "\n"
      << "cancel = " << (s.cancel ? "true" : "false") << "\n"
      << "route = [";
    for (std::size_t i = 0; i < s.route.size(); ++i)
      t << (i ? ", " : "") << "{ provider = " << json_quote(s.route[i].first)
        << ", service = " << s.route[i].second << " }";
    t << "]\n\n";
  }
  t << "[policy]\nduplicate_link = " << json_quote(spec.duplicate_link) << "\n";
  if (!spec.journal_dsn.empty())
    t << "\n[journal]\nbackend = \"postgresql\"\ndsn = " << json_quote(spec.journal_dsn) << "\n";
  std::ofstream(config_path_) << t.str();
}

void daemon_env::start_daemon(const std::vector<std::string>& extra_env) {
  panel_.reset();
  admin_.reset();
  daemon_ = std::make_unique<daemon_process>(config_path_, log_path_, extra_env);
  // The socket appears once recovery is done; a stale file from a killed run may exist, so
  // a connection only counts once it answers a ping.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!daemon_->running()) throw std::runtime_error("the daemon exited at start; see " + log_path_);
    try {
      auto c = std::make_unique<unix_client>(socket_path_, 200ms);
      if (is_pong(c->call("{\"id\":0,\"op\":\"ping\"}", 2s))) {
        panel_ = std::move(c);
        return;
      }
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("the daemon did not answer a ping within 20 s");
}

int daemon_env::stop_daemon(int sig, std::chrono::milliseconds timeout) {
  panel_.reset();
  admin_.reset();
  return daemon_ ? daemon_->stop(sig, timeout) : -1;
}

std::string daemon_env::daemon_log() const {
  std::ifstream in(log_path_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<unix_client> daemon_env::connect() { return std::make_unique<unix_client>(socket_path_, 5s); }

std::unique_ptr<unix_client> daemon_env::connect_admin() {
  return std::make_unique<unix_client>(admin_socket_path_, 5s);
}

unix_client& daemon_env::admin() {
  if (!admin_) admin_ = connect_admin();
  return *admin_;
}

add_reply daemon_env::add(unix_client& c, const std::string& panel_id, std::int64_t service,
                          const std::string& link, std::int64_t quantity) {
  const std::string line = "{\"id\":" + std::to_string(next_request_id_++) +
                           ",\"op\":\"add\",\"order\":" + order_json(panel_id, service, link, quantity) + "}";
  return to_add(c.call(line));
}

std::vector<add_reply> daemon_env::add_pipelined(const std::vector<std::string>& panel_ids,
                                                 std::int64_t service, const std::vector<std::string>& links,
                                                 std::int64_t quantity) {
  std::string batch;
  for (std::size_t i = 0; i < panel_ids.size(); ++i)
    batch += "{\"id\":" + std::to_string(next_request_id_++) +
             ",\"op\":\"add\",\"order\":" + order_json(panel_ids[i], service, links[i], quantity) + "}\n";
  panel_->send_raw(batch);
  std::vector<add_reply> out;
  for (std::size_t i = 0; i < panel_ids.size(); ++i) {
    const std::string line = panel_->read_line(15s);
    if (line.empty()) break;  // timed out: the caller sees fewer answers
    out.push_back(to_add(line));
  }
  return out;
}

order_status daemon_env::status(const std::string& panel_id) {
  const std::string line = panel_->call("{\"id\":" + std::to_string(next_request_id_++) +
                                        ",\"op\":\"status\",\"order\":" + json_quote(panel_id) + "}");
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  order_status s;
  s.panel_order_id = panel_id;
  if (p.parse(line).get(doc) != simdjson::SUCCESS) return s;
  bool ok = false;
  if (doc["ok"].get_bool().get(ok) != simdjson::SUCCESS || !ok) return s;
  return to_status(doc["result"]);
}

std::map<std::string, order_status> daemon_env::status_many(const std::vector<std::string>& panel_ids) {
  std::map<std::string, order_status> out;
  constexpr std::size_t chunk = 100;
  for (std::size_t from = 0; from < panel_ids.size(); from += chunk) {
    std::string line = "{\"id\":" + std::to_string(next_request_id_++) + ",\"op\":\"status\",\"orders\":[";
    for (std::size_t i = from; i < std::min(panel_ids.size(), from + chunk); ++i)
      line += (i > from ? "," : "") + json_quote(panel_ids[i]);
    line += "]}";
    const std::string answer = panel_->call(line);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(answer).get(doc) != simdjson::SUCCESS) continue;
    simdjson::dom::array orders;
    if (doc["result"]["orders"].get_array().get(orders) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element o : orders) {
      if (o["order_id"].error() != simdjson::SUCCESS) continue;  // {"panel_order_id","error"}
      order_status s = to_status(o);
      out[s.panel_order_id] = s;
    }
  }
  return out;
}

std::map<std::string, order_status> daemon_env::wait_settled(const std::vector<std::string>& panel_ids,
                                                             std::chrono::milliseconds timeout,
                                                             bool unknown_ok) {
  std::map<std::string, order_status> last;
  eventually(
      [&] {
        last = status_many(panel_ids);
        if (last.size() != panel_ids.size()) return false;
        for (const auto& [id, s] : last)
          if (!is_final_state(s.state) && !(unknown_ok && s.state == "unknown")) return false;
        return true;
      },
      timeout);
  return last;
}

bool daemon_env::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace smm::test
