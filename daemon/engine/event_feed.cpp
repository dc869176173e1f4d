#include "daemon/engine/event_feed.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace smm::daemon {

namespace asio = boost::asio;

struct event_feed::subscriber {
  std::recursive_mutex mutex;  // held while calling back, so cancel() returns only after the last call
  bool cancelled = false;
  std::function<void(std::vector<event_view>)> on_events;
  std::int64_t cursor = 0;  // strand only: last seq delivered

  // False once cancelled.
  bool deliver(std::vector<event_view> events) {
    std::lock_guard lock(mutex);
    if (cancelled) return false;
    if (!events.empty()) on_events(std::move(events));
    return true;
  }
  bool is_cancelled() {
    std::lock_guard lock(mutex);
    return cancelled;
  }
};

class event_feed::handle final : public subscription {
 public:
  explicit handle(std::shared_ptr<subscriber> s) : s_(std::move(s)) {}
  ~handle() override { cancel(); }
  void cancel() override {
    std::lock_guard lock(s_->mutex);
    s_->cancelled = true;
    s_->on_events = nullptr;
  }

 private:
  std::shared_ptr<subscriber> s_;
};

event_view to_view(const store::event_row& row) {
  event_view v;
  v.seq = row.seq;
  v.panel_order_id = row.panel_order_id;
  v.order_id = row.order_id;
  v.old_state = static_cast<order_state>(row.old_state);
  v.new_state = static_cast<order_state>(row.new_state);
  v.raw_status = row.raw_status.value_or("");
  v.charge = money::from_micros(row.charge_micros);
  v.remains = row.remains;
  if (v.remains && *v.remains < 0) v.remains = 0;  // over-delivery: nothing remains
  if (row.refund_micros) v.refund = money::from_micros(*row.refund_micros);
  // The event that ends an order always carries the refund, "0" when nothing is owed.
  if (!v.refund && is_final(v.new_state) && !is_final(v.old_state)) v.refund = money{};
  v.refill_eligible = row.refill_eligible;
  v.note = row.note;
  v.at = row.at;
  return v;
}

event_feed::event_feed(engine_context& ctx) : ctx_(ctx), reader_(ctx.journal.open_reader()) {}

event_feed::~event_feed() = default;

void event_feed::start() {
  published_ = reader_->last_event_seq();
  // The writer hands over what each commit wrote while someone follows live: no read-back.
  ctx_.journal.set_event_sink([weak = ctx_.weak_from_this()](std::vector<store::event_row> rows) {
    auto ctx = weak.lock();
    if (!ctx) return;
    asio::post(ctx->strand, [ctx, rows = std::move(rows)] {
      if (ctx->feed) ctx->feed->committed(rows);
    });
  });
}

void event_feed::notify() {
  if (pump_posted_.exchange(true, std::memory_order_acq_rel)) return;
  asio::post(ctx_.strand, [this, keep = ctx_.shared_from_this()] {
    pump_posted_.store(false, std::memory_order_release);
    pump();
  });
}

std::vector<store::event_row> event_feed::read(std::int64_t after, std::int64_t up_to) {
  auto rows = reader_->events_since(after, event_page);
  if (up_to >= 0) {
    rows.erase(std::find_if(rows.begin(), rows.end(), [up_to](const auto& r) { return r.seq > up_to; }),
               rows.end());
  }
  return rows;
}

void event_feed::deliver(const std::vector<store::event_row>& rows) {
  std::vector<event_view> views;
  views.reserve(rows.size());
  for (const auto& r : rows) views.push_back(to_view(r));
  published_ = rows.back().seq;
  for (auto it = live_.begin(); it != live_.end();) {
    // A subscriber that asked for a seq beyond the feed's skips what it already has.
    const std::int64_t after = (*it)->cursor;
    std::vector<event_view> mine;
    if (after < views.front().seq) {
      mine = views;
    } else {
      for (const auto& v : views)
        if (v.seq > after) mine.push_back(v);
    }
    (*it)->cursor = std::max(after, published_);
    if ((*it)->deliver(std::move(mine))) {
      ++it;
    } else {
      it = live_.erase(it);
    }
  }
  ctx_.journal.collect_events(!live_.empty());
}

void event_feed::read_up_to(std::int64_t up_to) {
  while (!live_.empty() && published_ < up_to) {
    auto rows = read(published_, up_to);
    if (rows.empty()) break;
    deliver(rows);
  }
}

void event_feed::pump() {
  if (live_.empty()) {
    // Nobody to deliver to: nothing to read back. A later subscriber catches up from the
    // journal up to here, then follows live.
    published_ = std::max(published_, ctx_.journal.last_event_seq());
    return;
  }
  // Read back only what the writer did not hand over (committed before it collected).
  read_up_to(ctx_.journal.last_event_seq());
}

void event_feed::committed(const std::vector<store::event_row>& rows) {
  if (rows.empty() || rows.back().seq <= published_) return;
  if (live_.empty()) {
    published_ = rows.back().seq;
    return;
  }
  // A gap: events committed while nobody collected them. Read it first, then go on in order
  // (what the journal no longer has, purged, is skipped as a read-back skips it).
  if (rows.front().seq > published_ + 1) read_up_to(rows.front().seq - 1);
  if (live_.empty()) {
    published_ = std::max(published_, rows.back().seq);
    return;
  }
  std::vector<store::event_row> fresh;
  for (const auto& r : rows)
    if (r.seq > published_) fresh.push_back(r);
  if (!fresh.empty()) deliver(fresh);
}

void event_feed::catch_up(std::shared_ptr<subscriber> s) {
  if (s->is_cancelled()) return;
  if (s->cursor >= published_) {
    // Caught up: from now on the live pump delivers to it, after its cursor.
    live_.push_back(std::move(s));
    ctx_.journal.collect_events(true);
    notify();  // what committed before the writer collects is read back
    return;
  }
  auto rows = read(s->cursor, published_);
  if (rows.empty()) {
    s->cursor = published_;  // purged history: nothing left between cursor and published_
  } else {
    std::vector<event_view> views;
    views.reserve(rows.size());
    for (const auto& r : rows) views.push_back(to_view(r));
    s->cursor = rows.back().seq;
    if (!s->deliver(std::move(views))) return;
  }
  // One page per turn so a long replay does not starve the strand.
  asio::post(ctx_.strand,
             [this, keep = ctx_.shared_from_this(), s = std::move(s)]() mutable { catch_up(std::move(s)); });
}

std::unique_ptr<subscription> event_feed::subscribe(std::int64_t after_seq,
                                                    std::function<void(std::vector<event_view>)> on_events) {
  auto s = std::make_shared<subscriber>();
  s->on_events = std::move(on_events);
  s->cursor = std::max<std::int64_t>(after_seq, 0);
  auto h = std::make_unique<handle>(s);
  asio::post(ctx_.strand,
             [this, keep = ctx_.shared_from_this(), s = std::move(s)]() mutable { catch_up(std::move(s)); });
  return h;
}

}  // namespace smm::daemon
