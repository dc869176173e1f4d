#include "store/postgresql/pg_connection.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace smm::store::pg {
namespace {

bool iequal_prefix(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  return true;
}

// Where a `key=value` value ends: a quoted one at its closing quote, else at white space.
std::size_t value_end(std::string_view text, std::size_t from) {
  if (from < text.size() && text[from] == '\'') {
    for (std::size_t i = from + 1; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '\'') {
        return i + 1;
      }
    }
    return text.size();
  }
  std::size_t i = from;
  while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// The ":password" of "scheme://user:password@host" masked, for every URI in `text`.
void scrub_uri_userinfo(std::string& text) {
  for (std::size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    const std::size_t start = at + 3;
    std::size_t end = start;
    while (end < text.size() && text[end] != '@' && text[end] != '/' &&
           !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    if (end >= text.size() || text[end] != '@') continue;
    const std::size_t colon = text.find(':', start);
    if (colon == std::string::npos || colon > end) continue;
    text.replace(colon + 1, end - colon - 1, "***");
  }
}

}  // namespace

std::string scrub_password(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    if (iequal_prefix(in, i, "password") &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(in[i - 1])))) {
      std::size_t j = i + 8;
      while (j < in.size() && in[j] == ' ') ++j;
      if (j < in.size() && in[j] == '=') {
        ++j;
        while (j < in.size() && in[j] == ' ') ++j;
        out.append(in.substr(i, j - i));
        out += "***";
        i = value_end(in, j);
        continue;
      }
    }
    out += in[i++];
  }
  scrub_uri_userinfo(out);
  return out;
}

std::string describe_dsn(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (err != nullptr) PQfreemem(err);  // its text may quote the DSN: never shown
  if (opts == nullptr) return "an unparsable DSN";
  // Where the server is and who we are there, in this order; nothing else of the DSN.
  constexpr std::array<std::string_view, 5> shown = {"host", "hostaddr", "port", "dbname", "user"};
  std::array<std::string, shown.size()> values;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o)
    for (std::size_t i = 0; i < shown.size(); ++i)
      if (shown[i] == o->keyword && o->val != nullptr) values[i] = o->val;
  PQconninfoFree(opts);
  std::string out;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (values[i].empty()) continue;
    if (!out.empty()) out += ' ';
    out += std::string(shown[i]) + "=" + values[i];
  }
  return out.empty() ? "the default server (libpq defaults)" : out;
}

bool pg_result::ok() const {
  const auto s = status();
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string pg_result::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t pg_result::integer(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  const char* end = v + PQgetlength(r_.get(), row, col);
  std::int64_t out = 0;
  const auto [p, ec] = std::from_chars(v, end, out);
  if (ec != std::errc{} || p != end)
    throw pg_error("PostgreSQL returned '" + std::string(v, end) +
                       "' where an integer was expected (column " + std::to_string(col) + ")",
                   false);
  return out;
}

std::optional<std::int64_t> pg_result::opt_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return integer(row, col);
}

std::optional<std::string> pg_result::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

bool pg_result::boolean(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  return v[0] == 't';
}

std::string pg_result::error() const {
  if (!r_) return "no result";
  std::string msg = PQresultErrorMessage(r_.get());
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return scrub_password(msg);
}

std::string pg_result::sqlstate() const {
  if (!r_) return {};
  const char* s = PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE);
  return s != nullptr ? s : "";
}

pg_params& pg_params::add(std::int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}

pg_params& pg_params::add(std::string_view v) {
  values_.emplace_back(std::string(v));
  return *this;
}

pg_params& pg_params::add(bool v) {
  values_.emplace_back(v ? "t" : "f");
  return *this;
}

pg_params& pg_params::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

const char* const* pg_params::values() {
  pointers_.clear();
  for (const auto& v : values_) pointers_.push_back(v ? v->c_str() : nullptr);
  return pointers_.data();
}

pg_connection::pg_connection(const std::string& dsn) : conn_(nullptr, &PQfinish), where_(describe_dsn(dsn)) {
  // Defaults the DSN may override (it comes after them): a bounded connect, a name in
  // pg_stat_activity.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "smm-dispatchd", dsn.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (conn_ == nullptr) throw pg_error("cannot connect to PostgreSQL at " + where_ + ": out of memory", true);
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn_.get());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw pg_error("cannot connect to PostgreSQL at " + where_ + ": " + scrub_password(msg), true);
  }
  // Our own messages are in English whatever the server's locale; notices stay quiet.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
}

pg_error pg_connection::failure(std::string_view what, const pg_result& r) const {
  // libpq may still report CONNECTION_OK right after a failed write to a closed socket: an
  // error the server did not send (no SQLSTATE), a connection exception (class 08) or the
  // server shutting down (57P01..57P03) mean the connection is gone as well.
  const std::string state = r.sqlstate();
  const bool lost = !alive() || state.empty() || state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
  std::string why = r ? r.error() : "";
  if (why.empty()) {
    why = PQerrorMessage(conn_.get());
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    why = scrub_password(why);
  }
  return pg_error(
      std::string(what) + " on PostgreSQL at " + where_ + (lost ? " (connection lost)" : "") + ": " + why,
      lost, state);
}

void pg_connection::exec(const std::string& sql) {
  pg_result r(PQexec(conn_.get(), sql.c_str()));
  if (!r.ok()) throw failure("statement failed", r);
}

pg_result pg_connection::query(const std::string& sql, pg_params params) {
  pg_result r(
      PQexecParams(conn_.get(), sql.c_str(), params.size(), nullptr, params.values(), nullptr, nullptr, 0));
  if (!r.ok()) throw failure("query failed", r);
  return r;
}

void pg_connection::prepare(const std::string& name, const std::string& sql) {
  pg_result r(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
  if (!r.ok()) throw failure("preparing " + name + " failed", r);
}

}  // namespace smm::store::pg
