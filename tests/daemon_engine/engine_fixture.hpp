#pragma once
// Shared setup of the engine tests: real mock providers, a config pointing at them, a
// journal in a temporary directory, an io_context on its own thread, and synchronous
// wrappers around the engine's callbacks. Every wait is bounded.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config_error.hpp"
#include "config/loader.hpp"
#include "daemon/engine/engine.hpp"
#include "store/journal.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::daemon::test {

using namespace std::chrono_literals;

/// One add as the mock's audit recorded it.
struct audited_add {
  std::string link;
  std::string service;
  bool placed = false;
  std::string error;
};

/// Every add the mock received, in order.
inline std::vector<audited_add> audit_adds(const smm::test::mock_process& m) {
  const std::string body = m.request("GET", "/admin/audit");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  std::vector<audited_add> out;
  for (simdjson::dom::element add : doc["adds"].get_array()) {
    audited_add a;
    if (auto l = add["link"].get_string(); !l.error()) a.link = std::string(l.value());
    if (auto s = add["service"]; !s.error()) {
      if (s.is_string())
        a.service = std::string(s.get_string().value());
      else if (s.is_int64())
        a.service = std::to_string(s.get_int64().value());
    }
    a.placed = !add["order"].error() && !add["order"].is_null();
    if (auto e = add["error"].get_string(); !e.error()) a.error = std::string(e.value());
    out.push_back(std::move(a));
  }
  return out;
}

/// A temporary directory, removed at the end.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smm-engine-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A provider entry of the test config.
struct provider_spec {
  std::string name;
  const smm::test::mock_process* mock;
};

/// Config text: the given providers, services 1 (Default, 0.90, cancel, refill 30d) and
/// 2 (Custom Comments, 8) routed over them in order, and the duplicate-link policy.
inline std::string config_text(const std::vector<provider_spec>& providers, const std::string& dup_policy,
                               const std::filesystem::path& dir) {
  std::string t = "[daemon]\nsocket_path = \"" + (dir / "panel.sock").string() + "\"\napi_socket_path = \"" +
                  (dir / "api.sock").string() + "\"\njournal_path = \"" + (dir / "journal.sqlite").string() +
                  "\"\n\n[policy]\nduplicate_link = \"" + dup_policy + "\"\n\n";
  for (const auto& p : providers) {
    t += "[[providers]]\nname = \"" + p.name + "\"\napi_url = \"" + p.mock->url() +
         "\"\nkey = \"test-key\"\nmax_in_flight = 8\nrequests_per_second = 1000\nstatus_poll_interval_s = "
         "1\n\n";
  }
  auto route = [&](const std::string& service) {
    std::string r = "route = [";
    for (std::size_t i = 0; i < providers.size(); ++i)
      r += (i ? ", " : "") + std::string("{ provider = \"") + providers[i].name + "\", service = \"" +
           service + "\" }";
    return r + "]\n";
  };
  t += "[[services]]\nid = 1\nname = \"Followers\"\ntype = \"Default\"\nrate = \"0.90\"\nmin = 50\nmax = "
       "10000\n"
       "refill_days = 30\ncancel = true\n" +
       route("1") + "\n";
  t += "[[services]]\nid = 2\nname = \"Comments\"\ntype = \"Custom Comments\"\nrate = \"8\"\nmin = 1\nmax = "
       "1500\n" +
       route("2") + "\n";
  return t;
}

/// An engine over a journal in `dir`, its io_context on a thread.
class engine_harness {
 public:
  engine_harness(const std::string& cfg_text, const std::filesystem::path& dir,
                 std::function<void(engine_options&)> tweak = nullptr) {
    auto loaded = load_config_string(cfg_text, "test.toml", dir.string());
    if (!loaded.value) {
      throw std::runtime_error("config: " + to_string(loaded.errors));
    }
    cfg_ = *loaded.value;
    journal_path_ = (dir / "journal.sqlite").string();
    journal_ = std::make_unique<store::journal>(store::journal_options{journal_path_});
    engine_options o;
    o.dispatch_tick = 5ms;
    o.poll_tick = 50ms;
    o.retry_delay = 200ms;
    o.paused_recheck = 300ms;
    o.refill_poll = 100ms;
    o.balance_interval = 60s;
    o.tune_client = [](const provider_config&, providers::provider_client_options& c) {
      c.transport.connect_timeout = 1000ms;
      c.transport.read_timeout = 2000ms;
      c.transport.write_timeout = 1000ms;
      c.backoff.base = 10ms;
      c.backoff.cap = 50ms;
      c.call_timeout = 5000ms;
    };
    if (tweak) tweak(o);
    engine_ = std::make_unique<engine>(io_, cfg_, *journal_, o);
  }
  ~engine_harness() {
    if (started_) engine_->stop(5s);
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    journal_.reset();  // its last completions post into the stopped io_context, never run
    engine_.reset();
  }

  recovery_report start() {
    auto rep = engine_->start();
    started_ = true;
    thread_ = std::thread([this] { io_.run(); });
    return rep;
  }

  engine& eng() { return *engine_; }
  const std::string& journal_path() const { return journal_path_; }

  std::vector<add_answer> add(std::vector<panel_order> orders) {
    std::promise<std::vector<add_answer>> p;
    auto f = p.get_future();
    engine_->add(std::move(orders), [&p](std::vector<add_answer> a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("add: no answer");
    return f.get();
  }
  add_answer add_one(panel_order o) { return add({std::move(o)}).at(0); }

  std::optional<order_view> status(const std::string& id) {
    std::promise<std::vector<lookup_answer>> p;
    auto f = p.get_future();
    engine_->status({id}, [&p](std::vector<lookup_answer> a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("status: no answer");
    return f.get().at(0).order;
  }

  action_answer resolve(resolution r) {
    std::promise<action_answer> p;
    auto f = p.get_future();
    engine_->resolve(std::move(r), [&p](action_answer a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("resolve: no answer");
    return f.get();
  }

  action_answer refill(const std::string& id, std::optional<std::int64_t> count = std::nullopt) {
    std::promise<action_answer> p;
    auto f = p.get_future();
    engine_->refill(id, count, [&p](action_answer a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("refill: no answer");
    return f.get();
  }

  action_answer refill_status(const std::string& id) {
    std::promise<action_answer> p;
    auto f = p.get_future();
    engine_->refill_status(id, [&p](action_answer a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("refill_status: no answer");
    return f.get();
  }

  action_answer speedup(const std::string& id) {
    std::promise<action_answer> p;
    auto f = p.get_future();
    engine_->speedup(id, [&p](action_answer a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("speedup: no answer");
    return f.get();
  }

  std::vector<action_answer> cancel(std::vector<std::string> ids) {
    std::promise<std::vector<action_answer>> p;
    auto f = p.get_future();
    engine_->cancel(std::move(ids), [&p](std::vector<action_answer> a) { p.set_value(std::move(a)); });
    if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("cancel: no answer");
    return f.get();
  }

  /// Polls `pred` on the order's view until it holds or 60 s pass (a bound, not an assertion).
  bool wait_for(const std::string& id, const std::function<bool(const order_view&)>& pred) {
    const auto end = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < end) {
      if (auto v = status(id); v && pred(*v)) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  config cfg_;
  std::string journal_path_;
  std::unique_ptr<store::journal> journal_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<engine> engine_;
  std::thread thread_;
  bool started_ = false;
};

/// One line about an order, for failure messages.
inline std::string describe(const std::optional<order_view>& v) {
  if (!v) return "(no such order)";
  return std::string(to_string(v->state)) + (v->held ? " held" : "") + " provider=" + v->provider +
         " poid=" + v->provider_order_id + " raw=" + v->raw_status + " note=" + v->note;
}

/// A service-1 order on instagram.com/<link>.
inline panel_order followers(const std::string& id, const std::string& link, std::int64_t qty = 100) {
  panel_order o;
  o.panel_order_id = id;
  o.service_id = 1;
  o.params.link = "https://instagram.com/" + link;
  o.params.quantity = qty;
  return o;
}

/// Collects a subscription's events (thread-safe).
struct event_sink {
  std::mutex m;
  std::vector<event_view> events;
  std::function<void(std::vector<event_view>)> callback() {
    return [this](std::vector<event_view> batch) {
      std::lock_guard lock(m);
      for (auto& e : batch) events.push_back(std::move(e));
    };
  }
  std::vector<event_view> snapshot() {
    std::lock_guard lock(m);
    return events;
  }
};

}  // namespace smm::daemon::test
