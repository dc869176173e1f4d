#pragma once
// The writer's statements: one prepared statement per journal op, each doing in the server
// what the SQLite journal does in several steps (insert or tell a duplicate, update and
// return what it replaced, write the event, record a refund once), so a whole group goes
// out in one pipeline with no round trip between ops. Each event takes its seq from the
// session's event_seq, which the group starts at the locked event_clock; each order that
// moves between states leaves a delta in count_delta, summed into order_counts at commit.
#include <cstdint>
#include <vector>

#include "store/postgresql/pg_connection.hpp"
#include "store/records.hpp"

namespace smm::store::pg {

/// Creates the session's temporary objects and prepares every statement (once per connection,
/// outside pipeline mode).
void prepare_writer(pg_connection& c);

/// Sends the one statement that writes `op` (pipeline mode). `now`: unix seconds, for a purge
/// that names no time.
void send_op(pg_connection& c, const journal_op& op, std::int64_t now);

/// What `op` did, from its statement's result: appends its outcome and event seq to `r`, and
/// the events it wrote to `events` when given. Returns the highest seq it wrote (0: none).
std::int64_t take_op_result(const journal_op& op, const pg_result& res, commit_result& r,
                            std::vector<event_row>* events);

/// Group statements, in the order a group sends them.
void send_begin(pg_connection& c);
/// Locks event_clock (until commit: commit order is seq order) and starts event_seq there;
/// its result holds the last committed seq.
void send_lock_clock(pg_connection& c);
/// Moves event_seq back to `seq` (after a batch rolled back to its savepoint).
void send_reset_seq(pg_connection& c, std::int64_t seq);
/// Adds the group's count deltas to order_counts, moves event_clock to the last seq written
/// (its result: that seq), then reads every count (its result: state, n rows).
void send_finish(pg_connection& c);
void send_commit(pg_connection& c);
void send_rollback(pg_connection& c);
void send_savepoint(pg_connection& c);
void send_release(pg_connection& c);
void send_rollback_to_savepoint(pg_connection& c);
/// Statements send_finish() sends (results to read).
inline constexpr int finish_statements = 3;

}  // namespace smm::store::pg
