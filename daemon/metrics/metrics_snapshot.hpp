#pragma once
// What the metrics endpoint shows, as plain data copied out of the engine and the provider
// clients at scrape time. No asio: the renderer and its tests stay cheap.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/apiv2/api_figures.hpp"
#include "daemon/engine_figures.hpp"
#include "daemon/panel/hello_figures.hpp"
#include "daemon/panel/panel_close_figures.hpp"
#include "dispatch/money.hpp"
#include "dispatch/order_state.hpp"
#include "providers/client/client_figures.hpp"

namespace smm::daemon::metrics {

/// One provider at scrape time. `name` comes from the config (a bounded set).
struct provider_metrics {
  std::string name;
  providers::client_figures client;
  bool paused = false;
  std::optional<money> balance;  ///< absent until the first balance check answers
};

/// Everything one scrape renders.
struct metrics_snapshot {
  engine_figures engine;
  std::vector<provider_metrics> providers;
  std::optional<apiv2::api_figures> api;             ///< absent when the API v2 endpoint is not serving
  std::optional<panel::hello_figures> panel_hellos;  ///< the panel socket's hellos; absent: not serving
  std::optional<panel::panel_close_figures>
      panel_closes;  ///< panel socket closes on a limit; absent: not serving
};

}  // namespace smm::daemon::metrics
