#include "store/sqlite.hpp"

namespace smm::store {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what, int rc) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw sqlite_error(std::move(msg), rc);
}

// Before the first connection: no global memory statistics. With them on (SQLite's default)
// every allocation takes a process-wide mutex, which the writer and the readers would share.
// Every connection is used by one thread at a time (NOMUTEX below), so nothing else changes.
void configure_sqlite_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  (void)done;
}

}  // namespace

sqlite_db::sqlite_db(const std::string& path, int flags) {
  configure_sqlite_once();
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open journal " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw sqlite_error(std::move(msg), rc);
  }
  sqlite3_extended_result_codes(db_, 1);
}

sqlite_db::~sqlite_db() { sqlite3_close_v2(db_); }

sqlite_db& sqlite_db::operator=(sqlite_db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

void sqlite_db::exec(std::string_view sql) {
  const std::string s(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = "sql failed (" + s.substr(0, 60) + "): " + (err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    throw sqlite_error(std::move(msg), rc);
  }
}

std::int64_t sqlite_db::query_int(std::string_view sql) {
  sqlite_stmt st(*this, sql);
  if (!st.step()) throw sqlite_error("query returned no row: " + std::string(sql), SQLITE_DONE);
  return st.column_int(0);
}

std::string sqlite_db::last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

sqlite_stmt::sqlite_stmt(sqlite_db& db, std::string_view sql) {
  const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
  if (rc != SQLITE_OK) fail(db.get(), "prepare " + std::string(sql.substr(0, 60)), rc);
}

sqlite_stmt::~sqlite_stmt() { sqlite3_finalize(st_); }

sqlite_stmt& sqlite_stmt::operator=(sqlite_stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(st_);
    st_ = o.st_;
    o.st_ = nullptr;
  }
  return *this;
}

sqlite_stmt& sqlite_stmt::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(st_, i, v);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(st_), "bind", rc);
  return *this;
}

sqlite_stmt& sqlite_stmt::bind(int i, std::string_view v) {
  const int rc = sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(st_), "bind", rc);
  return *this;
}

sqlite_stmt& sqlite_stmt::bind_null(int i) {
  const int rc = sqlite3_bind_null(st_, i);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(st_), "bind", rc);
  return *this;
}

bool sqlite_stmt::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(st_) ? sqlite3_sql(st_) : "";
  sqlite3_reset(st_);
  fail(sqlite3_db_handle(st_), "step " + sql.substr(0, 60), rc);
}

int sqlite_stmt::run() {
  while (step()) {
  }
  const int changes = sqlite3_changes(sqlite3_db_handle(st_));
  reset();
  return changes;
}

void sqlite_stmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

std::string sqlite_stmt::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i))) : std::string();
}

}  // namespace smm::store
