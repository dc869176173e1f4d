// Bounded load run of the provider client: a fixed number of `balance` calls against a mock
// at URL, `concurrency` at a time, on one thread. Prints requests/s. Stops by itself; a
// 60 s deadline per call bounds the time.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "providers/client/provider_client.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [requests=20000] [concurrency=16]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  const long total = argc > 2 ? std::atol(argv[2]) : 20000;
  const long conc = argc > 3 ? std::atol(argv[3]) : 16;
  if (url.rfind("http://127.", 0) != 0 && url.rfind("http://localhost", 0) != 0) {
    std::fprintf(stderr, "loopback URLs only\n");
    return 2;
  }
  using namespace smm::providers;
  boost::asio::io_context ioc;
  provider_client_options o;
  o.name = "load";
  o.url = url;
  o.key = "key-0";
  o.max_in_flight = static_cast<std::size_t>(conc);
  o.rate_tokens = 1000000;
  o.rate_burst = 1000000;
  o.call_timeout = std::chrono::seconds(60);
  o.retry_budget.min_retries = 0;
  o.transport.max_idle = static_cast<std::size_t>(conc);
  provider_client client(ioc.get_executor(), o);
  long issued = 0, ok = 0, other = 0;
  auto worker = [&]() -> boost::asio::awaitable<void> {
    while (issued < total) {
      ++issued;
      auto r = co_await client.balance();
      if (r.ok())
        ++ok;
      else
        ++other;
    }
  };
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < conc; ++i) boost::asio::co_spawn(ioc, worker(), boost::asio::detached);
  ioc.run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto f = client.figures();
  std::printf("client: %ld requests (%ld ok, %ld not ok) in %.3f s = %.0f req/s, connections %llu\n",
              ok + other, ok, other, secs, static_cast<double>(ok + other) / secs,
              static_cast<unsigned long long>(f.connections_opened));
  return other == 0 ? 0 : 1;
}
