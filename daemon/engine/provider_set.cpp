#include "daemon/engine/provider_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace smm::daemon {

namespace {

std::string breaker_name(providers::breaker_state_view b) {
  switch (b) {
    case providers::breaker_state_view::open:
      return "open";
    case providers::breaker_state_view::half_open:
      return "half_open";
    case providers::breaker_state_view::closed:
      break;
  }
  return "closed";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The kind a pause is journaled as (provider_pauses.kind).
std::string automatic_kind(const provider_entry& e) {
  if (e.key_refused) return "invalid_key";
  if (e.funds_needed) return "funds";
  return "other";
}

}  // namespace

providers::provider_client_options client_options(const provider_config& p) {
  providers::provider_client_options o;
  o.name = p.name;
  o.url = p.api_url;
  o.key = p.key.reveal();
  switch (p.style) {
    case request_style::form:
      o.request.style = providers::request_style::form_post;
      break;
    case request_style::get:
      o.request.style = providers::request_style::get_query;
      break;
    case request_style::json:
      o.request.style = providers::request_style::json_post;
      break;
  }
  o.request.key =
      p.key_in == key_placement::header ? providers::key_placement::header : providers::key_placement::body;
  o.transport.connect_timeout = p.connect_timeout;
  o.transport.read_timeout = p.request_timeout;
  o.transport.write_timeout = p.request_timeout;
  o.transport.tls_verify = p.tls_verify;
  if (p.ca_file) o.transport.ca_file = p.ca_file->string();
  o.max_in_flight = static_cast<std::size_t>(std::max(1, p.max_in_flight));
  // Every call slot keeps its connection between calls: with fewer idle ones kept, a busy
  // provider would open (and its server accept) a fresh TCP connection for most calls.
  o.transport.max_idle = o.max_in_flight;
  // A rate below 1/s becomes one token per 1/rate seconds (rounded up to the millisecond).
  if (p.requests_per_second >= 1.0) {
    o.rate_tokens = static_cast<std::uint32_t>(std::lround(p.requests_per_second));
    o.rate_period = std::chrono::milliseconds(1000);
  } else {
    o.rate_tokens = 1;
    o.rate_period =
        std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(1000.0 / p.requests_per_second)));
  }
  o.rate_burst = std::max<std::uint32_t>(1, o.rate_tokens);
  o.call_timeout = p.call_deadline;
  o.max_attempts = static_cast<std::uint32_t>(p.max_retries) + 1;
  return o;
}

provider_set::provider_set(boost::asio::any_io_executor io, const config& cfg, const engine_options& opts,
                           store::order_store* journal)
    : journal_(journal) {
  entries_.reserve(cfg.providers.size());
  for (const auto& p : cfg.providers) {
    auto o = client_options(p);
    o.scrubber = opts.scrubber;
    if (opts.tune_client) opts.tune_client(p, o);
    provider_entry e;
    e.cfg = &p;
    e.currency = p.currency;
    e.client = std::make_unique<providers::provider_client>(io, std::move(o));
    entries_.push_back(std::move(e));
  }
  operator_paused_ = std::make_unique<std::atomic<bool>[]>(entries_.size());
  operator_reason_.resize(entries_.size());
  operator_since_.resize(entries_.size());
  publish();
}

std::optional<std::size_t> provider_set::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].cfg->name == name) return i;
  return std::nullopt;
}

bool provider_set::usable(std::size_t i) const {
  const auto& e = entries_[i];
  return !e.paused && !operator_paused_[i].load(std::memory_order_acquire) &&
         e.client->breaker() != providers::breaker_state_view::open;
}

bool provider_set::paused(std::size_t i) const {
  return entries_[i].paused || operator_paused_[i].load(std::memory_order_acquire);
}

bool provider_set::blocked_by_pauses(const service_def& svc, std::size_t min_hop) const {
  const auto& hops = hop_providers(svc);
  bool any = false;
  for (std::size_t hop = min_hop; hop < svc.route.size(); ++hop) {
    if (hops[hop] < 0) continue;  // not configured: nothing will make it usable
    if (!paused(static_cast<std::size_t>(hops[hop]))) return false;
    any = true;
  }
  return any;
}

const std::vector<int>& provider_set::hop_providers(const service_def& svc) const {
  auto& hops = hop_providers_[svc.id];
  if (hops.size() != svc.route.size()) {  // first use (the engine's services never change after)
    hops.clear();
    for (const auto& hop : svc.route) {
      const auto i = index_of(hop.provider);
      hops.push_back(i ? static_cast<int>(*i) : -1);
    }
  }
  return hops;
}

std::optional<std::pair<std::size_t, std::size_t>> provider_set::route(const service_def& svc,
                                                                       std::size_t min_hop,
                                                                       bool* checking) const {
  const auto& hops = hop_providers(svc);
  for (std::size_t hop = min_hop; hop < svc.route.size(); ++hop) {
    const auto i =
        hops[hop] < 0 ? std::nullopt : std::optional<std::size_t>(static_cast<std::size_t>(hops[hop]));
    if (!i || !usable(*i)) continue;
    if (!entries_[*i].key_checked) {
      if (checking != nullptr) *checking = true;
      return std::nullopt;
    }
    return std::pair{*i, hop};
  }
  return std::nullopt;
}

int provider_set::first_paused(const service_def& svc, std::size_t min_hop) const {
  const auto& hops = hop_providers(svc);
  for (std::size_t hop = min_hop; hop < svc.route.size(); ++hop) {
    const int i = hops[hop];
    if (i >= 0 && (entries_[static_cast<std::size_t>(i)].paused ||
                   operator_paused_[static_cast<std::size_t>(i)].load(std::memory_order_acquire)))
      return i;
  }
  return -1;
}

void provider_set::pause(std::size_t i, std::string reason, bool key_refused) {
  entries_[i].paused = true;
  entries_[i].pause_reason = std::move(reason);
  entries_[i].key_refused = key_refused;
  entries_[i].paused_since = unix_now();
  journal_automatic(i);
  publish(true);
}

void provider_set::resume(std::size_t i) {
  entries_[i].paused = false;
  journal_automatic(i);  // the row keeps the pause's reason and kind, no longer paused
  entries_[i].pause_reason.clear();
  entries_[i].key_refused = false;
  publish(true);
}

void provider_set::funds_needed_changed(std::size_t i) {
  if (entries_[i].paused) journal_automatic(i);
}

void provider_set::journal_automatic(std::size_t i) {
  if (journal_ == nullptr) return;
  const auto& e = entries_[i];
  store::provider_pause_change c;
  c.provider = e.cfg->name;
  c.paused = e.paused;
  c.kind = automatic_kind(e);
  c.reason = e.pause_reason;
  c.since = e.paused_since;
  if (e.funds_needed) c.funds_needed_micros = e.funds_needed->micros();
  c.at = unix_now();
  std::vector<store::journal_op> ops;
  ops.emplace_back(std::move(c));
  // Not waited for: the pause acts inside the process only. The writer keeps the order of
  // submissions, so a resume never lands before its pause.
  journal_->submit(std::move(ops), [name = e.cfg->name](store::commit_result res) {
    if (!res.ok) spdlog::error("journal: pause of provider {} not committed: {}", name, res.error);
  });
}

void provider_set::set_operator_pause(std::size_t i, bool paused, std::string reason) {
  store::provider_pause_change c;
  {
    std::lock_guard lock(snapshot_mutex_);
    operator_paused_[i].store(paused, std::memory_order_release);
    operator_reason_[i] =
        paused ? (reason.empty() ? "paused by an operator" : std::move(reason)) : std::string();
    if (paused) operator_since_[i] = unix_now();
    c.provider = entries_[i].cfg->name;
    c.by_operator = true;
    c.paused = paused;
    c.kind = "operator";
    c.reason = operator_reason_[i];
    c.since = operator_since_[i];
    c.at = unix_now();
  }
  if (journal_ == nullptr) return;
  // Durable before the operator hears it (a rare admin call: one commit's wait).
  const auto res = journal_->submit_and_wait({std::move(c)});
  if (!res.ok)
    spdlog::error("journal: operator pause of provider {} not committed: {}", entries_[i].cfg->name,
                  res.error);
}

void provider_set::restore(std::size_t i, const store::provider_pause_row& row) {
  if (!row.paused) return;
  if (row.by_operator) {
    std::lock_guard lock(snapshot_mutex_);
    operator_paused_[i].store(true, std::memory_order_release);
    operator_reason_[i] = row.reason.empty() ? "paused by an operator" : row.reason;
    operator_since_[i] = row.since;
  } else {
    auto& e = entries_[i];
    e.paused = true;
    e.pause_reason = row.reason;
    e.key_refused = row.kind == "invalid_key";  // the kind journal_automatic wrote
    e.paused_since = row.since;
    if (row.funds_needed_micros) e.funds_needed = money::from_micros(*row.funds_needed_micros);
    e.next_balance_ms = 0;  // checked at once, then with the usual backoff
  }
  publish();
}

void provider_set::publish(bool now) {
  // At most ~10 times a second: the dispatcher calls this after every add it settles, and the
  // snapshot copies every provider's figures. A change left unpublished goes out with the next
  // call (the dispatch loop calls it every tick).
  const auto at = std::chrono::steady_clock::now();
  if (!now && at - published_at_ < std::chrono::milliseconds(100)) return;
  published_at_ = at;
  std::vector<provider_view> views;
  views.reserve(entries_.size());
  for (const auto& e : entries_) {
    provider_view v;
    v.name = e.cfg->name;
    v.breaker = breaker_name(e.client->breaker());
    v.paused = e.paused;
    v.pause_reason = e.pause_reason;
    v.in_flight = static_cast<std::int64_t>(e.adds_in_flight);
    v.max_in_flight = e.cfg->max_in_flight;
    v.requests_per_second = e.cfg->requests_per_second;
    v.queued = static_cast<std::int64_t>(e.pending.size() + e.waiting_paused);
    v.balance = e.balance;
    v.currency = e.currency;
    views.push_back(std::move(v));
  }
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(views);
}

std::vector<provider_view> provider_set::views() const {
  std::vector<provider_view> out;
  {
    std::lock_guard lock(snapshot_mutex_);
    out = snapshot_;
  }
  // The breaker moves on the client's strand: read it now (figures() is thread-safe and
  // the clients never change after construction).
  for (std::size_t i = 0; i < out.size() && i < entries_.size(); ++i)
    out[i].breaker = breaker_name(entries_[i].client->breaker());
  // An operator's pause shows at once, before the strand publishes again.
  std::lock_guard lock(snapshot_mutex_);
  for (std::size_t i = 0; i < out.size() && i < entries_.size(); ++i) {
    if (!operator_paused_[i].load(std::memory_order_acquire)) continue;
    out[i].paused = true;
    out[i].pause_reason = operator_reason_[i];
  }
  return out;
}

}  // namespace smm::daemon
