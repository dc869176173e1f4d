// The order book's compact records: ids inline, shared texts kept once, the rare fields in
// one side allocation that goes away when empty, both indexes without a copy of the panel id.
#include "daemon/engine/order_book.hpp"

#include <gtest/gtest.h>

#include <string>

#include "daemon/engine/inline_string.hpp"

namespace smm::daemon {
namespace {

std::unique_ptr<order_record> record(std::int64_t id, std::string panel_id) {
  auto r = std::make_unique<order_record>();
  r->set_id(id);
  r->set_panel_order_id(panel_id);
  r->o.link_hash = 1000 + static_cast<std::uint64_t>(id);
  r->o.state = order_state::queued;
  r->o.received_at = 1'750'000'000;
  r->request_hash = 0x1234;
  return r;
}

TEST(inline_string, keeps_short_texts_inline_and_long_ones_on_the_heap) {
  inline_string<16> s;
  EXPECT_TRUE(s.empty());
  s = "123456789012345";  // 15 bytes: inline
  EXPECT_TRUE(s.is_inline());
  EXPECT_EQ(s.view(), "123456789012345");
  s = "1234567890123456";  // 16: heap
  EXPECT_FALSE(s.is_inline());
  EXPECT_EQ(s.view(), "1234567890123456");
  inline_string<16> copy = s;
  EXPECT_EQ(copy.view(), s.view());
  inline_string<16> moved = std::move(copy);
  EXPECT_EQ(moved.view(), "1234567890123456");
  EXPECT_TRUE(copy.empty());       // NOLINT: a moved-from string is empty
  moved = moved.view().substr(2);  // assigned from its own bytes
  EXPECT_EQ(moved.view(), "34567890123456");
  EXPECT_TRUE(moved.is_inline());
  moved = std::string(300, 'x');
  EXPECT_EQ(moved.size(), 300u);
  moved = std::string_view();
  EXPECT_TRUE(moved.empty());
  static_assert(sizeof(inline_string<16>) == 16 && sizeof(inline_string<24>) == 24);
}

TEST(order_book, a_record_stays_small) {
  // 1M open orders in well under 512 MB, everything included (bench/daemon_engine/order_book_memory).
  EXPECT_LE(sizeof(order_record), 248u);
}

TEST(order_book, finds_records_by_id_and_by_panel_id) {
  order_book book;
  book.insert(record(1, "v2:shop:1"));
  book.insert(record(2, "a-panel-order-id-longer-than-twenty-three-bytes"));
  ASSERT_NE(book.find(1), nullptr);
  EXPECT_EQ(book.find(1)->panel_order_id(), "v2:shop:1");
  EXPECT_EQ(book.find_panel("a-panel-order-id-longer-than-twenty-three-bytes"), book.find(2));
  EXPECT_EQ(book.find_panel(std::string("v2:shop:1")), book.find(1));
  EXPECT_EQ(book.find_panel("v2:shop:2"), nullptr);
  EXPECT_EQ(book.counts()[static_cast<std::size_t>(order_state::queued)], 2);
  book.erase(1);
  EXPECT_EQ(book.find(1), nullptr);
  EXPECT_EQ(book.find_panel("v2:shop:1"), nullptr);
  EXPECT_EQ(book.size(), 1u);
  EXPECT_EQ(book.counts()[static_cast<std::size_t>(order_state::queued)], 1);
  std::size_t seen = 0;
  book.for_each([&](order_record& r) { seen += r.id() == 2 ? 1 : 0; });
  EXPECT_EQ(seen, 1u);
}

TEST(order_book, keeps_provider_names_and_status_texts_once) {
  order_book book;
  auto& a = book.insert(record(1, "a"));
  auto& b = book.insert(record(2, "b"));
  book.set_provider(a, "alpha");
  book.set_provider(b, "alpha");
  book.set_raw_status(a, "In progress");
  book.set_raw_status(b, "In progress");
  EXPECT_EQ(&a.provider(), &b.provider());
  EXPECT_EQ(a.raw_status(), "In progress");
  EXPECT_EQ(a.raw_status().data(), b.raw_status().data());
  EXPECT_EQ(book.texts(), 2u);
  book.set_provider(b, "");
  EXPECT_EQ(b.provider(), "");
}

TEST(order_book, status_texts_beyond_the_pool_stay_with_their_order) {
  order_book book;
  auto& r = book.insert(record(1, "a"));
  for (std::size_t i = 0; i < order_book::max_status_texts; ++i)
    book.set_raw_status(r, "s" + std::to_string(i));
  EXPECT_EQ(book.texts(), order_book::max_status_texts);
  book.set_raw_status(r, "In progress, order 1 of a kind");
  EXPECT_EQ(r.raw_status(), "In progress, order 1 of a kind");
  EXPECT_EQ(book.texts(), order_book::max_status_texts);  // the pool did not grow
  EXPECT_TRUE(r.has_extra());
  book.set_raw_status(r, "s7");  // a pooled one again: the copy goes
  EXPECT_EQ(r.raw_status(), "s7");
  EXPECT_FALSE(r.has_extra());
  order_record probe;
  EXPECT_EQ(probe.raw_status(), "");
}

TEST(order_book, rare_fields_live_beside_the_record_only_while_set) {
  order_book book;
  auto& r = book.insert(record(1, "a"));
  EXPECT_EQ(r.note(), "");
  r.set_note(request_id_mark(r));  // every add to an idempotency_key provider: rebuilt, not kept
  EXPECT_EQ(r.note(), request_id_mark(r));
  EXPECT_EQ(r.note(), "add carries request_id smm-1-1750000000-0000000000001234");
  r.set_missing_since_ms(0);
  r.set_last_anomaly("");
  r.set_refund_reason("completed");
  EXPECT_EQ(r.refund_reason_text(), "completed");
  r.set_refund_reason("needs_review");
  EXPECT_EQ(r.refund_reason_text(), "needs_review");
  EXPECT_FALSE(r.refund());
  EXPECT_FALSE(r.has_extra());  // nothing above needed the side allocation
  r.set_note("alpha refused (Not enough funds)");
  EXPECT_EQ(r.note(), "alpha refused (Not enough funds)");
  r.set_refund(money::from_micros(5));
  r.set_refund_reason("something new");
  EXPECT_EQ(r.refund_reason_text(), "something new");
  EXPECT_EQ(*r.refund(), money::from_micros(5));
  r.refill_slot().refill_id = "r1";
  ASSERT_NE(r.refill(), nullptr);
  EXPECT_EQ(r.refill()->refill_id, "r1");
  bool called = false;
  r.on_durable([&](bool ok) { called = ok; });
  EXPECT_TRUE(r.has_durable_waiters());
  for (auto& w : r.take_durable_waiters()) w(true);
  EXPECT_TRUE(called);
  EXPECT_FALSE(r.has_durable_waiters());
  r.set_missing_since_ms(42);
  EXPECT_EQ(r.missing_since_ms(), 42);
  r.set_missing_since_ms(0);
  EXPECT_EQ(r.missing_since_ms(), 0);
  EXPECT_TRUE(r.has_extra());
  // Once nothing is set in it any more, it goes.
  r.set_note("");
  r.set_refund_reason("");
  r.clear_refill();
  EXPECT_TRUE(r.has_extra());  // the refund stays
  EXPECT_EQ(*r.refund(), money::from_micros(5));
}

TEST(order_book, a_held_order_is_released_when_the_link_is_free) {
  order_book book;
  auto& first = book.insert(record(1, "a"));
  auto second_rec = record(2, "b");
  second_rec->o.link_hash = first.o.link_hash;
  auto& second = book.insert(std::move(second_rec));
  book.occupy_link(first);
  book.hold(second);
  EXPECT_EQ(book.held_count(), 1);
  EXPECT_EQ(book.leave_link(first), &second);
  EXPECT_FALSE(second.held);
  EXPECT_EQ(book.held_count(), 0);
  EXPECT_EQ(book.links().running(first.o.link_hash).front(), 2);
}

}  // namespace
}  // namespace smm::daemon
