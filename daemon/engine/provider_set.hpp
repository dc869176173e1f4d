#pragma once
// The providers as the engine uses them: one API client each, whether it is paused (out
// of funds, bad key), its pending adds, and route selection over a service's hops.
// Thread safety: everything but views() on the engine's strand; views() from any thread.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "daemon/engine/engine_options.hpp"
#include "daemon/order_service.hpp"
#include "providers/client/provider_client.hpp"
#include "store/store.hpp"

namespace smm::daemon {

/// One provider and the engine's bookkeeping for it.
struct provider_entry {
  const provider_config* cfg = nullptr;
  std::unique_ptr<providers::provider_client> client;
  bool paused = false;
  std::string pause_reason;
  bool key_refused = false;          ///< the automatic pause is for our key, refused by the provider
  std::size_t adds_in_flight = 0;    ///< adds journaled as sending and not answered yet
  std::deque<std::int64_t> pending;  ///< routed here, waiting for an in-flight slot
  /// Queued orders whose every usable hop is paused, this provider the first: they wait here,
  /// untouched, until it resumes (not re-routed on a timer: a long pause with a large backlog
  /// would cost the strand a pass over all of it every retry_delay).
  std::deque<std::int64_t> parked;
  std::size_t status_calls = 0;      ///< multi-status calls in flight
  std::int64_t next_balance_ms = 0;  ///< steady ms of the next balance check
  bool balance_call = false;         ///< a balance call is in flight
  std::optional<money> balance;
  std::string currency;
  /// The first balance call answered without refusing the key: until then no add goes here,
  /// so a provider with a bad key is paused before any order is sent to it.
  bool key_checked = false;
  /// Paused for funds: the smallest charge refused for funds since the pause; a balance check
  /// resumes the provider only once the balance covers it.
  std::optional<money> funds_needed;
  std::int64_t recheck_ms = 0;    ///< wait before the next balance check while paused (backoff)
  std::int64_t paused_since = 0;  ///< unix seconds of the automatic pause (journaled with it)
  /// Orders waiting only because this provider is paused (its first paused hop): part of
  /// `queued` (order_record::waits_on_paused names the provider that counts an order).
  std::size_t waiting_paused = 0;
};

/// Maps a provider's config to its client's options (rate, deadlines, caps).
providers::provider_client_options client_options(const provider_config& p);

/// All configured providers.
class provider_set {
 public:
  /// Pauses and resumes are journaled in `journal` (schema v4 provider_pauses) when given.
  provider_set(boost::asio::any_io_executor io, const config& cfg, const engine_options& opts,
               store::order_store* journal = nullptr);

  std::size_t size() const { return entries_.size(); }
  provider_entry& at(std::size_t i) { return entries_[i]; }
  /// Index of the provider called `name`, if configured.
  std::optional<std::size_t> index_of(std::string_view name) const;

  /// True when an add may go there: not paused and the breaker not open.
  bool usable(std::size_t i) const;
  /// Paused, automatically or by an operator.
  bool paused(std::size_t i) const;
  /// True when no hop at or after `min_hop` is usable only because of pauses: each configured
  /// hop is paused (so nothing but a resume can change it), and at least one is.
  bool blocked_by_pauses(const service_def& svc, std::size_t min_hop) const;
  /// The first usable hop of the service's route at or after `min_hop`: provider index and hop.
  /// None when no hop is usable, or when the first otherwise usable hop still has its key
  /// checked (`*checking` is then set: the order waits for it rather than skip it).
  std::optional<std::pair<std::size_t, std::size_t>> route(const service_def& svc, std::size_t min_hop,
                                                           bool* checking = nullptr) const;

  /// The first hop at or after `min_hop` whose provider is paused (automatically or by an
  /// operator): the provider whose `queued` counts an order that has no usable hop. -1: none.
  int first_paused(const service_def& svc, std::size_t min_hop) const;

  /// The daemon's own pause (out of funds, invalid key ...) and its lifting, journaled (the
  /// kind follows from `key_refused` and funds_needed).
  void pause(std::size_t i, std::string reason, bool key_refused);
  void resume(std::size_t i);
  /// Journals the daemon's pause again after its funds_needed went down (an add in flight when
  /// the pause came was refused for a smaller charge): a restart resumes at the same balance.
  void funds_needed_changed(std::size_t i);
  /// An operator's pause (smm-dispatchctl): unlike pause(), a good balance never lifts it.
  /// Any thread; journaled before it returns; takes effect at the dispatcher's next step.
  void set_operator_pause(std::size_t i, bool paused, std::string reason);
  /// A pause journaled by an earlier run, restored at start without journaling it again. An
  /// automatic one is rechecked by the balance checks as before (the first one at once).
  void restore(std::size_t i, const store::provider_pause_row& row);
  /// Refreshes the snapshot views() returns (call after a change on the strand): at once when
  /// `now`, else at most every 100 ms (a later call publishes what an earlier one skipped).
  void publish(bool now = false);
  /// A snapshot for the panel and the admin.
  std::vector<provider_view> views() const;

 private:
  std::vector<provider_entry> entries_;
  mutable std::mutex snapshot_mutex_;  // guards snapshot_ and operator_reason_; never held across I/O
  std::vector<provider_view> snapshot_;
  std::unique_ptr<std::atomic<bool>[]> operator_paused_;  // read on the strand, set from any thread
  std::vector<std::string> operator_reason_;
  std::vector<std::int64_t> operator_since_;  // unix seconds of each operator pause
  store::order_store* journal_ = nullptr;
  std::chrono::steady_clock::time_point published_at_{};
  // Per service id: the provider index of each route hop (-1: not configured), so routing an
  // order compares no names. Filled on first use; strand only.
  mutable std::unordered_map<std::int64_t, std::vector<int>> hop_providers_;

  const std::vector<int>& hop_providers(const service_def& svc) const;
  void journal_automatic(std::size_t i);
};

}  // namespace smm::daemon
