// The socket layer with a scripted order_service: ordering, batching, bad input on a live
// connection, subscriptions, disconnects and stop; which ops the panel and the admin socket
// serve, the admin socket's mode and group, and its audit log with the peer's credentials.
// Loopback only (a unix socket in a temp dir). Waits are bounded safety nets (a hung test
// fails), never timing assertions.
#include <gtest/gtest.h>
#include <poll.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "daemon/panel/panel_listener.hpp"

namespace smm::daemon::panel {
namespace {

using namespace std::chrono_literals;
constexpr auto safety_net = 20s;

// Records every call; answers adds at once unless held, then release() answers them.
class scripted_service : public order_service {
 public:
  struct fake_subscription : subscription {
    explicit fake_subscription(scripted_service& s) : owner(s) {}
    void cancel() override {
      std::lock_guard lock(owner.mutex_);
      owner.sub_canceled_ = true;
      owner.on_events_ = nullptr;
    }
    ~fake_subscription() override { cancel(); }
    scripted_service& owner;
  };

  void add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done) override {
    std::vector<add_answer> answers;
    for (const auto& o : orders) {
      add_answer a;
      a.panel_order_id = o.panel_order_id;
      a.status = add_status::accepted;
      a.state = order_state::queued;
      a.charge = money::from_micros(o.params.quantity.value_or(0) * 1000);
      answers.push_back(a);
    }
    std::unique_lock lock(mutex_);
    for (auto& a : answers) a.order_id = ++next_order_id_;
    add_calls_.push_back(orders.size());
    total_orders_ += orders.size();
    if (hold_adds_) {
      held_.emplace_back([done = std::move(done), answers = std::move(answers)] { done(answers); });
      cv_.notify_all();
      return;
    }
    cv_.notify_all();
    lock.unlock();
    done(std::move(answers));
  }
  void status(std::vector<std::string> ids, std::function<void(std::vector<lookup_answer>)> done) override {
    std::vector<lookup_answer> out;
    for (auto& id : ids)
      out.push_back(lookup_answer{id, std::nullopt, result_code::not_found, "order not found"});
    note("status");
    done(std::move(out));
  }
  void cancel(std::vector<std::string> ids, std::function<void(std::vector<action_answer>)> done) override {
    std::vector<action_answer> out;
    for (auto& id : ids) out.push_back(action_answer{id, result_code::ok, "cancel requested", ""});
    note("cancel");
    done(std::move(out));
  }
  void refill(std::string id, std::optional<std::int64_t>, std::function<void(action_answer)> done) override {
    note("refill");
    done(action_answer{id, result_code::not_eligible, "", "refill window over"});
  }
  void refill_status(std::string id, std::function<void(action_answer)> done) override {
    note("refill_status");
    done(action_answer{id, result_code::ok, "Completed", ""});
  }
  void speedup(std::string id, std::function<void(action_answer)> done) override {
    note("speedup");
    done(action_answer{id, result_code::ok, "eligible", ""});
  }
  void resolve(resolution r, std::function<void(action_answer)> done) override {
    note("resolve");
    done(action_answer{r.panel_order_id, result_code::ok, "resolved", ""});
  }
  std::unique_ptr<subscription> subscribe(std::int64_t after_seq,
                                          std::function<void(std::vector<event_view>)> on_events) override {
    std::lock_guard lock(mutex_);
    subscribed_after_ = after_seq;
    sub_canceled_ = false;
    on_events_ = std::move(on_events);
    cv_.notify_all();
    return std::make_unique<fake_subscription>(*this);
  }
  std::vector<provider_view> providers() override {
    provider_view p;
    p.name = "alpha";
    p.breaker = "closed";
    return {p};
  }
  std::vector<service_def> services() override { return {}; }
  void panel_ids(std::vector<std::int64_t> ids,
                 std::function<void(std::vector<std::optional<std::string>>)> done) override {
    note("panel_ids");
    done(std::vector<std::optional<std::string>>(ids.size()));
  }
  engine_figures figures() const override {
    engine_figures f;
    f.orders_by_state[static_cast<std::size_t>(order_state::queued)] = 3;
    f.intake_accepted = 3;
    return f;
  }
  void list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                   std::function<void(order_page)> done) override {
    note("list_orders " + std::string(to_string(state)) + " " + std::to_string(after_id) + " " +
         std::to_string(limit));
    order_page page;
    order_view v;
    v.panel_order_id = "p" + std::to_string(after_id + 1);
    v.order_id = after_id + 1;
    v.state = state;
    page.orders.push_back(v);
    page.next_after_id = after_id + 1;
    done(std::move(page));
  }
  void history(std::string id, std::function<void(order_history)> done) override {
    note("history " + id);
    order_history h;
    h.panel_order_id = id;
    if (id == "known") {
      h.code = result_code::ok;
      h.order = order_view{};
      h.order->panel_order_id = id;
      event_view e;
      e.seq = 1;
      e.panel_order_id = id;
      h.events.push_back(e);
    } else {
      h.code = result_code::not_found;
      h.error = "order not found";
    }
    done(std::move(h));
  }
  bool set_provider_paused(const std::string& name, bool paused, std::string reason) override {
    note(std::string(paused ? "pause " : "resume ") + name + (reason.empty() ? "" : ": " + reason));
    return name == "alpha";
  }

  // Test side.
  void hold_adds(bool on) {
    std::lock_guard lock(mutex_);
    hold_adds_ = on;
  }
  void release() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& fn : held) fn();
  }
  template <class Pred>
  bool wait_for(Pred pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, safety_net, [&] { return pred(); });
  }
  bool wait_held(std::size_t n) {
    return wait_for([&] { return held_.size() >= n; });
  }
  bool wait_subscribed() {
    return wait_for([&] { return on_events_ != nullptr; });
  }
  bool push_events(std::vector<event_view> events) {
    std::function<void(std::vector<event_view>)> fn;
    {
      std::lock_guard lock(mutex_);
      fn = on_events_;
    }
    if (!fn) return false;
    fn(std::move(events));
    return true;
  }
  std::vector<std::size_t> add_calls() {
    std::lock_guard lock(mutex_);
    return add_calls_;
  }
  std::size_t total_orders() {
    std::lock_guard lock(mutex_);
    return total_orders_;
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::int64_t subscribed_after() {
    std::lock_guard lock(mutex_);
    return subscribed_after_;
  }
  bool sub_canceled() {
    std::lock_guard lock(mutex_);
    return sub_canceled_;
  }

 private:
  void note(std::string what) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(what));
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  bool hold_adds_ = false;
  std::vector<std::function<void()>> held_;
  std::vector<std::size_t> add_calls_;
  std::size_t total_orders_ = 0;
  std::int64_t next_order_id_ = 0;
  std::vector<std::string> calls_;
  std::function<void(std::vector<event_view>)> on_events_;
  std::int64_t subscribed_after_ = -1;
  bool sub_canceled_ = false;
};

// A blocking client over a plain socket, with a receive timeout as the safety net.
class client {
 public:
  explicit client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    timeval tv{static_cast<time_t>(safety_net.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~client() { close(); }
  bool connected() const { return connected_; }
  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // The next line without '\n'; empty on EOF or timeout.
  std::string line() {
    for (;;) {
      const auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string out = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return out;
      }
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // True when the server closed the connection (after any buffered lines).
  bool at_eof() {
    char c;
    return buf_.empty() && ::recv(fd_, &c, 1, 0) == 0;
  }
  bool nothing_pending() {
    char c;
    return buf_.empty() && ::recv(fd_, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Sends what the socket takes without blocking; the bytes taken.
  std::size_t send_some(std::string_view data) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  // Sends all of `data` while reading whatever comes back into the line buffer, so a server
  // that holds back reading until its answers are taken never deadlocks the test.
  bool send_while_reading(std::string_view data) {
    const auto until = std::chrono::steady_clock::now() + safety_net;
    while (!data.empty()) {
      if (std::chrono::steady_clock::now() > until) return false;
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, 1000) < 0) return false;
      if (p.revents & POLLIN) {
        char chunk[65536];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n == 0) return false;
        if (n > 0) buf_.append(chunk, static_cast<std::size_t>(n));
      }
      if (p.revents & POLLOUT) data.remove_prefix(send_some(data));
    }
    return true;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string field(const std::string& line, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line).get(doc)) return "<not json: " + line + ">";
  simdjson::dom::element v;
  if (doc.at_pointer(pointer).get(v)) return "<missing>";
  if (v.is_string()) return std::string(v.get_string().value());
  return simdjson::minify(v);
}

std::string add_line(std::string_view id, std::string_view panel_id, int quantity = 100) {
  return std::string(R"({"id":)") + std::string(id) + R"(,"op":"add","order":{"panel_order_id":")" +
         std::string(panel_id) + R"(","service":1,"link":"https://x.test/a","quantity":)" +
         std::to_string(quantity) + "}}\n";
}

class PanelSocket : public ::testing::Test {
 protected:
  void SetUp() override { start_server({}); }
  void TearDown() override { stop_server(); }

  void start_server(panel_limits limits, reload_hook reload = {}, socket_face face = {}) {
    char tmpl[] = "/tmp/smm-panel-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + (face.role == socket_role::admin ? "/admin.sock" : "/panel.sock");
    listener_ = std::make_unique<panel_listener>(io_.get_executor(), path_, service_, limits,
                                                 std::move(reload), std::move(face));
    listener_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop_server() {
    if (listener_) listener_->stop();
    work_.reset();
    service_.release();
    if (thread_.joinable()) thread_.join();
    listener_.reset();
    std::filesystem::remove_all(dir_);
  }
  bool wait_sessions(std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + safety_net;
    while (listener_->session_count() != n) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  scripted_service service_;
  std::string dir_, path_;
  std::unique_ptr<panel_listener> listener_;
  std::thread thread_;
};

TEST_F(PanelSocket, SocketFileIsMode0660AndPingAnswers) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  client c(path_);
  ASSERT_TRUE(c.connected());
  c.send("{\"id\":\"p\",\"op\":\"ping\"}\n");
  EXPECT_EQ(c.line(), R"({"id":"p","ok":true,"result":{"pong":true}})");
}

TEST_F(PanelSocket, RefusesToStartOverALiveDaemonAndReplacesAStaleFile) {
  panel_listener second(io_.get_executor(), path_, service_);
  EXPECT_THROW(second.start(), std::runtime_error);
  // The first one still serves.
  client c(path_);
  c.send("{\"id\":1,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(c.line(), "/ok"), "true");

  // A socket file nobody listens on is stale: a new listener takes its place.
  const std::string stale = dir_ + "/stale.sock";
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, stale.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  panel_listener third(io_.get_executor(), stale, service_);
  EXPECT_NO_THROW(third.start());
  client c3(stale);
  c3.send("{\"id\":3,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(c3.line(), "/id"), "3");
  third.stop();
  // A regular file is never replaced.
  const std::string regular = dir_ + "/file";
  {
    std::FILE* f = std::fopen(regular.c_str(), "w");
    std::fclose(f);
  }
  panel_listener fourth(io_.get_executor(), regular, service_);
  EXPECT_THROW(fourth.start(), std::runtime_error);
}

TEST_F(PanelSocket, PipelinedAnswersKeepRequestOrderWhileTheEngineIsSlow) {
  service_.hold_adds(true);
  client c(path_);
  c.send(add_line("1", "a") + "{\"id\":2,\"op\":\"ping\"}\n" +
         "{\"id\":3,\"op\":\"status\",\"order\":\"zz\"}\n" + "{\"id\":4,\"op\":\"nope\"}\n");
  ASSERT_TRUE(service_.wait_held(1));
  // ping and the bad op are answered already, but must wait behind the add.
  EXPECT_TRUE(c.nothing_pending());
  EXPECT_TRUE(service_.calls().empty()) << "status reached the engine before the add was answered";
  service_.hold_adds(false);
  service_.release();
  const std::string l1 = c.line(), l2 = c.line(), l3 = c.line(), l4 = c.line();
  EXPECT_EQ(field(l1, "/id"), "1");
  EXPECT_EQ(field(l1, "/result/status"), "accepted");
  EXPECT_EQ(field(l1, "/result/charge"), "0.1");
  EXPECT_EQ(field(l2, "/id"), "2");
  EXPECT_EQ(field(l3, "/id"), "3");
  EXPECT_EQ(field(l3, "/error/code"), "not_found");
  EXPECT_EQ(field(l4, "/id"), "4");
  EXPECT_EQ(field(l4, "/error/code"), "unknown_op");
}

TEST_F(PanelSocket, ConsecutiveAddsInOneReadBecomeOneEngineCall) {
  client c(path_);
  // One send: the three adds arrive in one read and merge; the status splits the run.
  c.send(
      add_line("1", "a") + add_line("2", "b") +
      R"({"id":3,"op":"add","orders":[{"panel_order_id":"c","service":1},{"panel_order_id":"d","service":1}]})"
      "\n" +
      "{\"id\":4,\"op\":\"status\",\"orders\":[\"a\"]}\n" + add_line("5", "e"));
  for (const char* id : {"1", "2", "3", "4", "5"}) EXPECT_EQ(field(c.line(), "/id"), id);
  EXPECT_EQ(service_.add_calls(), (std::vector<std::size_t>{4, 1}));
}

TEST_F(PanelSocket, ManyClientsEachGetTheirOwnAnswersInOrder) {
  constexpr int clients = 16, per_client = 50;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      client c(path_);
      std::string batch;
      for (int i = 0; i < per_client; ++i)
        batch += add_line(std::to_string(k * 1000 + i), "c" + std::to_string(k) + "-" + std::to_string(i));
      c.send(batch);
      for (int i = 0; i < per_client; ++i) {
        const std::string l = c.line();
        if (field(l, "/id") == std::to_string(k * 1000 + i) &&
            field(l, "/result/panel_order_id") == "c" + std::to_string(k) + "-" + std::to_string(i))
          ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), clients * per_client);
  EXPECT_EQ(service_.total_orders(), static_cast<std::size_t>(clients * per_client));
}

TEST_F(PanelSocket, OverlongLineIsTooLargeAndTheConnectionStaysUsable) {
  client c(path_);
  std::string huge =
      R"({"id":1,"op":"ping","pad":")" + std::string(default_max_line_bytes + 10, 'x') + "\"}\n";
  c.send(huge);
  c.send("{\"id\":2,\"op\":\"ping\"}\n");
  const std::string l1 = c.line();
  EXPECT_EQ(field(l1, "/error/code"), "too_large");
  EXPECT_EQ(field(l1, "/id"), "<missing>");
  EXPECT_EQ(field(l1, "/error/message"), "request line is over the 1048576-byte limit");
  EXPECT_EQ(field(c.line(), "/id"), "2");
  // A line of exactly the cap is accepted (and answered: unknown field "pad").
  std::string at_cap = R"({"id":3,"op":"ping","pad":")";
  at_cap += std::string(default_max_line_bytes - at_cap.size() - 2, 'y') + "\"}";
  ASSERT_EQ(at_cap.size(), default_max_line_bytes);
  c.send(at_cap + "\n");
  const std::string l3 = c.line();
  EXPECT_EQ(field(l3, "/id"), "3");
  EXPECT_EQ(field(l3, "/error/message"), "unknown field \"pad\" for op ping");
}

TEST_F(PanelSocket, InvalidUtf8AndNulBytesAreErrorsNotDisconnects) {
  client c(path_);
  c.send("{\"id\":1,\"op\":\"ping\",\"x\":\"\xC3\x28\"}\n");
  c.send(std::string("{\"id\":2,\"op\":\"pi\0ng\"}\n", 22));
  c.send("{\"id\":3,\"op\":\"ping\"}\n");
  const std::string l1 = c.line(), l2 = c.line();
  EXPECT_EQ(field(l1, "/error/message"), "request line is not valid UTF-8");
  EXPECT_EQ(field(l2, "/error/message"), "NUL byte at offset 16 of the request line");
  EXPECT_EQ(field(l2, "/error/code"), "bad_request");
  EXPECT_EQ(field(c.line(), "/id"), "3");
}

TEST_F(PanelSocket, HalfLineThenCloseIsDroppedAndTheServerCarriesOn) {
  {
    client c(path_);
    c.send(R"({"id":1,"op":"add","order":{"panel_order_id":"half")");
    c.shutdown_write();
    EXPECT_TRUE(c.at_eof());
  }
  EXPECT_TRUE(wait_sessions(0));
  EXPECT_EQ(service_.total_orders(), 0u);
  client d(path_);
  d.send("{\"id\":2,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(d.line(), "/id"), "2");
}

TEST_F(PanelSocket, SubscribeStreamsEventsAfterItsAnswer) {
  client c(path_);
  c.send("{\"id\":9,\"op\":\"subscribe\",\"after_seq\":5}\n");
  EXPECT_EQ(c.line(), R"({"id":9,"ok":true,"result":{"subscribed":true,"after_seq":5}})");
  ASSERT_TRUE(service_.wait_subscribed());
  EXPECT_EQ(service_.subscribed_after(), 5);
  event_view e;
  e.seq = 6;
  e.panel_order_id = "a";
  e.new_state = order_state::completed;
  event_view f = e;
  f.seq = 7;
  ASSERT_TRUE(service_.push_events({e}));
  ASSERT_TRUE(service_.push_events({f}));
  EXPECT_EQ(field(c.line(), "/event/seq"), "6");
  const std::string l = c.line();
  EXPECT_EQ(field(l, "/event/seq"), "7");
  EXPECT_EQ(field(l, "/event/new_state"), "completed");
  c.send("{\"id\":10,\"op\":\"subscribe\"}\n");
  EXPECT_EQ(field(c.line(), "/error/code"), "conflict");
  c.send("{\"id\":11,\"op\":\"unsubscribe\"}\n");
  EXPECT_EQ(c.line(), R"({"id":11,"ok":true,"result":{"unsubscribed":true}})");
  EXPECT_TRUE(service_.sub_canceled());
}

TEST_F(PanelSocket, ClientGoneBeforeItsAnswerDoesNotHurtTheServer) {
  service_.hold_adds(true);
  {
    client c(path_);
    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += add_line(std::to_string(i), "g" + std::to_string(i));
    c.send(batch);
    ASSERT_TRUE(service_.wait_held(1));
  }  // closed with answers owed
  service_.hold_adds(false);
  service_.release();
  EXPECT_TRUE(wait_sessions(0));
  client d(path_);
  d.send(add_line("1", "after"));
  EXPECT_EQ(field(d.line(), "/result/status"), "accepted");
}

TEST_F(PanelSocket, EveryPanelOpReachesTheEngine) {
  client c(path_);
  c.send(
      "{\"id\":1,\"op\":\"cancel\",\"orders\":[\"a\",\"b\"]}\n"
      "{\"id\":2,\"op\":\"refill\",\"order\":\"a\",\"current_count\":5}\n"
      "{\"id\":3,\"op\":\"refill_status\",\"order\":\"a\"}\n"
      "{\"id\":4,\"op\":\"speedup\",\"order\":\"a\"}\n"
      "{\"id\":6,\"op\":\"providers\"}\n"
      "{\"id\":7,\"op\":\"services\"}\n");
  EXPECT_EQ(field(c.line(), "/result/orders/1/result"), "cancel requested");
  EXPECT_EQ(field(c.line(), "/error/message"), "refill window over");
  EXPECT_EQ(field(c.line(), "/result/result"), "Completed");
  EXPECT_EQ(field(c.line(), "/result/result"), "eligible");
  EXPECT_EQ(field(c.line(), "/result/providers/0/name"), "alpha");
  EXPECT_EQ(field(c.line(), "/result/services"), "[]");
  EXPECT_EQ(service_.calls(), (std::vector<std::string>{"cancel", "refill", "refill_status", "speedup"}));
}

// Every admin op, as smm-dispatchctl would send it; each must be refused on the panel socket.
constexpr const char* admin_requests =
    "{\"id\":1,\"op\":\"overview\"}\n"
    "{\"id\":2,\"op\":\"orders\",\"state\":\"queued\",\"after_id\":4,\"limit\":2}\n"
    "{\"id\":3,\"op\":\"history\",\"order\":\"known\"}\n"
    "{\"id\":4,\"op\":\"pause\",\"provider\":\"alpha\",\"reason\":\"maintenance\"}\n"
    "{\"id\":5,\"op\":\"resume\",\"provider\":\"alpha\"}\n"
    "{\"id\":6,\"op\":\"resolve\",\"order\":\"a\",\"placed\":false}\n"
    "{\"id\":7,\"op\":\"reload\"}\n";
constexpr int admin_request_count = 7;

class PanelSocketNamingAdmin : public PanelSocket {
 protected:
  void SetUp() override {
    start_server(
        {},
        [this] {
          ++reload_calls_;
          return reload_outcome{true, "reloaded"};
        },
        socket_face{socket_role::panel, "/run/test/admin.sock", std::nullopt, nullptr});
  }
  std::atomic<int> reload_calls_{0};
};

TEST_F(PanelSocketNamingAdmin, RefusesEveryAdminOpAsForbiddenNamingTheAdminSocket) {
  client c(path_);
  c.send(admin_requests);
  const char* ops[] = {"overview", "orders", "history", "pause", "resume", "resolve", "reload"};
  for (int i = 0; i < admin_request_count; ++i) {
    const std::string l = c.line();
    EXPECT_EQ(field(l, "/id"), std::to_string(i + 1)) << l;
    EXPECT_EQ(field(l, "/ok"), "false") << l;
    EXPECT_EQ(field(l, "/error/code"), "forbidden") << l;
    EXPECT_EQ(field(l, "/error/message"),
              std::string("op \"") + ops[i] + "\" is served only on the admin socket /run/test/admin.sock")
        << l;
  }
  // Nothing reached the engine or the reload hook; the connection still serves panel ops.
  EXPECT_TRUE(service_.calls().empty());
  EXPECT_EQ(reload_calls_.load(), 0);
  c.send(add_line("8", "after-forbidden"));
  EXPECT_EQ(field(c.line(), "/result/status"), "accepted");
}

class AdminSocket : public PanelSocket {
 protected:
  void SetUp() override {
    start_server({}, {}, socket_face{socket_role::admin, "/run/test/panel.sock", std::nullopt, nullptr});
  }
};

TEST_F(AdminSocket, FileIsMode0600OwnedByTheDaemonsUser) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST_F(AdminSocket, ServesReadsButNoPanelWrites) {
  client c(path_);
  c.send(
      "{\"id\":1,\"op\":\"status\",\"order\":\"a\"}\n"
      "{\"id\":2,\"op\":\"providers\"}\n"
      "{\"id\":3,\"op\":\"services\"}\n"
      "{\"id\":4,\"op\":\"refill_status\",\"order\":\"a\"}\n"
      "{\"id\":5,\"op\":\"ping\"}\n" +
      add_line("6", "x") +
      "{\"id\":7,\"op\":\"cancel\",\"orders\":[\"a\"]}\n"
      "{\"id\":8,\"op\":\"refill\",\"order\":\"a\"}\n"
      "{\"id\":9,\"op\":\"speedup\",\"order\":\"a\"}\n");
  EXPECT_EQ(field(c.line(), "/error/code"), "not_found");  // status reached the engine
  EXPECT_EQ(field(c.line(), "/result/providers/0/name"), "alpha");
  EXPECT_EQ(field(c.line(), "/result/services"), "[]");
  EXPECT_EQ(field(c.line(), "/result/result"), "Completed");
  EXPECT_EQ(field(c.line(), "/result/pong"), "true");
  for (const char* op : {"add", "cancel", "refill", "speedup"}) {
    const std::string l = c.line();
    EXPECT_EQ(field(l, "/error/code"), "forbidden") << l;
    EXPECT_EQ(field(l, "/error/message"),
              std::string("op \"") + op + "\" is served only on the panel socket /run/test/panel.sock")
        << l;
  }
  EXPECT_EQ(service_.total_orders(), 0u);
  EXPECT_EQ(service_.calls(), (std::vector<std::string>{"status", "refill_status"}));
}

TEST_F(AdminSocket, AdminOpsReachTheEngineInOrder) {
  client c(path_);
  c.send(
      "{\"id\":1,\"op\":\"overview\"}\n"
      "{\"id\":2,\"op\":\"orders\",\"state\":\"queued\",\"after_id\":4,\"limit\":2}\n"
      "{\"id\":3,\"op\":\"history\",\"order\":\"known\"}\n"
      "{\"id\":4,\"op\":\"history\",\"order\":\"nope\"}\n"
      "{\"id\":5,\"op\":\"pause\",\"provider\":\"alpha\",\"reason\":\"maintenance\"}\n"
      "{\"id\":6,\"op\":\"pause\",\"provider\":\"ghost\"}\n"
      "{\"id\":7,\"op\":\"resume\",\"provider\":\"alpha\"}\n"
      "{\"id\":8,\"op\":\"reload\"}\n");
  std::string l = c.line();
  EXPECT_EQ(field(l, "/result/orders/by_state/queued"), "3") << l;
  EXPECT_EQ(field(l, "/result/orders/open"), "3") << l;
  EXPECT_EQ(field(l, "/result/intake/accepted"), "3") << l;
  EXPECT_FALSE(field(l, "/result/version").empty()) << l;
  EXPECT_EQ(field(l, "/result/uptime_s").find_first_not_of("0123456789"), std::string::npos) << l;
  l = c.line();
  EXPECT_EQ(field(l, "/result/orders/0/panel_order_id"), "p5") << l;
  EXPECT_EQ(field(l, "/result/next_after_id"), "5") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/result/order/panel_order_id"), "known") << l;
  EXPECT_EQ(field(l, "/result/events/0/seq"), "1") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/error/code"), "not_found") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/result/paused"), "true") << l;
  EXPECT_EQ(field(l, "/result/reason"), "maintenance") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/error/code"), "not_found") << l;
  EXPECT_EQ(field(l, "/error/message"), "no provider named \"ghost\"") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/id"), "7") << l;
  EXPECT_EQ(field(l, "/result/paused"), "false") << l;
  l = c.line();
  EXPECT_EQ(field(l, "/error/code"), "not_supported") << l;
  EXPECT_EQ(field(l, "/error/message"), "reload not available") << l;
  EXPECT_EQ(service_.calls(),
            (std::vector<std::string>{"list_orders queued 4 2", "history known", "history nope",
                                      "pause alpha: maintenance", "pause ghost: paused by an operator",
                                      "resume alpha"}));
}

TEST_F(PanelSocket, StopWritesInFlightAnswersThenCloses) {
  service_.hold_adds(true);
  client c(path_);
  c.send(add_line("1", "s1"));
  ASSERT_TRUE(service_.wait_held(1));
  listener_->stop();
  service_.release();
  EXPECT_EQ(field(c.line(), "/id"), "1");
  EXPECT_TRUE(c.at_eof());
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(PanelSocket, BulkIntakeIsAnsweredCompletelyInMergedCalls) {
  constexpr int orders = 50'000;
  client c(path_);
  const auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    std::string batch;
    for (int i = 0; i < orders; ++i) {
      batch += add_line(std::to_string(i), "bulk-" + std::to_string(i));
      if (batch.size() > 256 * 1024 || i == orders - 1) {
        c.send(batch);
        batch.clear();
      }
    }
  });
  int in_order = 0;
  for (int i = 0; i < orders; ++i) {
    const std::string l = c.line();
    if (l.empty()) break;
    if (field(l, "/id") == std::to_string(i)) ++in_order;
  }
  writer.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(in_order, orders);
  EXPECT_EQ(service_.total_orders(), static_cast<std::size_t>(orders));
  // Many lines per read: far fewer engine calls than orders.
  EXPECT_LT(service_.add_calls().size(), static_cast<std::size_t>(orders / 10));
  std::printf("bulk intake: %d orders in %.3f s (%.0f orders/s, %zu engine add calls)\n", orders, seconds,
              orders / seconds, service_.add_calls().size());
}

TEST_F(AdminSocket, ResolveReachesTheEngine) {
  client c(path_);
  c.send("{\"id\":5,\"op\":\"resolve\",\"order\":\"a\",\"placed\":false}\n");
  EXPECT_EQ(field(c.line(), "/result/result"), "resolved");
  EXPECT_EQ(service_.calls(), (std::vector<std::string>{"resolve"}));
}

class AdminSocketWithGroup : public PanelSocket {
 protected:
  // The process's own primary group: one it is a member of, so chown succeeds unprivileged.
  void SetUp() override {
    start_server({}, {}, socket_face{socket_role::admin, "/run/test/panel.sock", ::getgid(), nullptr});
  }
};

TEST_F(AdminSocketWithGroup, FileIsMode0660WithTheGroup) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(st.st_gid, ::getgid());
  client c(path_);
  c.send("{\"id\":1,\"op\":\"overview\"}\n");
  EXPECT_EQ(field(c.line(), "/ok"), "true");
}

// The "admin" logger writes into a string for the test's length.
class AdminSocketAudit : public PanelSocket {
 protected:
  void SetUp() override {
    spdlog::drop("admin");
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_, true);
    auto l = std::make_shared<spdlog::logger>("admin", sink);
    l->set_level(spdlog::level::info);
    spdlog::register_logger(l);
    start_server({}, {}, socket_face{socket_role::admin, "/run/test/panel.sock", std::nullopt, nullptr});
  }
  void TearDown() override {
    PanelSocket::TearDown();
    spdlog::drop("admin");
  }
  std::ostringstream log_;
};

TEST_F(AdminSocketAudit, EveryAdminOpIsLoggedWithThePeersUidAndPid) {
  client c(path_);
  c.send(admin_requests);
  for (int i = 0; i < admin_request_count; ++i) EXPECT_FALSE(c.line().empty());
  const std::string log = log_.str();
  const std::string who = "uid " + std::to_string(::getuid()) + " pid " + std::to_string(::getpid()) + ": ";
  for (const char* line : {"overview", "orders state queued after 4 limit 2", "history order \"known\"",
                           "pause provider \"alpha\" reason \"maintenance\"", "resume provider \"alpha\"",
                           "resolve order \"a\" not placed", "reload"})
    EXPECT_NE(log.find(who + line + "\n"), std::string::npos) << "missing: " << who << line << "\n" << log;
}

class AdminSocketWithReload : public PanelSocket {
 protected:
  void SetUp() override {
    start_server(
        {},
        [this] {
          ++reload_calls_;
          return next_ok_
                     ? reload_outcome{true, "reloaded config.toml"}
                     : reload_outcome{false, "config.toml:3: daemon.log_level: expected one of trace, debug"};
        },
        socket_face{socket_role::admin, "/run/test/panel.sock", std::nullopt, nullptr});
  }
  std::atomic<int> reload_calls_{0};
  std::atomic<bool> next_ok_{true};
};

TEST_F(AdminSocketWithReload, ReloadCallsTheHookAndReportsItsOutcome) {
  client c(path_);
  c.send("{\"id\":1,\"op\":\"reload\"}\n");
  std::string l = c.line();
  EXPECT_EQ(field(l, "/result/reloaded"), "true") << l;
  EXPECT_EQ(field(l, "/result/message"), "reloaded config.toml") << l;
  next_ok_ = false;
  c.send("{\"id\":2,\"op\":\"reload\"}\n");
  l = c.line();
  EXPECT_EQ(field(l, "/error/code"), "invalid") << l;
  EXPECT_EQ(field(l, "/error/message"), "config.toml:3: daemon.log_level: expected one of trace, debug") << l;
  EXPECT_EQ(reload_calls_.load(), 2);
}

class PanelSocketShortTimeout : public PanelSocket {
 protected:
  void SetUp() override {
    panel_limits limits;
    limits.partial_line_timeout = 100ms;
    start_server(limits);
  }
};

TEST_F(PanelSocketShortTimeout, HalfWrittenLineTooOldClosesTheConnection) {
  client c(path_);
  c.send("{\"id\":1,\"op\":\"ping\"}\n{\"id\":2,");
  EXPECT_EQ(field(c.line(), "/id"), "1");
  // One line saying why, then the end.
  const std::string l = c.line();
  EXPECT_EQ(field(l, "/error/code"), "timeout") << l;
  EXPECT_EQ(field(l, "/error/message"),
            "request line not finished within 100 ms (panel_limits.partial_line_timeout_ms): closing the "
            "connection")
      << l;
  EXPECT_EQ(field(l, "/id"), "<missing>");
  EXPECT_TRUE(c.at_eof());
}

TEST_F(PanelSocketShortTimeout, IdleConnectionWithoutHalfLineStaysOpen) {
  client c(path_);
  c.send("{\"id\":1,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(c.line(), "/id"), "1");
  std::this_thread::sleep_for(300ms);  // three timeouts' worth of idleness
  c.send("{\"id\":2,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(c.line(), "/id"), "2");
}

// Small caps, so a test reaches them with little data.
class PanelSocketSmallCaps : public PanelSocket {
 protected:
  static constexpr std::size_t cap = 64 * 1024;
  void SetUp() override {
    panel_limits limits;
    limits.max_line_bytes = 4096;
    limits.max_input_bytes = cap;
    limits.max_output_bytes = cap;
    start_server(limits);
  }
};

std::string status_line(int id) {
  return "{\"id\":" + std::to_string(id) + ",\"op\":\"status\",\"order\":\"order-" + std::to_string(id) +
         "\"}\n";
}

TEST_F(PanelSocketSmallCaps, ASubscriberThatNeverReadsGetsOneOutputLimitLineAndIsClosed) {
  client c(path_);
  c.send("{\"id\":1,\"op\":\"subscribe\"}\n");
  EXPECT_EQ(field(c.line(), "/result/subscribed"), "true");
  ASSERT_TRUE(service_.wait_subscribed());
  // Far more than the cap and the kernel's buffers, while the client reads nothing.
  constexpr int count = 20000;
  std::vector<event_view> events;
  for (int i = 1; i <= count; ++i) {
    event_view e;
    e.seq = i;
    e.panel_order_id = "order-" + std::to_string(i);
    e.new_state = order_state::completed;
    events.push_back(e);
  }
  ASSERT_TRUE(service_.push_events(events));
  // What was on the wire already (events in seq order, perhaps none), one error line, the end.
  std::int64_t last_seq = 0;
  std::vector<std::string> errors;
  for (std::string l = c.line(); !l.empty(); l = c.line()) {
    if (field(l, "/ok") == "false") {
      errors.push_back(l);
      continue;
    }
    ASSERT_TRUE(errors.empty()) << "a line after the error line: " << l;
    ASSERT_EQ(field(l, "/event/seq"), std::to_string(last_seq + 1)) << l;
    ++last_seq;
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(field(errors[0], "/error/code"), "output_limit") << errors[0];
  EXPECT_EQ(
      field(errors[0], "/error/message"),
      "more than 65536 bytes of answers and events not taken by the client "
      "(panel_limits.max_output_bytes): closing the connection; subscribe again with after_seq to resume");
  EXPECT_LT(last_seq, count);
  EXPECT_TRUE(service_.sub_canceled());
  EXPECT_TRUE(wait_sessions(0));
  // Others are served as before.
  client d(path_);
  d.send("{\"id\":2,\"op\":\"ping\"}\n");
  EXPECT_EQ(field(d.line(), "/id"), "2");
}

TEST_F(PanelSocketSmallCaps, APipeliningClientThatReadsLateIsHeldBackNotCut) {
  // Many times the output cap in answers: while they are not taken, the session stops
  // reading and starting requests instead of queueing answers past the cap.
  constexpr int count = 20000;
  std::string lines;
  for (int i = 1; i <= count; ++i) lines += status_line(i);
  client c(path_);
  std::string_view rest = lines;
  rest.remove_prefix(c.send_some(rest));
  while (!rest.empty()) {
    const std::size_t n = c.send_some(rest);
    if (n == 0) break;  // the kernel's buffers are full: the session is not reading
    rest.remove_prefix(n);
  }
  ASSERT_FALSE(rest.empty()) << "the session read every request although nobody took its answers";
  ASSERT_TRUE(c.send_while_reading(rest));
  for (int i = 1; i <= count; ++i) {
    const std::string l = c.line();
    ASSERT_EQ(field(l, "/id"), std::to_string(i)) << l;
    ASSERT_EQ(field(l, "/error/code"), "not_found") << l;
  }
}

class PanelSocketSmallCapsShortTimeout : public PanelSocket {
 protected:
  void SetUp() override {
    panel_limits limits;
    limits.max_line_bytes = 4096;
    limits.max_input_bytes = 64 * 1024;
    limits.max_output_bytes = 64 * 1024;
    limits.partial_line_timeout = 100ms;
    start_server(limits);
  }
};

TEST_F(PanelSocketSmallCapsShortTimeout, AHalfLineWaitingOnTheSessionsOwnPauseIsNotCut) {
  // Reads end mid-line; when the session then stops reading (its answers are not taken), the
  // half line it holds waits on the session, not on the client: no timeout for it.
  constexpr int count = 20000;
  std::string lines;
  for (int i = 1; i <= count; ++i) lines += status_line(i);
  client c(path_);
  std::string_view rest = lines;
  for (std::size_t n = c.send_some(rest); n > 0; n = c.send_some(rest)) rest.remove_prefix(n);
  ASSERT_FALSE(rest.empty());
  std::this_thread::sleep_for(500ms);  // five timeouts' worth of the session's pause
  ASSERT_TRUE(c.send_while_reading(rest));
  for (int i = 1; i <= count; ++i) {
    const std::string l = c.line();
    ASSERT_EQ(field(l, "/id"), std::to_string(i)) << l;
  }
}

TEST_F(PanelSocketSmallCaps, RequestsPileUpInTheKernelNotInTheSessionWhileTheEngineIsBehind) {
  service_.hold_adds(true);
  constexpr int count = 20000;  // about 2 MB of adds: far over the 64 KiB input cap
  std::string lines;
  for (int i = 1; i <= count; ++i) lines += add_line(std::to_string(i), "p" + std::to_string(i));
  client c(path_);
  std::string_view rest = lines;
  std::size_t taken = 0;
  for (std::size_t n = c.send_some(rest); n > 0; n = c.send_some(rest)) {
    rest.remove_prefix(n);
    taken += n;
  }
  ASSERT_TRUE(service_.wait_held(1));
  // The session read up to its cap (and one read more), the kernel holds its buffers' worth;
  // without the cap it would have read until 100,000 requests were pending.
  EXPECT_LT(taken, std::size_t{1} << 20) << "the session kept reading past max_input_bytes";
  ASSERT_FALSE(rest.empty());
  service_.hold_adds(false);
  service_.release();
  ASSERT_TRUE(c.send_while_reading(rest));
  for (int i = 1; i <= count; ++i) {
    const std::string l = c.line();
    ASSERT_EQ(field(l, "/id"), std::to_string(i)) << l;
    ASSERT_NE(l.find("\"status\":\"accepted\""), std::string::npos) << l;
  }
  EXPECT_EQ(service_.total_orders(), static_cast<std::size_t>(count));
}

}  // namespace
}  // namespace smm::daemon::panel
