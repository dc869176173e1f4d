#pragma once
// Shared setup of the provider client tests: a real mock process, an io_context, a client
// with fast test settings, and a way to run coroutines to completion.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <optional>

#include "providers/client/provider_client.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::providers::test_support {

using namespace std::chrono_literals;

/// Options that keep tests quick: short step timeouts, small backoff, no rate limit to speak of.
inline provider_client_options fast_options(const std::string& url) {
  provider_client_options o;
  o.name = "mock";
  o.url = url;
  o.key = "test-key";
  o.transport.connect_timeout = 1000ms;
  o.transport.write_timeout = 1000ms;
  o.transport.read_timeout = 1000ms;
  o.rate_tokens = 10000;
  o.rate_burst = 10000;
  o.call_timeout = 5000ms;
  o.backoff.base = 10ms;
  o.backoff.cap = 50ms;
  o.breaker.consecutive_failures = 1000;  // tests that want the breaker lower it
  o.breaker.min_samples = 1000;
  return o;
}

/// Runs one awaitable to completion on `ioc` and returns its value.
template <class T>
T run_on(boost::asio::io_context& ioc, boost::asio::awaitable<T> aw) {
  std::optional<T> out;
  std::exception_ptr err;
  boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
    err = e;
    if (!e) out = std::move(v);
  });
  ioc.restart();
  ioc.run();
  if (err) std::rethrow_exception(err);
  return std::move(*out);
}

/// An add order for service 1 (Default) on a link no other test uses.
inline add_order order_for(const std::string& link, std::int64_t qty = 100) {
  add_order o;
  o.service = "1";
  o.link = "https://instagram.com/" + link;
  o.quantity = qty;
  return o;
}

class client_test : public ::testing::Test {
 protected:
  explicit client_test(std::vector<std::string> flags = {}) : mock_(std::move(flags)) {}

  std::unique_ptr<provider_client> make(provider_client_options o) {
    return std::make_unique<provider_client>(ioc_.get_executor(), std::move(o));
  }
  std::unique_ptr<provider_client> make() { return make(fast_options(mock_.url())); }

  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    return run_on(ioc_, std::move(aw));
  }

  smm::test::mock_process mock_;
  boost::asio::io_context ioc_;
};

}  // namespace smm::providers::test_support
