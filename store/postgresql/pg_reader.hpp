#pragma once
// The PostgreSQL backend of store_reader: the same queries as the SQLite journal_reader, on a
// connection of its own (read committed: each query sees what was committed before it ran).
// A query that finds the connection gone reconnects once and runs again; a second failure
// throws pg_error naming the server.
#include <memory>
#include <string>

#include "store/store.hpp"

namespace smm::store::pg {

class pg_connection;
class pg_params;
class pg_result;

/// Thread safety: one thread at a time per reader; open one reader per thread.
class pg_reader final : public store_reader {
 public:
  /// Connects; throws pg_error naming the server when it cannot.
  explicit pg_reader(std::string dsn);
  ~pg_reader() override;
  pg_reader(const pg_reader&) = delete;
  pg_reader& operator=(const pg_reader&) = delete;

  std::vector<order_row> open_orders() override;
  std::optional<order_row> find_order(const std::string& panel_order_id) override;
  std::optional<order_row> find_order(std::int64_t order_id) override;
  std::optional<std::int64_t> find_by_provider_order(const std::string& provider,
                                                     const std::string& provider_order_id) override;
  std::optional<purged_order> find_purged(const std::string& panel_order_id) override;
  /// In pages of the primary key, so a million final orders never sit in memory at once.
  void for_each_final_panel_id(const std::function<void(std::string_view)>& f) override;
  std::vector<order_row> orders_in_state(std::uint8_t state, std::int64_t after_id,
                                         std::size_t limit) override;
  std::vector<event_row> events_since(std::int64_t after_seq, std::size_t limit) override;
  std::vector<event_row> order_events(std::int64_t order_id) override;
  /// The event clock: every seq at or below it is committed.
  std::int64_t last_event_seq() override;
  std::int64_t last_order_id() override;
  std::vector<std::pair<std::uint8_t, std::int64_t>> count_by_state() override;
  std::vector<provider_pause_row> provider_pauses() override;
  std::optional<refill_row> latest_refill(std::int64_t order_id) override;
  std::vector<refill_row> latest_refills_in(const std::vector<std::uint8_t>& states) override;
  std::optional<std::int64_t> earliest_placement_of_final(std::int64_t final_since,
                                                          const std::vector<std::uint8_t>& states) override;
  /// In pages of the orders_placed_at index.
  void for_each_placement_since(std::int64_t since,
                                const std::function<void(const placement_row&)>& f) override;
  std::optional<bracket_order> last_placed_before(const std::string& provider,
                                                  std::int64_t placed_before) override;
  std::optional<bracket_order> first_sent_after(const std::string& provider, std::int64_t sent_after,
                                                placement_cursor* from, std::size_t max_rows) override;

 private:
  pg_result query(const std::string& sql, pg_params params);

  std::string dsn_;
  std::unique_ptr<pg_connection> conn_;
};

}  // namespace smm::store::pg
