#pragma once
// Opens the store the configuration names: the SQLite journal (one daemon, a file) or
// PostgreSQL (one database several daemons may share). The engine takes the order_store it
// returns and opens its readers from it.
#include <cstddef>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace smm::store {

/// Which database holds the store.
enum class backend_kind { sqlite, postgresql };

/// Settings of a store, whichever backend.
struct store_options {
  backend_kind backend = backend_kind::sqlite;
  std::string path;  ///< sqlite: the journal file (created if missing)
  /// postgresql: a libpq connection string (it may hold the password: never printed).
  std::string dsn;
  std::size_t max_batches_per_commit = 512;  ///< batches one transaction takes
  std::size_t max_ops_per_commit = 4096;     ///< ops one transaction takes (a larger batch goes whole)
  /// postgresql: refuse to open when another exclusive writer holds the database (the daemon
  /// does; see pg_options::exclusive). SQLite's file lock is the daemon's own (journal_lock).
  bool exclusive = true;
};

/// Opens (creating and migrating as needed) and starts the writer. Throws with the file, or
/// the server and database (never the password), and the reason when it cannot.
std::unique_ptr<order_store> open_store(const store_options& options);

/// "sqlite" or "postgresql".
const char* to_string(backend_kind kind);

}  // namespace smm::store
