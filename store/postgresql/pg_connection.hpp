#pragma once
// Thin RAII wrappers over libpq: a connection, a result, and the errors they raise. Every
// error names the server (host, port, database, user) and never the password: the DSN holds
// it, so neither the DSN nor anything libpq echoes of it is printed (describe_dsn(),
// scrub_password()). Only this directory includes libpq.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smm::store::pg {

/// A failed PostgreSQL call: what was attempted, where, and what the server or libpq said.
class pg_error : public std::runtime_error {
 public:
  pg_error(std::string what, bool connection_lost, std::string sqlstate = {})
      : std::runtime_error(std::move(what)),
        connection_lost_(connection_lost),
        sqlstate_(std::move(sqlstate)) {}
  /// The connection is gone: the caller reconnects before trying again.
  bool connection_lost() const { return connection_lost_; }
  /// The server's SQLSTATE ("40P01"), empty when the error came from libpq.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  bool connection_lost_;
  std::string sqlstate_;
};

/// "host=/tmp/x port=5432 dbname=smm user=smm": the DSN's target without its password (or
/// anything else), for logs and errors. A DSN libpq cannot parse reads "an unparsable DSN".
std::string describe_dsn(const std::string& dsn);

/// `text` with every `password=...` and URI user-info password replaced by "***".
std::string scrub_password(std::string_view text);

/// An owned PGresult.
class pg_result {
 public:
  pg_result() = default;
  explicit pg_result(PGresult* r) : r_(r, &PQclear) {}

  PGresult* get() const { return r_.get(); }
  explicit operator bool() const { return r_ != nullptr; }
  ExecStatusType status() const { return r_ ? PQresultStatus(r_.get()) : PGRES_FATAL_ERROR; }
  /// PGRES_COMMAND_OK or PGRES_TUPLES_OK.
  bool ok() const;
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  std::optional<std::int64_t> opt_integer(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  /// A boolean column ("t"/"f").
  bool boolean(int row, int col) const;
  /// The server's message for a failed result, scrubbed; "" for a good one.
  std::string error() const;
  std::string sqlstate() const;

 private:
  std::shared_ptr<PGresult> r_;
};

/// Parameters as libpq takes them: text, or SQL NULL.
class pg_params {
 public:
  pg_params& add(std::int64_t v);
  pg_params& add(std::string_view v);
  pg_params& add(bool v);
  pg_params& add_null();
  template <class T>
  pg_params& add(const std::optional<T>& v) {
    return v ? add(*v) : add_null();
  }
  int size() const { return static_cast<int>(values_.size()); }
  /// Pointers into this object: valid until it changes or dies.
  const char* const* values();

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<const char*> pointers_;
};

/// One open connection. Thread safety: one thread at a time.
class pg_connection {
 public:
  /// Connects; throws pg_error naming the server (never the password) when it cannot.
  explicit pg_connection(const std::string& dsn);
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  PGconn* get() const { return conn_.get(); }
  /// Where this connection goes, as describe_dsn() says it.
  const std::string& where() const { return where_; }
  bool alive() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

  /// Runs `sql` (one or more statements, no parameters); throws pg_error on failure.
  void exec(const std::string& sql);
  /// Runs one statement with parameters; throws pg_error on failure.
  pg_result query(const std::string& sql, pg_params params = {});
  /// Prepares `sql` under `name` (outside pipeline mode).
  void prepare(const std::string& name, const std::string& sql);
  /// The error for a failed call on this connection: `what`, where, and libpq's message.
  pg_error failure(std::string_view what, const pg_result& r = {}) const;

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string where_;
};

}  // namespace smm::store::pg
