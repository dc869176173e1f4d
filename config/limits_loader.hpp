#pragma once
// [daemon.panel_limits] and [daemon.api_limits]: the per-connection caps of the panel and API v2
// faces, read against the schema with their cross-key rules. Internal to the loader.
#include "config/config.hpp"
#include "config/table_reader.hpp"

namespace smm {

/// Reads both limit tables of `daemon` (absent ones keep their defaults) into `d`; every
/// problem goes to the reader's diagnostics.
void load_connection_limits(table_reader& daemon, diagnostics& diag, daemon_config& d);

}  // namespace smm
