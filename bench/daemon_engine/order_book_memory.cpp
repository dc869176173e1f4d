// Memory per open order of the engine's order book, everything included: the record, the
// book's maps, the link index (running set and the placement refill rule 5 compares), the
// poll schedule entry and the allocator's overhead. Builds N records shaped like the running
// orders recovery loads (engine_context::record_from_row, then recovery.cpp: occupy_link,
// record_placement, poller::schedule_recovered) and reports the heap growth (mallinfo2) and
// the RSS growth per order. Not a Google Benchmark: one figure from one build.
//   engine_order_book_memory [orders=1000000]
// Measured here (glibc malloc, 1M orders): 401 B of heap and 400 B of RSS per order, a 248-byte
// record in a 256-byte chunk. Before issue 11 the same shape cost 1,374 B of heap and 1,373 B of
// RSS (a 1,024-byte record holding its add's fields and every rarely set string inline).
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "daemon/engine/order_book.hpp"
#include "daemon/engine/poll_schedule.hpp"

namespace {

using namespace smm;
using namespace smm::daemon;

// Bytes malloc handed out: from the heap, and in mmapped blocks (the large tables).
std::int64_t heap_bytes() {
  const auto m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

std::int64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::uint64_t mix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

// One running order as engine_context::record_from_row rebuilds it from its journal row (its
// add's fields are not kept: it is placed).
std::unique_ptr<order_record> recovered(order_book& book, std::int64_t id, const service_def& svc,
                                        std::int64_t now) {
  auto r = std::make_unique<order_record>();
  r->set_id(id);
  r->set_panel_order_id("v2:shop:" + std::to_string(100000 + id));
  r->request_hash = static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(id) + 1));
  r->service = &svc;
  r->o.service_id = svc.id;
  r->o.quantity = 1000;
  r->o.charge = money::from_micros(900'000);
  r->o.link_hash = mix(static_cast<std::uint64_t>(id) * 7919);
  r->o.state = order_state::in_progress;
  r->o.send_attempts = 1;
  r->o.received_at = now - 3600;
  r->o.last_status_change_at = now - 600;
  r->o.start_count = 1200;
  r->o.placed_at = now - 3500;
  book.set_provider(*r, "alpha");
  r->provider_index = 0;
  r->set_provider_order_id(std::to_string(10'000'000 + id * 7));
  book.set_raw_status(*r, "In progress");
  r->sent_at = now - 3500;
  r->updated_at = now - 600;
  r->durable = true;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  service_def svc;
  svc.id = 1;
  svc.refill_days = 30;
  const std::int64_t now = 1'750'000'000;
  const std::int64_t steady = 5'000'000;

  const std::int64_t heap0 = heap_bytes();
  const std::int64_t rss0 = rss_bytes();
  auto book = std::make_unique<order_book>();
  auto schedule = std::make_unique<poll_schedule>();
  for (std::int64_t id = 1; id <= n; ++id) {
    auto& r = book->insert(recovered(*book, id, svc, now));
    book->occupy_link(r);
    book->links().record_placement(r.o.link_hash, r.id(), r.o.placed_at);
    r.next_poll_ms = steady + (id * 37) % 60'000;
    schedule->add(r.id(), r.next_poll_ms, steady);
  }
  const std::int64_t heap1 = heap_bytes();
  const std::int64_t rss1 = rss_bytes();

  const double per_heap = static_cast<double>(heap1 - heap0) / static_cast<double>(n);
  const double per_rss = static_cast<double>(rss1 - rss0) / static_cast<double>(n);
  std::printf("orders                      %lld\n", static_cast<long long>(n));
  std::printf("sizeof(order)               %zu B\n", sizeof(order));
  std::printf("sizeof(order_record)        %zu B (malloc chunk %zu B)\n", sizeof(order_record),
              malloc_usable_size(book->find(1)) + 8);
  std::printf("heap per order (mallinfo2)  %.1f B\n", per_heap);
  std::printf("RSS per order               %.1f B\n", per_rss);
  std::printf("book size %zu, running links %zu, placed links %zu, schedule entries %zu\n", book->size(),
              book->links().running_links(), book->links().placed_links(), schedule->size());
  return 0;
}
