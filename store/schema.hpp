#pragma once
// Versioned schema migrations for the journal. Each migration runs once, in order, in
// its own transaction; PRAGMA user_version records the last one applied. A journal
// written by a newer daemon (user_version above what we know) is refused, never altered.
#include "store/sqlite.hpp"

namespace smm::store {

/// The schema version this build writes.
int current_schema_version();

/// Brings `db` up to current_schema_version(). Throws sqlite_error on failure or when the
/// file is newer than this build understands.
void migrate(sqlite_db& db);

}  // namespace smm::store
