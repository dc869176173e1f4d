#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.
// They throw sqlite_error (with the statement's text and SQLite's message) so callers
// cannot forget a return code; the journal catches at its boundary.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smm::store {

/// A failed SQLite call: what was attempted and what SQLite said.
class sqlite_error : public std::runtime_error {
 public:
  sqlite_error(std::string what, int code) : std::runtime_error(std::move(what)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

/// An open database connection. Thread safety: one thread at a time.
class sqlite_db {
 public:
  sqlite_db() = default;
  explicit sqlite_db(const std::string& path, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ~sqlite_db();
  sqlite_db(sqlite_db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  sqlite_db& operator=(sqlite_db&& o) noexcept;
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  /// Runs one or more statements that return no rows.
  void exec(std::string_view sql);
  /// The first column of the first row of `sql`, as an integer.
  std::int64_t query_int(std::string_view sql);
  sqlite3* get() const { return db_; }
  /// SQLite's last error message for this connection.
  std::string last_error() const;

 private:
  sqlite3* db_ = nullptr;
};

/// A prepared statement, reset after each use.
class sqlite_stmt {
 public:
  sqlite_stmt() = default;
  sqlite_stmt(sqlite_db& db, std::string_view sql);
  ~sqlite_stmt();
  sqlite_stmt(sqlite_stmt&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  sqlite_stmt& operator=(sqlite_stmt&& o) noexcept;
  sqlite_stmt(const sqlite_stmt&) = delete;
  sqlite_stmt& operator=(const sqlite_stmt&) = delete;

  /// Binds by 1-based index. Strings are copied by SQLite (SQLITE_TRANSIENT).
  sqlite_stmt& bind(int i, std::int64_t v);
  sqlite_stmt& bind(int i, std::string_view v);
  sqlite_stmt& bind_null(int i);
  template <class T>
  sqlite_stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  /// Steps once: true while a row is available, false when done. Throws on error.
  bool step();
  /// Steps to completion and resets; returns sqlite3_changes for the statement.
  int run();
  void reset();

  std::int64_t column_int(int i) const { return sqlite3_column_int64(st_, i); }
  bool column_is_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
  std::optional<std::int64_t> column_opt_int(int i) const {
    return column_is_null(i) ? std::nullopt : std::optional<std::int64_t>(column_int(i));
  }
  std::string column_text(int i) const;

 private:
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace smm::store
