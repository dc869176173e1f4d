#pragma once
// Submits journal batches from the demo's io thread and brings their commit back to it.
// The journal's completions run on its writer thread; they only post to the io executor.
// Thread safety: call everything from the io thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "store/journal.hpp"
#include "tools/demo/async_signal.hpp"

namespace smm::demo {

/// Batches in flight to the journal, and their outcome.
class journal_writer {
 public:
  journal_writer(boost::asio::any_io_executor ex, store::journal& j);

  /// Submits a batch; its commit is counted, nobody waits for it.
  void write(std::vector<store::journal_op> ops);
  /// Submits a batch and resumes once it is committed; false if the batch failed.
  boost::asio::awaitable<bool> write_and_wait(std::vector<store::journal_op> ops);
  /// Resumes once every submitted batch is committed (or failed).
  boost::asio::awaitable<void> drain();

  /// Batches that failed to commit (a bug in the demo: it prints them).
  std::uint64_t failed() const { return state_->failed; }

 private:
  struct state {
    explicit state(boost::asio::any_io_executor ex) : done(ex) {}
    async_signal done;
    std::uint64_t pending = 0;
    std::uint64_t failed = 0;
  };
  boost::asio::any_io_executor ex_;
  store::journal& journal_;
  std::shared_ptr<state> state_;
};

}  // namespace smm::demo
