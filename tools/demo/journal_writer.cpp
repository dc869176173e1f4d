#include "tools/demo/journal_writer.hpp"

#include <boost/asio/post.hpp>

namespace smm::demo {

namespace asio = boost::asio;

journal_writer::journal_writer(asio::any_io_executor ex, store::journal& j)
    : ex_(ex), journal_(j), state_(std::make_shared<state>(ex)) {}

void journal_writer::write(std::vector<store::journal_op> ops) {
  ++state_->pending;
  journal_.submit(std::move(ops), [ex = ex_, st = state_](store::commit_result r) {
    asio::post(ex, [st, ok = r.ok] {
      --st->pending;
      if (!ok) ++st->failed;
      st->done.notify_all();
    });
  });
}

asio::awaitable<bool> journal_writer::write_and_wait(std::vector<store::journal_op> ops) {
  // The flag lives on the heap: the completion may outlive nothing here, but it must not
  // point into this coroutine frame after the frame is gone.
  auto result = std::make_shared<int>(0);  // 0 pending, 1 ok, 2 failed
  auto signal = std::make_shared<async_signal>(ex_);
  ++state_->pending;
  journal_.submit(std::move(ops), [ex = ex_, st = state_, result, signal](store::commit_result r) {
    asio::post(ex, [st, result, signal, ok = r.ok] {
      --st->pending;
      if (!ok) ++st->failed;
      *result = ok ? 1 : 2;
      signal->notify_all();
      st->done.notify_all();
    });
  });
  while (*result == 0) co_await signal->wait();
  co_return *result == 1;
}

asio::awaitable<void> journal_writer::drain() {
  while (state_->pending > 0) co_await state_->done.wait();
}

}  // namespace smm::demo
