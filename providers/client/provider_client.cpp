#include "providers/client/provider_client.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <random>
#include <stdexcept>
#include <type_traits>

#include "logging/logging.hpp"
#include "providers/client/inflight_limiter.hpp"
#include "providers/failure_classifier.hpp"
#include "providers/retry_after.hpp"
#include "providers/token_bucket.hpp"

namespace smm::providers {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

std::shared_ptr<spdlog::logger> provider_logger(const std::string& name) {
  return logging::logger("provider." + name);
}

attempt_stage stage_of(request_progress p) {
  switch (p) {
    case request_progress::resolve_failed:
    case request_progress::not_sent:
      return attempt_stage::not_sent;
    case request_progress::connect_failed:
      return attempt_stage::connect_failed;
    case request_progress::tls_failed:
      return attempt_stage::tls_failed;
    // Part of the request may be on the wire: it counts as written.
    case request_progress::write_partial:
    case request_progress::sent_closed:
      return attempt_stage::written_no_response;
    case request_progress::sent_timeout:
      return attempt_stage::timeout_after_write;
    case request_progress::sent_reset:
      return attempt_stage::reset_after_write;
    case request_progress::reply_truncated:
      return attempt_stage::truncated_reply;
    case request_progress::reply_invalid:
      return attempt_stage::garbled_body;
    case request_progress::reply_complete:
      return attempt_stage::success;  // refined by the caller
  }
  return attempt_stage::not_sent;
}

call_outcome outcome_of(outcome_kind k) {
  switch (k) {
    case outcome_kind::success:
      return call_outcome::ok;
    case outcome_kind::rejected:
      return call_outcome::rejected;
    case outcome_kind::retry_later:
      return call_outcome::retry_later;
    case outcome_kind::pause_provider:
      return call_outcome::pause_provider;
    case outcome_kind::unknown:
      return call_outcome::unknown;
    case outcome_kind::retry:
      return call_outcome::failed;
  }
  return call_outcome::failed;
}

// Keeps what one attempt's reply said. The value of a plain success; for add, also an order id
// a reply named without being one (beside an error text, or on a non-2xx status), moved to
// unconfirmed_order as evidence. An id an earlier attempt of the same call named is kept.
template <class T>
void take_value(T& out, T&& parsed, bool success) {
  if constexpr (std::is_same_v<T, add_result>) {
    if (!success && !parsed.order.empty()) {
      parsed.unconfirmed_order = std::move(parsed.order);
      parsed.order.clear();
    }
    if (parsed.unconfirmed_order.empty()) parsed.unconfirmed_order = std::move(out.unconfirmed_order);
    out = std::move(parsed);
  } else if (success) {
    out = std::move(parsed);
  }
}

// The free text of a parsed reply (status texts, per-item errors, service names) loses any key
// the provider echoed. Ids and amounts are left alone: they are never searched for a key.
void scrub_texts(const secret_scrubber&, add_result&) {}
void scrub_texts(const secret_scrubber&, balance_result&) {}
void scrub_texts(const secret_scrubber& s, std::string& text) { s.scrub_in_place(text); }
void scrub_texts(const secret_scrubber& s, order_status& st) { s.scrub_in_place(st.status); }
void scrub_texts(const secret_scrubber& s, std::optional<item_error>& e) {
  if (e) s.scrub_in_place(e->message);
}
void scrub_texts(const secret_scrubber& s, std::vector<status_entry>& entries) {
  for (auto& e : entries) {
    if (e.status) scrub_texts(s, *e.status);
    scrub_texts(s, e.error);
  }
}
void scrub_texts(const secret_scrubber& s, std::vector<id_result>& items) {
  for (auto& i : items) {
    s.scrub_in_place(i.value);
    scrub_texts(s, i.error);
  }
}
void scrub_texts(const secret_scrubber& s, services_result& r) {
  for (auto& svc : r.services) {
    s.scrub_in_place(svc.name);
    s.scrub_in_place(svc.category);
    s.scrub_in_place(svc.description);
  }
}

breaker_state_view view_of(breaker_state s) {
  switch (s) {
    case breaker_state::closed:
      return breaker_state_view::closed;
    case breaker_state::open:
      return breaker_state_view::open;
    case breaker_state::half_open:
      return breaker_state_view::half_open;
  }
  return breaker_state_view::closed;
}

}  // namespace

struct provider_client::impl : std::enable_shared_from_this<impl> {
  provider_client_options opts;
  std::shared_ptr<const secret_scrubber> scrubber;
  asio::strand<asio::any_io_executor> strand;
  std::shared_ptr<spdlog::logger> log;
  request_builder builder;
  http_transport transport;
  inflight_limiter limiter;
  token_bucket bucket;
  retry_budget budget;
  circuit_breaker breaker;
  std::mt19937_64 rng{std::random_device{}()};
  bool probe_running = false;

  mutable std::mutex figures_mutex;  // figures are read from other threads (metrics)
  client_figures fig;
  std::atomic<breaker_state_view> breaker_now{breaker_state_view::closed};  // fig.breaker, lock-free
  provider_client::limits limits_now;  // guarded by figures_mutex: read from any thread

  static provider_url parse_url(const std::string& text) {
    auto r = parse_provider_url(text);
    if (!r.url) throw std::invalid_argument("provider url: " + r.error);
    return *r.url;
  }

  impl(asio::any_io_executor ex, provider_client_options o, provider_url url)
      : opts(std::move(o)),
        scrubber(opts.scrubber ? opts.scrubber
                               : std::make_shared<const secret_scrubber>(std::vector<std::string>{opts.key})),
        strand(asio::make_strand(std::move(ex))),
        log(provider_logger(opts.name)),
        builder(url, opts.key, opts.request),
        transport(strand, url, opts.transport, log),
        limiter(strand, opts.max_in_flight, opts.max_queue),
        bucket(std::max<std::uint32_t>(opts.rate_tokens, 1), opts.rate_period,
               std::max<std::uint32_t>(opts.rate_burst, 1)),
        budget(opts.retry_budget),
        breaker(opts.breaker),
        limits_now{std::max<std::size_t>(opts.max_in_flight, 1), std::max<std::uint32_t>(opts.rate_tokens, 1),
                   std::max<std::uint32_t>(opts.rate_burst, 1)} {}

  clock_type::time_point deadline_of(const call_options& c) const {
    return c.deadline ? *c.deadline : clock_type::now() + opts.call_timeout;
  }

  void publish_gauges() {
    std::lock_guard lock(figures_mutex);
    fig.in_flight = limiter.in_flight();
    fig.queue_depth = limiter.queue_depth();
    fig.breaker = view_of(breaker.state());
    breaker_now.store(fig.breaker, std::memory_order_release);
    fig.connections_opened = transport.connections_opened();
  }

  template <class F>
  void count(F&& f) {
    std::lock_guard lock(figures_mutex);
    f(fig);
  }

  // The error text of a reply that is not a plain success, from a parse of a scrubbed copy of
  // the body: an excerpt cut inside an echoed key keeps no part of it. The decision stays with
  // the parse of the body as received.
  template <class Parse>
  std::string scrubbed_error(Parse& parse, const std::string& body) const {
    std::string clean = scrubber->scrub(body);
    clean.reserve(clean.size() + 64);  // simdjson padding: parse in place
    return scrubber->scrub(parse(body_ref(clean)).error);
  }

  // Sleeps until `until` (or the caller is cancelled). False when cancelled.
  asio::awaitable<bool> sleep_until(clock_type::time_point until) {
    asio::steady_timer t(strand);
    t.expires_at(until);
    auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  // Half-open breaker: a background balance call is the only probe ever sent.
  void maybe_probe() {
    if (probe_running || breaker.state() == breaker_state::closed) return;
    if (breaker.state() == breaker_state::open && clock_type::now() < breaker.open_until()) return;
    probe_running = true;
    asio::co_spawn(
        strand,
        [self = shared_from_this()]() -> asio::awaitable<void> {
          auto req = self->builder.balance();
          auto r = co_await self->run<balance_result>(action::balance, std::move(req), parse_balance,
                                                      clock_type::now() + self->opts.call_timeout);
          self->probe_running = false;
          self->log->info("breaker probe (balance): {} -> breaker {}", to_string(r.outcome),
                          to_string(self->breaker.state()));
        },
        asio::detached);
  }

  // One call: attempts with limits and retries, until a decision.
  template <class T, class Parse>
  asio::awaitable<call_result<T>> run(action a, http_request req, Parse parse,
                                      clock_type::time_point deadline,
                                      http_transport::before_write_fn before_write = {}) {
    const auto started = clock_type::now();
    auto r = co_await attempts<T>(a, req, parse, deadline, before_write);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
    count([&](client_figures& f) { f.record(a, r.outcome, took); });
    publish_gauges();
    if (r.outcome == call_outcome::unknown) {
      log->warn("{} outcome unknown after {} ({}): not resent", to_string(a), to_string(r.progress), r.error);
    }
    co_return r;
  }

  template <class T, class Parse>
  asio::awaitable<call_result<T>> attempts(action a, const http_request& req, Parse parse,
                                           clock_type::time_point deadline,
                                           const http_transport::before_write_fn& before_write = {}) {
    call_result<T> r;
    // The hook is awaited once per call: a retry after a not-sent attempt is already journaled.
    bool hooked = false;
    http_transport::before_write_fn once;
    if (before_write) {
      once = [&hooked, &before_write]() -> asio::awaitable<bool> {
        if (hooked) co_return true;
        hooked = co_await before_write();
        co_return hooked;
      };
    }
    for (std::uint32_t attempt = 0;; ++attempt) {
      const auto decision = breaker.acquire(a, clock_type::now());
      if (decision == breaker_decision::reject) {
        maybe_probe();
        r.outcome = call_outcome::breaker_open;
        if (r.error.empty()) r.error = "circuit breaker open";
        co_return r;
      }

      // Rate limit: wait for a token, never past the deadline.
      for (;;) {
        const auto now = clock_type::now();
        if (bucket.try_take(now)) break;
        const auto wait = bucket.time_until_available(now);
        if (now + wait >= deadline) {
          r.outcome = call_outcome::failed;
          r.error = "rate limit: no token before the deadline";
          co_return r;
        }
        if (!co_await sleep_until(now + wait)) {
          r.outcome = call_outcome::cancelled;
          co_return r;
        }
      }

      const auto slot = co_await limiter.acquire(deadline);
      publish_gauges();
      if (slot != acquire_status::acquired) {
        r.outcome = slot == acquire_status::queue_full  ? call_outcome::queue_full
                    : slot == acquire_status::cancelled ? call_outcome::cancelled
                                                        : call_outcome::failed;
        r.error = slot == acquire_status::queue_full ? "in-flight queue full"
                                                     : "no in-flight slot before the deadline";
        co_return r;
      }
      if (attempt == 0) budget.record_request(clock_type::now());
      count([&](client_figures& f) {
        ++f.attempts;
        if (attempt > 0) ++f.retries;
      });
      publish_gauges();
      auto h = co_await transport.send(req, deadline, once ? &once : nullptr);
      limiter.release();
      publish_gauges();
      if (!h.error.empty()) h.error = scrubber->scrub(h.error);
      if (h.withdrawn) {
        r.outcome = call_outcome::cancelled;
        r.progress = h.progress;
        r.error = h.error;
        co_return r;
      }
      ++r.attempts;
      r.progress = h.progress;
      r.http_status = h.status;

      attempt_report rep;
      rep.act = a;
      rep.stage = stage_of(h.progress);
      r.error = h.error;
      if (h.progress == request_progress::reply_complete) {
        if (!h.retry_after.empty())
          rep.retry_after = parse_retry_after(h.retry_after, std::chrono::system_clock::now());
        rep.http_status = static_cast<int>(h.status);
        const bool is_2xx = h.status >= 200 && h.status < 300;
        if (h.status == 429) {
          rep.stage = attempt_stage::http_status;
          r.error = "HTTP 429";
        } else {
          h.body.reserve(h.body.size() + 64);  // simdjson padding: parse in place
          auto parsed = parse(body_ref(h.body));
          if (parsed.kind != reply_kind::ok) parsed.error = scrubbed_error(parse, h.body);
          scrub_texts(*scrubber, parsed.value);
          const std::string status_text = "HTTP " + std::to_string(h.status);
          if (parsed.kind == reply_kind::provider_error) {
            // The classifier decides whether the text is definitive (only on a 2xx/4xx).
            rep.stage = attempt_stage::provider_error;
            rep.category = parsed.category;
            r.error = definitive_status(rep.http_status) ? parsed.error : status_text + ": " + parsed.error;
          } else if (parsed.kind == reply_kind::ok && is_2xx) {
            rep.stage = attempt_stage::success;
          } else if (is_2xx) {
            rep.stage = attempt_stage::garbled_body;
            r.error = "malformed reply: " + parsed.error;
          } else {
            // A 3xx/4xx/5xx with no error text: an HTML or gateway page, an empty body, or
            // even the expected JSON, which a non-2xx status makes unconfirmed.
            rep.stage = attempt_stage::http_status;
            r.error = parsed.kind == reply_kind::ok ? status_text : status_text + ": " + parsed.error;
          }
          take_value(r.value, std::move(parsed.value), rep.stage == attempt_stage::success);
        }
      }

      const auto out = classify_failure(rep);
      r.category = out.category;
      const auto now = clock_type::now();
      // The breaker hears about provider health only (failure_classifier's health_of).
      switch (health_of(rep)) {
        case provider_health::healthy:
          breaker.record_success(now);
          break;
        case provider_health::unhealthy:
          breaker.record_failure(now);
          break;
        case provider_health::neutral:
          break;
      }
      if (rep.stage == attempt_stage::http_status && rep.http_status == 429) {
        count([](client_figures& f) { ++f.rate_limited; });
      }

      if (out.kind == outcome_kind::retry_later && out.after) {
        r.retry_after = out.after;
        // A 429 or rate-limit error pauses the whole provider's bucket, not just this call.
        if (rep.stage == attempt_stage::http_status || out.category == error_category::rate_limited) {
          bucket.block_until(now + *out.after);
        }
      }
      const bool may_repeat =
          out.kind == outcome_kind::retry ||
          (out.kind == outcome_kind::retry_later &&
           (rep.stage == attempt_stage::http_status || out.category == error_category::rate_limited));
      if (!may_repeat || attempt + 1 >= opts.max_attempts) {
        r.outcome = outcome_of(out.kind);
        co_return r;
      }
      if (!budget.try_spend_retry(now)) {
        count([](client_figures& f) { ++f.retries_denied; });
        r.outcome = outcome_of(out.kind);
        r.error += " (retry budget exhausted)";
        co_return r;
      }
      // Full-jitter backoff capped by the deadline; a retry_later waits at least its `after`
      // through the blocked bucket.
      const auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
      random_source rs = [this] { return rng(); };
      const auto delay = backoff_delay(opts.backoff, attempt, remaining, rs);
      if (!delay || (out.after && now + *out.after >= deadline)) {
        r.outcome = outcome_of(out.kind);
        co_return r;
      }
      if (!co_await sleep_until(now + *delay)) {
        r.outcome = call_outcome::cancelled;
        co_return r;
      }
    }
  }

  // A multi action: chunks of at most 100 ids, one call each, in order.
  template <class T, class Build, class Parse>
  asio::awaitable<call_result<std::vector<T>>> run_chunks(action a, std::vector<std::string> ids, Build build,
                                                          Parse parse, clock_type::time_point deadline) {
    call_result<std::vector<T>> total;
    total.outcome = call_outcome::ok;
    for (auto& chunk : chunk_ids(ids)) {
      auto built = build(chunk);
      if (!built) {
        total.outcome = call_outcome::rejected;
        total.error = built.error;
        co_return total;
      }
      auto part = co_await run<std::vector<T>>(a, std::move(*built.request), parse, deadline);
      total.attempts += part.attempts;
      total.progress = part.progress;
      total.http_status = part.http_status;
      for (auto& v : part.value) total.value.push_back(std::move(v));
      if (!part.ok()) {
        total.outcome = part.outcome;
        total.error = std::move(part.error);
        total.category = part.category;
        total.retry_after = part.retry_after;
        co_return total;
      }
    }
    co_return total;
  }
};

// Runs `work` on the client's strand; the caller resumes on its own executor.
#define SMM_ON_STRAND(expr) asio::co_spawn(impl_->strand, (expr), asio::use_awaitable)

provider_client::provider_client(asio::any_io_executor ex, provider_client_options opts) {
  auto url = impl::parse_url(opts.url);
  impl_ = std::make_shared<impl>(std::move(ex), std::move(opts), std::move(url));
}

provider_client::~provider_client() = default;

asio::awaitable<call_result<services_result>> provider_client::services(call_options c) {
  auto self = impl_;
  co_return co_await SMM_ON_STRAND(self->run<services_result>(action::services, self->builder.services(),
                                                              parse_services, self->deadline_of(c)));
}

asio::awaitable<call_result<add_result>> provider_client::add(add_order order, call_options c) {
  auto self = impl_;
  auto built = self->builder.add(order);
  if (!built) {
    call_result<add_result> r;
    r.outcome = call_outcome::rejected;
    r.error = built.error;
    co_return r;
  }
  co_return co_await SMM_ON_STRAND(self->run<add_result>(action::add, std::move(*built.request), parse_add,
                                                         self->deadline_of(c), std::move(c.before_write)));
}

asio::awaitable<call_result<order_status>> provider_client::status(std::string order_id, call_options c) {
  auto self = impl_;
  co_return co_await SMM_ON_STRAND(self->run<order_status>(action::status, self->builder.status(order_id),
                                                           parse_status, self->deadline_of(c)));
}

asio::awaitable<call_result<std::vector<status_entry>>> provider_client::status_multi(
    std::vector<std::string> ids, call_options c) {
  auto self = impl_;
  auto build = [self](const std::vector<std::string>& chunk) { return self->builder.status_multi(chunk); };
  co_return co_await SMM_ON_STRAND(self->run_chunks<status_entry>(action::status, std::move(ids), build,
                                                                  parse_status_multi, self->deadline_of(c)));
}

asio::awaitable<call_result<std::string>> provider_client::refill(std::string order_id, call_options c) {
  auto self = impl_;
  co_return co_await SMM_ON_STRAND(self->run<std::string>(action::refill, self->builder.refill(order_id),
                                                          parse_refill, self->deadline_of(c)));
}

asio::awaitable<call_result<std::vector<id_result>>> provider_client::refill_multi(
    std::vector<std::string> ids, call_options c) {
  auto self = impl_;
  auto build = [self](const std::vector<std::string>& chunk) { return self->builder.refill_multi(chunk); };
  co_return co_await SMM_ON_STRAND(self->run_chunks<id_result>(action::refill, std::move(ids), build,
                                                               parse_refill_multi, self->deadline_of(c)));
}

asio::awaitable<call_result<std::string>> provider_client::refill_status(std::string refill_id,
                                                                         call_options c) {
  auto self = impl_;
  co_return co_await SMM_ON_STRAND(self->run<std::string>(action::refill_status,
                                                          self->builder.refill_status(refill_id),
                                                          parse_refill_status, self->deadline_of(c)));
}

asio::awaitable<call_result<std::vector<id_result>>> provider_client::refill_status_multi(
    std::vector<std::string> ids, call_options c) {
  auto self = impl_;
  auto build = [self](const std::vector<std::string>& chunk) {
    return self->builder.refill_status_multi(chunk);
  };
  co_return co_await SMM_ON_STRAND(self->run_chunks<id_result>(
      action::refill_status, std::move(ids), build, parse_refill_status_multi, self->deadline_of(c)));
}

asio::awaitable<call_result<std::vector<id_result>>> provider_client::cancel(std::vector<std::string> ids,
                                                                             call_options c) {
  auto self = impl_;
  auto build = [self](const std::vector<std::string>& chunk) { return self->builder.cancel(chunk); };
  co_return co_await SMM_ON_STRAND(
      self->run_chunks<id_result>(action::cancel, std::move(ids), build, parse_cancel, self->deadline_of(c)));
}

asio::awaitable<call_result<balance_result>> provider_client::balance(call_options c) {
  auto self = impl_;
  co_return co_await SMM_ON_STRAND(self->run<balance_result>(action::balance, self->builder.balance(),
                                                             parse_balance, self->deadline_of(c)));
}

#undef SMM_ON_STRAND

client_figures provider_client::figures() const {
  client_figures f;
  {
    std::lock_guard lock(impl_->figures_mutex);
    f = impl_->fig;
  }
  // Live gauges: the limiter keeps atomic mirrors, so no hop to the strand is needed.
  f.in_flight = impl_->limiter.in_flight();
  f.queue_depth = impl_->limiter.queue_depth();
  return f;
}

void provider_client::set_limits(limits l) {
  l.max_in_flight = std::max<std::size_t>(l.max_in_flight, 1);
  l.rate_tokens = std::max<std::uint32_t>(l.rate_tokens, 1);
  l.rate_burst = std::max<std::uint32_t>(l.rate_burst, 1);
  asio::post(impl_->strand, [self = impl_, l] {
    self->limiter.set_cap(l.max_in_flight);
    self->bucket.set_rate(l.rate_tokens, self->opts.rate_period, l.rate_burst);
    std::lock_guard lock(self->figures_mutex);
    self->limits_now = l;
  });
}

provider_client::limits provider_client::current_limits() const {
  std::lock_guard lock(impl_->figures_mutex);
  return impl_->limits_now;
}

breaker_state_view provider_client::breaker() const noexcept {
  return impl_->breaker_now.load(std::memory_order_acquire);
}

const std::string& provider_client::name() const noexcept { return impl_->opts.name; }

asio::any_io_executor provider_client::strand() const { return impl_->strand; }

}  // namespace smm::providers
