#pragma once
// Versioned schema migrations of the PostgreSQL store. The schema_version table holds the
// last migration applied; each migration runs once, in order, in its own transaction, under
// an advisory lock so that daemons starting together migrate once. A database written by a
// newer build (a version above what we know) is refused, never altered.
#include "store/postgresql/pg_connection.hpp"

namespace smm::store::pg {

/// The schema version this build writes.
int current_schema_version();

/// The version the database holds (0: empty).
int schema_version(pg_connection& c);

/// Brings the database up to current_schema_version(). Throws pg_error on failure or when
/// the database is newer than this build understands.
void migrate(pg_connection& c);

}  // namespace smm::store::pg
