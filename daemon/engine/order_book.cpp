#include "daemon/engine/order_book.hpp"

#include <algorithm>

namespace smm::daemon {

const std::string order_record::no_text;

std::string_view order_record::raw_status() const {
  if (raw_status_in_extra_ && extra_) return extra_->raw_status;
  return *raw_status_;
}

std::string order_record::note() const {
  if (note_is_mark_) return request_id_mark(*this);
  return extra_ ? extra_->note : std::string();
}

void order_record::set_note(std::string_view note) {
  // The note every add to an idempotency_key provider leaves: rebuilt from the id, creation time
  // and request hash instead of kept (every running order of such a provider would carry one).
  note_is_mark_ = !note.empty() && note == request_id_mark(*this);
  if (note_is_mark_ || note.empty()) {
    if (extra_) {
      extra_->note.clear();
      trim();
    }
    return;
  }
  extra().note = note;
}

std::string_view order_record::last_anomaly() const {
  return extra_ ? std::string_view(extra_->last_anomaly) : std::string_view();
}

void order_record::set_last_anomaly(std::string_view text) {
  if (text.empty() && !extra_) return;
  extra().last_anomaly = text;
  trim();
}

std::string_view order_record::refund_reason_text() const {
  if (refund_reason_ == 0) return {};
  if (refund_reason_ == refund_reason_other) return extra_ ? std::string_view(extra_->refund_reason) : "";
  return to_string(static_cast<refund_reason>(refund_reason_ - 1));
}

void order_record::set_refund_reason(std::string_view reason) {
  if (refund_reason_ == refund_reason_other && extra_) extra_->refund_reason.clear();
  refund_reason_ = 0;
  if (reason.empty()) {
    if (extra_) trim();
    return;
  }
  for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(refund_reason::needs_review); ++i) {
    if (to_string(static_cast<refund_reason>(i)) == reason) {
      refund_reason_ = static_cast<std::uint8_t>(i + 1);
      if (extra_) trim();
      return;
    }
  }
  refund_reason_ = refund_reason_other;
  extra().refund_reason = reason;
}

void order_record::set_missing_since_ms(std::int64_t ms) {
  if (ms == 0 && !extra_) return;
  extra().missing_since_ms = ms;
  trim();
}

refill_detail& order_record::refill_slot() {
  auto& e = extra();
  if (!e.refill) e.refill = std::make_unique<refill_detail>();
  return *e.refill;
}

void order_record::clear_refill() {
  if (!extra_) return;
  extra_->refill.reset();
  trim();
}

std::vector<std::function<void(bool)>> order_record::take_durable_waiters() {
  if (!extra_) return {};
  auto waiters = std::move(extra_->on_durable);
  extra_->on_durable.clear();
  trim();
  return waiters;
}

order_extra& order_record::extra() {
  if (!extra_) extra_ = std::make_unique<order_extra>();
  return *extra_;
}

void order_record::trim() {
  if (extra_ && extra_->empty()) {
    extra_.reset();
    raw_status_in_extra_ = false;
  }
}

std::string request_id_for(const order_record& r) {
  static constexpr char hex[] = "0123456789abcdef";
  auto h = static_cast<std::uint64_t>(r.request_hash);
  std::string digits(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) digits[static_cast<std::size_t>(i)] = hex[h & 0xf];
  return "smm-" + std::to_string(r.id()) + "-" + std::to_string(r.created_at()) + "-" + digits;
}

std::string request_id_mark(const order_record& r) { return "add carries request_id " + request_id_for(r); }

const std::string* text_pool::intern(std::string_view s) {
  if (const auto* found = find(s)) return found;
  const std::string& stored = texts_.emplace_back(s);
  index_.emplace(std::string_view(stored), &stored);
  return &stored;
}

const std::string* text_pool::find(std::string_view s) const {
  const auto it = index_.find(s);
  return it == index_.end() ? nullptr : it->second;
}

order_book::~order_book() {
  for (order_record* r : by_id_) delete r;
}

order_record& order_book::insert(std::unique_ptr<order_record> r) {
  // Ids and panel ids are new by contract; a record that breaks it replaces the old one, as
  // the maps this book had before did.
  if (by_id_.contains(r->id())) erase(r->id());
  if (const auto it = by_panel_.find(r->panel_order_id()); it != by_panel_.end()) by_panel_.erase(it);
  order_record* rec = r.release();
  by_id_.insert(rec);
  by_panel_.insert(rec);
  ++counts_[static_cast<std::size_t>(rec->o.state)];
  return *rec;
}

void order_book::erase(std::int64_t id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  std::unique_ptr<order_record> r(*it);
  by_id_.erase(it);
  --counts_[static_cast<std::size_t>(r->o.state)];
  if (const auto p = by_panel_.find(r->panel_order_id()); p != by_panel_.end() && *p == r.get())
    by_panel_.erase(p);
}

order_record* order_book::find(std::int64_t id) {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : *it;
}

order_record* order_book::find_panel(std::string_view panel_order_id) {
  const auto it = by_panel_.find(panel_order_id);
  return it == by_panel_.end() ? nullptr : *it;
}

void order_book::set_state(order_record& r, order_state s) {
  if (r.o.state == s) return;
  --counts_[static_cast<std::size_t>(r.o.state)];
  ++counts_[static_cast<std::size_t>(s)];
  r.o.state = s;
}

void order_book::set_provider(order_record& r, std::string_view name) {
  r.provider_ = name.empty() ? &order_record::no_text : texts_.intern(name);
}

void order_book::set_raw_status(order_record& r, std::string_view text) {
  const std::string* pooled = text.empty() ? &order_record::no_text : texts_.find(text);
  if (pooled == nullptr && texts_.size() < max_status_texts) pooled = texts_.intern(text);
  if (pooled != nullptr) {
    r.raw_status_ = pooled;
    if (r.raw_status_in_extra_) {
      r.raw_status_in_extra_ = false;
      r.extra_->raw_status.clear();
      r.trim();
    }
    return;
  }
  // The pool is full: this order keeps its own copy.
  r.raw_status_ = &order_record::no_text;
  r.extra().raw_status = text;
  r.raw_status_in_extra_ = true;
}

void order_book::occupy_link(order_record& r) { links_.add_running(r.o.link_hash, r.id()); }

void order_book::hold(order_record& r) {
  r.held = true;
  ++held_count_;
  held_[r.o.link_hash].push_back(r.id());
}

order_record* order_book::leave_link(order_record& r) {
  const std::uint64_t link = r.o.link_hash;
  if (r.held) {
    // A held order that ends (canceled) never occupied the link: just leave the line.
    r.held = false;
    --held_count_;
    auto& line = held_[link];
    line.erase(std::remove(line.begin(), line.end(), r.id()), line.end());
    if (line.empty()) held_.erase(link);
    return nullptr;
  }
  links_.remove_running(link, r.id());
  if (links_.has_running(link)) return nullptr;
  const auto it = held_.find(link);
  if (it == held_.end()) return nullptr;
  order_record* next = nullptr;
  while (!it->second.empty() && next == nullptr) {
    next = find(it->second.front());
    it->second.pop_front();
  }
  if (it->second.empty()) held_.erase(it);
  if (next != nullptr) {
    next->held = false;
    --held_count_;
    links_.add_running(link, next->id());
  }
  return next;
}

}  // namespace smm::daemon
