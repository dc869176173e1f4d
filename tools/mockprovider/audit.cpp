#include "tools/mockprovider/audit.hpp"

#include "tools/mockprovider/params.hpp"

namespace smm::mock {

std::string key_hash(std::string_view key) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 0xf];
  return out;
}

std::uint64_t audit_log::record_add(add_record record) {
  record.seq = adds_.size() + 1;
  adds_.push_back(std::move(record));
  return adds_.back().seq;
}

void audit_log::mark_delivery(std::uint64_t seq, bool delivered) {
  // A reset drops the records a late delivery report would refer to.
  if (seq == 0 || seq > adds_.size()) return;
  adds_[seq - 1].delivered = delivered ? add_record::delivery::delivered : add_record::delivery::lost;
}

void audit_log::count(const std::string& action) {
  ++requests_;
  ++counts_[action.empty() ? std::string("none") : action];
}

void audit_log::enter() {
  const std::int64_t now = ++in_flight_;
  std::int64_t peak = peak_.load();
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

void audit_log::leave() { --in_flight_; }

void audit_log::reset() {
  adds_.clear();
  counts_.clear();
  requests_ = 0;
  peak_ = in_flight_.load();
}

std::string audit_log::counts_json() const {
  std::string out = "{";
  for (const auto& [action, n] : counts_) {
    if (out.size() > 1) out.push_back(',');
    out += json_quote(action) + ":" + std::to_string(n);
  }
  return out + "}";
}

std::string audit_log::to_json() const {
  std::string out = "{\"adds\":[";
  bool first = true;
  for (const auto& r : adds_) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"seq\":" + std::to_string(r.seq) + ",\"time_ms\":" + std::to_string(r.time_ms) +
           ",\"key_hash\":" + json_quote(r.key_hash) + ",\"service\":" + json_quote(r.service) +
           ",\"link\":" + json_quote(r.link) + ",\"quantity\":" + std::to_string(r.quantity) +
           ",\"order\":" + (r.order_id ? json_quote(*r.order_id) : std::string("null")) +
           ",\"error\":" + (r.error.empty() ? std::string("null") : json_quote(r.error)) +
           ",\"fault\":" + (r.fault.empty() ? std::string("null") : json_quote(r.fault)) + ",\"delivered\":" +
           (r.delivered == add_record::delivery::pending
                ? "null"
                : (r.delivered == add_record::delivery::delivered ? "true" : "false")) +
           ",\"request_id\":" + (r.request_id.empty() ? std::string("null") : json_quote(r.request_id)) +
           ",\"replayed\":" + (r.replayed ? "true" : "false") +
           ",\"created\":" + (r.order_id && !r.replayed ? "true" : "false") + "}";
  }
  out += "],\"counts\":" + counts_json() + ",\"requests\":" + std::to_string(requests_) +
         ",\"in_flight\":" + std::to_string(in_flight()) +
         ",\"peak_in_flight\":" + std::to_string(peak_in_flight()) + "}";
  return out;
}

}  // namespace smm::mock
