#pragma once
// Test support: a throwaway PostgreSQL cluster. initdb in a fresh temporary directory, then
// the server itself as a child process listening only on a unix socket in that directory (no
// TCP), trust authentication for the cluster's one user. The server refuses to run as root,
// so when the tests run as root the cluster belongs to `nobody`: the directory is chowned to
// it and initdb and postgres drop to it (setgroups/setgid/setuid) before exec.
//
// Teardown never depends on the test ending well: the destructor stops the server with
// SIGQUIT (pg_ctl stop -m immediate) and SIGKILL after a bound, and the server is started
// with PR_SET_PDEATHSIG, so a test process that crashes or is killed takes its server with
// it (its backends exit on their postmaster's death). The binaries come from SMM_PG_BINDIR,
// else the newest /usr/lib/postgresql/<version>/bin (Debian's postgresql package).
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace smm::test {

/// One PostgreSQL cluster for the life of this object.
/// Thread safety: construct, restart and destroy from one thread.
class pg_server {
 public:
  /// `durable`: fsync on (benchmarks); off makes the tests fast and changes no semantics.
  explicit pg_server(bool durable = false) : durable_(durable) {
    bindir_ = find_bindir();
    char tmpl[] = "/tmp/smm-pgtest-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("pg_server: mkdtemp failed");
    dir_ = tmpl;
    pick_user();
    if (run_as_ && ::chown(dir_.c_str(), uid_, gid_) != 0)
      throw std::runtime_error("pg_server: chown " + dir_);
    run_and_wait({bindir_ + "/initdb", "-D", data_dir(), "-A", "trust", "-U", "smm", "-E", "UTF8",
                  "--no-locale", "--no-sync"},
                 dir_ + "/initdb.log");
    start();
  }
  ~pg_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  /// Starts the server (again) and waits until it accepts connections.
  void start() {
    if (pid_ > 0) return;
    std::vector<std::string> args = {bindir_ + "/postgres",
                                     "-D",
                                     data_dir(),
                                     "-k",
                                     dir_,
                                     "-c",
                                     "listen_addresses=",
                                     "-c",
                                     "max_connections=100",
                                     "-c",
                                     std::string("fsync=") + (durable_ ? "on" : "off"),
                                     "-c",
                                     "full_page_writes=" + std::string(durable_ ? "on" : "off")};
    pid_ = spawn(args, dir_ + "/postgres.log", true);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (PQping(dsn().c_str()) != PQPING_OK) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("pg_server: postgres exited at start; see " + log_text("postgres.log"));
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("pg_server: postgres did not accept connections within 30 s: " +
                                 log_text("postgres.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  /// Immediate shutdown (pg_ctl stop -m immediate): every connection drops at once.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGQUIT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

  /// A libpq connection string for `db` on this server (unix socket, no password).
  std::string dsn(const std::string& db = "postgres") const {
    return "host=" + dir_ + " port=5432 user=smm dbname=" + db;
  }

  /// Creates an empty database and returns its DSN.
  std::string create_database(const std::string& name) {
    exec("postgres", "CREATE DATABASE " + name);
    return dsn(name);
  }

  /// Runs `sql` on `db` (test setup: triggers, schema tampering, terminating backends).
  void exec(const std::string& db, const std::string& sql) {
    PGconn* c = PQconnectdb(dsn(db).c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("pg_server: " + sql + ": " + error);
  }

  /// The rows of `sql` on `db`, each as its columns' text (NULL as "").
  std::vector<std::vector<std::string>> rows(const std::string& db, const std::string& sql) {
    PGconn* c = PQconnectdb(dsn(db).c_str());
    std::vector<std::vector<std::string>> out;
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
      for (int i = 0; error.empty() && i < PQntuples(r); ++i) {
        out.emplace_back();
        for (int j = 0; j < PQnfields(r); ++j) out.back().emplace_back(PQgetvalue(r, i, j));
      }
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("pg_server: " + sql + ": " + error);
    return out;
  }

  const std::string& dir() const { return dir_; }

 private:
  std::string data_dir() const { return dir_ + "/data"; }

  static std::string find_bindir() {
    if (const char* env = std::getenv("SMM_PG_BINDIR")) return env;
    std::string best;
    int best_version = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const int v = std::atoi(e.path().filename().c_str());
      if (v > best_version && std::filesystem::exists(e.path() / "bin" / "initdb")) {
        best_version = v;
        best = (e.path() / "bin").string();
      }
    }
    if (best.empty())
      throw std::runtime_error(
          "pg_server: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); run "
          "scripts/install-deps.sh (package postgresql) or set SMM_PG_BINDIR");
    return best;
  }

  // Root may not run the server: the cluster belongs to nobody then.
  void pick_user() {
    if (::geteuid() != 0) return;
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) throw std::runtime_error("pg_server: running as root and there is no user 'nobody'");
    run_as_ = true;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }

  // Starts `args` as the cluster's user, stdout and stderr to `log`.
  pid_t spawn(const std::vector<std::string>& args, const std::string& log, bool die_with_parent) {
    // Built before fork: the child of a threaded process may only make async-signal-safe calls.
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("pg_server: fork failed");
    if (pid > 0) return pid;
    // Child: only async-signal-safe calls from here to exec.
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before the line above
    }
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    if (run_as_ && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  void run_and_wait(const std::vector<std::string>& args, const std::string& log) {
    const pid_t pid = spawn(args, log, false);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("pg_server: " + args[0] + " failed: " + log_text("initdb.log"));
  }

  std::string log_text(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  bool durable_;
  std::string bindir_;
  std::string dir_;
  bool run_as_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  pid_t pid_ = -1;
};

}  // namespace smm::test
