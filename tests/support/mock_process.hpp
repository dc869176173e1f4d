#pragma once
// Runs the real smm-mockprovider binary on 127.0.0.1 with a free port, and talks to its admin
// endpoints synchronously. The process is stopped (SIGTERM, then waited for) on destruction.

#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace smm::test {

/// One mock provider process.
class mock_process {
 public:
  /// Extra flags after `--port 0 --key KEY`.
  explicit mock_process(std::vector<std::string> flags = {}, std::string key = "test-key") {
    std::vector<std::string> args{SMM_BINARY_DIR "/tools/mockprovider/smm-mockprovider", "--port", "0",
                                  "--key", std::move(key)};
    for (auto& f : flags) args.push_back(std::move(f));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) throw std::runtime_error(std::string("cannot start ") + argv[0]);
    out_ = fdopen(fds[0], "r");
    char line[256] = {};
    // "listening on 127.0.0.1:PORT"
    if (!std::fgets(line, sizeof line, out_)) throw std::runtime_error("mock printed nothing");
    const std::string s(line);
    const auto colon = s.rfind(':');
    if (s.rfind("listening on ", 0) != 0 || colon == std::string::npos)
      throw std::runtime_error("mock: " + s);
    port_ = static_cast<unsigned short>(std::stoi(s.substr(colon + 1)));
  }
  ~mock_process() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    if (out_) std::fclose(out_);
  }
  mock_process(const mock_process&) = delete;
  mock_process& operator=(const mock_process&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v2"; }

  /// One synchronous request to the mock; returns the body.
  std::string request(const std::string& method, const std::string& target,
                      const std::string& body = {}) const {
    namespace http = boost::beast::http;
    boost::asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
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

  /// Adds a fault rule: form parameters as POST /admin/faults takes them.
  void fault(const std::string& params) const { request("POST", "/admin/faults", params); }
  /// Removes every fault rule.
  void clear_faults() const { request("DELETE", "/admin/faults"); }

  /// What GET /admin/audit says.
  struct audit {
    int adds = 0;         ///< add requests recorded
    int adds_placed = 0;  ///< of them, with an order id
    std::vector<long long> add_times_ms;
    long long requests = 0;
    long long peak_in_flight = 0;
    long long count(const std::string& action) const {
      for (const auto& [a, n] : counts)
        if (a == action) return n;
      return 0;
    }
    std::vector<std::pair<std::string, long long>> counts;
  };
  audit read_audit() const {
    const std::string body = request("GET", "/admin/audit");
    simdjson::dom::parser p;
    simdjson::dom::element doc = p.parse(body);
    audit a;
    for (simdjson::dom::element add : doc["adds"].get_array()) {
      ++a.adds;
      if (!add["order"].is_null()) ++a.adds_placed;
      a.add_times_ms.push_back(add["time_ms"].get_int64());
    }
    for (auto [k, v] : doc["counts"].get_object()) a.counts.emplace_back(std::string(k), v.get_int64());
    a.requests = doc["requests"].get_int64();
    a.peak_in_flight = doc["peak_in_flight"].get_int64();
    return a;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  unsigned short port_ = 0;
};

}  // namespace smm::test
