#include "tests/faults/fault_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace smm::test::faults {
namespace {

using namespace std::chrono_literals;

std::optional<long long> env_number(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::stoll(v);
}

std::string str(simdjson::dom::element e) {
  std::string_view v;
  if (e.get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  std::int64_t n = 0;
  if (e.get_int64().get(n) == simdjson::SUCCESS) return std::to_string(n);
  return {};
}

std::int64_t num(simdjson::dom::element e) {
  std::int64_t v = 0;
  if (e.get_int64().get(v) == simdjson::SUCCESS) return v;
  return 0;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string http_get(unsigned short port, const std::string& target) {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(10s);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return res.body();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

suite_size read_size() {
  suite_size s;
  s.short_form = env_number("SMM_FAULTS_SHORT").value_or(0) != 0;
  s.kills = static_cast<int>(env_number("SMM_FAULTS_KILLS").value_or(s.short_form ? 5 : 20));
  s.orders = static_cast<int>(env_number("SMM_FAULTS_ORDERS").value_or(s.short_form ? 300 : 4000));
  s.kills = std::max(1, s.kills);
  s.orders = std::max(10, s.orders);
  const auto seed = env_number("SMM_FAULTS_SEED");
  s.seed = seed ? static_cast<std::uint64_t>(*seed)
                : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return s;
}

std::optional<std::int64_t> to_micros(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || frac.size() > 6 || (dot != std::string_view::npos && frac.empty()))
    return std::nullopt;
  std::int64_t v = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9' || v > 9'000'000'000'000) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  std::int64_t f = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    const char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + (c - '0');
  }
  const std::int64_t micros = v * 1'000'000 + f;
  return negative ? -micros : micros;
}

std::optional<std::int64_t> expected_refund(const mock_order& upstream, std::int64_t charge_micros,
                                            std::int64_t quantity, std::string& why) {
  if (upstream.status == "Completed") return 0;
  if (upstream.status == "Canceled") return charge_micros;
  if (upstream.status == "Partial") {
    if (!upstream.remains || quantity <= 0) {
      why = "the mock's Partial has no remains";
      return std::nullopt;
    }
    const std::int64_t remains = std::clamp<std::int64_t>(*upstream.remains, 0, quantity);
    // Rounds down: a refund never exceeds the charge.
    __extension__ using wide = __int128;
    return static_cast<std::int64_t>(static_cast<wide>(charge_micros) * remains / quantity);
  }
  why = "the mock's order is not final ('" + upstream.status + "')";
  return std::nullopt;
}

int mock_audit::requests(const std::string& link) const {
  const auto it = by_link.find(link);
  return it == by_link.end() ? 0 : static_cast<int>(it->second.size());
}

int mock_audit::created(const std::string& link) const {
  const auto it = by_link.find(link);
  if (it == by_link.end()) return 0;
  int n = 0;
  for (const std::size_t i : it->second) n += adds[i].order.empty() || adds[i].replayed ? 0 : 1;
  return n;
}

int mock_audit::after_created(const std::string& link) const {
  const auto it = by_link.find(link);
  if (it == by_link.end()) return 0;
  int n = 0;
  bool created_one = false;
  for (const std::size_t i : it->second) {
    if (adds[i].replayed) continue;
    if (created_one) ++n;
    created_one = created_one || !adds[i].order.empty();
  }
  return n;
}

std::string mock_audit::order_of(const std::string& link) const {
  const auto it = by_link.find(link);
  if (it == by_link.end()) return {};
  for (const std::size_t i : it->second)
    if (!adds[i].order.empty()) return adds[i].order;
  return {};
}

std::int64_t mock_audit::count(const std::string& action) const {
  const auto it = counts.find(action);
  return it == counts.end() ? 0 : it->second;
}

mock_audit read_audit(unsigned short port) {
  const std::string body = http_get(port, "/admin/audit");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  mock_audit a;
  for (simdjson::dom::element e : doc["adds"].get_array()) {
    audit_add add;
    add.seq = num(e["seq"]);
    add.link = str(e["link"]);
    if (!e["order"].is_null()) add.order = str(e["order"]);
    if (!e["error"].is_null()) add.error = str(e["error"]);
    if (!e["fault"].is_null()) add.fault = str(e["fault"]);
    if (auto r = e["request_id"]; !r.error() && !r.is_null()) add.request_id = str(r.value());
    bool replayed = false;
    add.replayed = e["replayed"].get_bool().get(replayed) == simdjson::SUCCESS && replayed;
    bool delivered = false;
    add.delivered = e["delivered"].is_null()                                                     ? "pending"
                    : e["delivered"].get_bool().get(delivered) == simdjson::SUCCESS && delivered ? "true"
                                                                                                 : "false";
    a.by_link[add.link].push_back(a.adds.size());
    a.adds.push_back(std::move(add));
  }
  for (auto [action, n] : doc["counts"].get_object()) a.counts[std::string(action)] = num(n);
  return a;
}

std::int64_t action_count(unsigned short port, const std::string& action) {
  const std::string body = http_get(port, "/admin/stats");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  simdjson::dom::element n;
  return doc["counts"][action].get(n) == simdjson::SUCCESS ? num(n) : 0;
}

std::vector<std::int64_t> fault_uses_left(unsigned short port) {
  const std::string body = http_get(port, "/admin/faults");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  std::vector<std::int64_t> out;
  for (simdjson::dom::element r : doc["faults"].get_array()) out.push_back(num(r["remaining"]));
  return out;
}

std::string fleet_config(const std::string& dir, const std::vector<fleet_provider>& providers,
                         const std::vector<fleet_service>& services, int reconcile_interval_s) {
  std::ostringstream t;
  t << "[daemon]\n"
    << "socket_path = " << quote(dir + "/panel.sock") << "\n"
    << "api_socket_path = " << quote(dir + "/api.sock") << "\n"
    << "metrics_listen = \"\"\n"
    << "journal_path = " << quote(dir + "/journal.sqlite") << "\n"
    << "log_level = \"info\"\n";
  if (reconcile_interval_s > 0) t << "reconcile_interval_s = " << reconcile_interval_s << "\n";
  t << "\n";
  for (const auto& p : providers) {
    t << "[[providers]]\n"
      << "name = " << quote(p.name) << "\n"
      << "api_url = \"http://127.0.0.1:" << p.port << "/api/v2\"\n"
      << "key = \"test-key\"\n"
      << "max_in_flight = " << p.max_in_flight << "\n"
      << "requests_per_second = 1000\n"
      << "connect_timeout_ms = 1000\n"
      << "request_timeout_ms = " << p.request_timeout_ms << "\n"
      << "call_deadline_ms = " << p.call_deadline_ms << "\n"
      << "status_poll_interval_s = " << p.poll_interval_s << "\n";
    if (p.idempotency_key) t << "idempotency_key = true\n";
    if (p.bracketing) t << "order_ids_increasing = true\nstatus_own_orders_only = true\n";
    t << "\n";
  }
  for (const auto& s : services) {
    t << "[[services]]\n"
      << "id = " << s.id << "\n"
      << "name = \"service " << s.id << "\"\n"
      << "type = \"Default\"\n"
      << "rate = " << quote(s.rate) << "\n"
      << "min = " << s.min << "\n"
      << "max = " << s.max << "\n"
      << "cancel = " << (s.cancel ? "true" : "false") << "\n";
    if (s.refill_days) t << "refill_days = " << *s.refill_days << "\n";
    t << "route = [";
    for (std::size_t i = 0; i < s.route.size(); ++i)
      t << (i ? ", " : "") << "{ provider = " << quote(s.route[i].first)
        << ", service = " << s.route[i].second << " }";
    t << "]\n\n";
  }
  t << "[policy]\nduplicate_link = \"reject\"\n";
  return t.str();
}

loadgen_process::loadgen_process(const loadgen_args& args, const std::string& dir) : args_(args) {
  out_path_ = dir + "/loadgen-" + args.id_prefix + "out.json";
  err_path_ = dir + "/loadgen-" + args.id_prefix + "err.txt";
  char rate[32], secs[32];
  std::snprintf(rate, sizeof rate, "%.3f", args.rate);
  std::snprintf(secs, sizeof secs, "%.3f", args.max_seconds);
  std::vector<std::string> argv_text{SMM_BINARY_DIR "/tools/loadgen/smm-loadgen",
                                     "--socket",
                                     args.socket_path,
                                     "--connections",
                                     "1",
                                     "--count",
                                     std::to_string(args.count),
                                     "--batch",
                                     std::to_string(args.batch),
                                     "--rate",
                                     rate,
                                     "--window",
                                     std::to_string(args.window),
                                     "--max-seconds",
                                     secs,
                                     "--service",
                                     std::to_string(args.service),
                                     "--quantity",
                                     std::to_string(args.quantity),
                                     "--id-prefix",
                                     args.id_prefix,
                                     "--link-prefix",
                                     args.link_prefix,
                                     "--json"};
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(std::string("cannot start ") + argv[0]);
}

loadgen_process::~loadgen_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

bool loadgen_process::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) != pid_) return true;
  status_ = st;
  pid_ = -1;
  return false;
}

loadgen_result loadgen_process::wait(std::chrono::milliseconds timeout) {
  loadgen_result r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  const int st = status_;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.stderr_text = read_file(err_path_);
  const std::string out = read_file(out_path_);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (out.empty() || p.parse(out).get(doc) != simdjson::SUCCESS) return r;
  r.reported = true;
  r.sent = num(doc["sent"]);
  r.answered = num(doc["answered"]);
  r.accepted = num(doc["accepted"]);
  r.failed_lines = num(doc["failed_lines"]);
  return r;
}

std::string compare_with_upstream(const order_status& s, const std::string& link, const mock_audit& audit,
                                  unsigned short port) {
  if (s.provider_order_id.empty()) return "final without a provider order id";
  const std::string created = audit.order_of(link);
  if (created != s.provider_order_id)
    return "provider order id " + s.provider_order_id + ", but the mock created '" + created +
           "' for its link";
  mock_order upstream;
  try {
    upstream = mock_status(port, s.provider_order_id);
  } catch (const std::exception& e) {
    return std::string("the mock's status of it could not be read: ") + e.what();
  }
  const auto charge = to_micros(s.charge);
  if (!charge) return "charge '" + s.charge + "' is not a decimal";
  std::string why;
  const auto want = expected_refund(upstream, *charge, s.quantity, why);
  if (!want) return why;
  const std::string want_state = upstream.status == "Completed" ? "completed"
                                 : upstream.status == "Partial" ? "partial"
                                                                : "canceled";
  const std::string upstream_text = "mock: " + upstream.status + " remains " +
                                    (upstream.remains ? std::to_string(*upstream.remains) : "none") +
                                    ", quantity " + std::to_string(s.quantity) + ", charge " + s.charge;
  if (s.state != want_state) return "state " + s.state + " (" + upstream_text + ")";
  if (!s.refund) return "a final order without a refund figure (" + upstream_text + ")";
  const auto got = to_micros(*s.refund);
  if (got != want)
    return "refund " + *s.refund + ", expected " + std::to_string(*want) + " micro-units (" + upstream_text +
           ")";
  return {};
}

void findings::add(const std::string& check, const std::string& detail) {
  ++counts_[check];
  auto& ex = examples_[check];
  if (ex.size() < 8) ex.push_back(detail);
}

int findings::count(const std::string& check) const {
  const auto it = counts_.find(check);
  return it == counts_.end() ? 0 : it->second;
}

std::string findings::examples(const std::string& check) const {
  std::string out;
  const auto it = examples_.find(check);
  if (it == examples_.end()) return out;
  for (const auto& e : it->second) out += "  " + e + "\n";
  return out;
}

order_trail trail_of(unix_client& c, const std::string& panel_id, std::int64_t& next_request_id) {
  const std::string line = c.call("{\"id\":" + std::to_string(next_request_id++) +
                                  ",\"op\":\"history\",\"order\":" + quote(panel_id) + "}");
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  simdjson::dom::array events;
  if (p.parse(line).get(doc) != simdjson::SUCCESS || doc["result"]["events"].get_array().get(events))
    throw std::runtime_error("history: " + line.substr(0, 300));
  order_trail t;
  for (simdjson::dom::element e : events) {
    const std::string next = str(e["new_state"]);
    const std::string note = str(e["note"]);
    t.was_unknown = t.was_unknown || next == "unknown";
    if (note.rfind("reconciled at ", 0) == 0) {
      t.reconciled_found = t.reconciled_found || next == "placed";
      t.reconciled_absent = t.reconciled_absent || next == "queued";
    }
    if (note.rfind("reconciliation", 0) == 0 && next == "unknown") t.reconcile_inconclusive = true;
  }
  return t;
}

std::vector<listed_order> list_orders(unix_client& c, const std::string& state,
                                      std::int64_t& next_request_id) {
  std::vector<listed_order> out;
  std::int64_t after = 0;
  for (int page = 0; page < 10000; ++page) {
    const std::string line = c.call("{\"id\":" + std::to_string(next_request_id++) +
                                    ",\"op\":\"orders\",\"state\":" + quote(state) +
                                    ",\"after_id\":" + std::to_string(after) + ",\"limit\":1000}");
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(line).get(doc) != simdjson::SUCCESS) throw std::runtime_error("orders: no answer: " + line);
    simdjson::dom::array orders;
    if (doc["result"]["orders"].get_array().get(orders) != simdjson::SUCCESS)
      throw std::runtime_error("orders: " + line.substr(0, 300));
    for (simdjson::dom::element o : orders) {
      listed_order l;
      l.panel_order_id = str(o["panel_order_id"]);
      l.provider = str(o["provider"]);
      l.provider_order_id = str(o["provider_order_id"]);
      if (!o["refund"].is_null()) l.refund = str(o["refund"]);
      l.note = str(o["note"]);
      out.push_back(std::move(l));
    }
    after = num(doc["result"]["next_after_id"]);
    if (after == 0) break;
  }
  return out;
}

void send_order_ops(unix_client& c, const std::string& op, const std::vector<std::string>& panel_ids,
                    std::int64_t& next_request_id) {
  std::string batch;
  for (const auto& id : panel_ids)
    batch += "{\"id\":" + std::to_string(next_request_id++) + ",\"op\":" + quote(op) +
             ",\"order\":" + quote(id) + "}\n";
  c.send_raw(batch);
}

int drain_answers(unix_client& c, std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int ok = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const std::string line = c.read_line(left);
    if (line.empty()) break;
    if (line.find("\"ok\":true") != std::string::npos) ++ok;
  }
  return ok;
}

}  // namespace smm::test::faults
