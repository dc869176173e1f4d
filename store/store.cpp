#include "store/store.hpp"

#include <future>

namespace smm::store {

commit_result order_store::submit_and_wait(std::vector<journal_op> ops) {
  std::promise<commit_result> promise;
  auto future = promise.get_future();
  submit(std::move(ops), [&promise](commit_result r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace smm::store
