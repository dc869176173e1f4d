#include "store/open_store.hpp"

#include "store/journal.hpp"
#include "store/postgresql/pg_store.hpp"

namespace smm::store {

std::unique_ptr<order_store> open_store(const store_options& o) {
  if (o.backend == backend_kind::postgresql)
    return std::make_unique<pg::pg_store>(
        pg::pg_options{o.dsn, o.max_batches_per_commit, o.max_ops_per_commit, o.exclusive});
  return std::make_unique<journal>(journal_options{o.path, o.max_batches_per_commit, o.max_ops_per_commit});
}

const char* to_string(backend_kind kind) {
  return kind == backend_kind::postgresql ? "postgresql" : "sqlite";
}

}  // namespace smm::store
