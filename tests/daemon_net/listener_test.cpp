// The listener on a unix socket in a temp dir: the file's mode, the connection cap, stop()
// reaching every connection and closing the ones still open after the grace period, and the
// socket file removed. Waits are bounded safety nets, never timing assertions.
#include "daemon/net/listener.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <filesystem>
#include <thread>

namespace smm::daemon::net {
namespace {

using namespace std::chrono_literals;

// A connection that ignores stop() (as one busy with an answer would) until close(). Its
// pending read keeps it alive (the listener holds connections weakly), as a session's does.
struct held_connection : connection, std::enable_shared_from_this<held_connection> {
  held_connection(unix_socket s, connection_lease l, std::atomic<int>& stops, std::atomic<int>& closes)
      : socket(std::move(s)), lease(std::move(l)), stops_(stops), closes_(closes) {}
  void start() {
    socket.async_read_some(boost::asio::buffer(byte_),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (!ec) return self->start();
                             self->lease.release();
                           });
  }
  void stop() override { ++stops_; }
  void close() override {
    boost::asio::post(socket.get_executor(), [self = shared_from_this()] {
      ++self->closes_;
      boost::system::error_code ignored;
      self->socket.close(ignored);
    });
  }
  char byte_[1];
  unix_socket socket;
  connection_lease lease;
  std::atomic<int>& stops_;
  std::atomic<int>& closes_;
};

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  timeval tv{20, 0};  // safety net
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closed (recv returns 0), false on timeout.
bool closed_by_peer(int fd) {
  char c;
  return ::recv(fd, &c, 1, 0) == 0;
}

class Listener : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/smm-net-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/x.sock";
    listener_ = std::make_unique<listener>(io_.get_executor(), listener_options{"test", 1, 50ms},
                                           spdlog::default_logger());
    listener_->listen_unix(unix_socket_spec{path_, 0640, std::nullopt},
                           [this](unix_socket s, connection_lease l) -> std::shared_ptr<connection> {
                             auto c = std::make_shared<held_connection>(std::move(s), std::move(l), stops_,
                                                                        closes_);
                             c->start();
                             return c;
                           });
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    listener_->stop();
    work_.reset();
    thread_.join();
    listener_.reset();
    std::filesystem::remove_all(dir_);
  }
  bool wait_count(std::size_t n) {
    for (int i = 0; i < 4000 && listener_->connection_count() != n; ++i) std::this_thread::sleep_for(5ms);
    return listener_->connection_count() == n;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::atomic<int> stops_{0}, closes_{0};
  std::string dir_, path_;
  std::unique_ptr<listener> listener_;
  std::thread thread_;
};

TEST_F(Listener, SocketFileGetsTheModeAskedFor) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(Listener, OneOverTheCapIsClosedAtOnceAndStopClosesWhatIsLeftAfterTheGrace) {
  const int first = connect_to(path_);
  ASSERT_GE(first, 0);
  ASSERT_TRUE(wait_count(1));
  const int second = connect_to(path_);
  ASSERT_GE(second, 0);
  EXPECT_TRUE(closed_by_peer(second));  // over the cap of 1
  EXPECT_EQ(listener_->connection_count(), 1u);

  listener_->stop();
  // The connection ignored stop(); the grace period ended it.
  EXPECT_TRUE(closed_by_peer(first));
  EXPECT_TRUE(wait_count(0));
  EXPECT_EQ(stops_.load(), 1);
  EXPECT_EQ(closes_.load(), 1);
  for (int i = 0; i < 4000 && std::filesystem::exists(path_); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(std::filesystem::exists(path_));
  ::close(first);
  ::close(second);
}

TEST(ListenerFiles, ALiveSocketIsNotTakenOverAndARegularFileNotReplaced) {
  char tmpl[] = "/tmp/smm-net-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  boost::asio::io_context io;
  auto none = [](unix_socket, connection_lease) -> std::shared_ptr<connection> { return nullptr; };
  listener a(io.get_executor(), listener_options{"first", 0, 2000ms}, spdlog::default_logger());
  a.listen_unix(unix_socket_spec{dir + "/a.sock", 0660, std::nullopt}, none);
  listener b(io.get_executor(), listener_options{"second", 0, 2000ms}, spdlog::default_logger());
  try {
    b.listen_unix(unix_socket_spec{dir + "/a.sock", 0660, std::nullopt}, none);
    ADD_FAILURE() << "took over a live socket";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "another process is listening on the second socket " + dir + "/a.sock");
  }
  {
    std::FILE* f = std::fopen((dir + "/file").c_str(), "w");
    std::fclose(f);
  }
  EXPECT_THROW(b.listen_unix(unix_socket_spec{dir + "/file", 0660, std::nullopt}, none), std::runtime_error);
  a.stop();
  b.stop();
  io.run();
  EXPECT_FALSE(std::filesystem::exists(dir + "/a.sock"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/file"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace smm::daemon::net
