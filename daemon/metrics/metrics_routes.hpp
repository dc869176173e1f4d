#pragma once
// What the metrics endpoint answers, decided without any I/O: method and target in, status
// and body out. metrics_server does the HTTP around it.
#include <functional>
#include <string>
#include <string_view>

namespace smm::daemon::metrics {

/// The answer to one request.
struct route_answer {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  bool method_not_allowed = false;  ///< 405: the server adds `Allow: GET, HEAD`
};

/// GET (or HEAD) /metrics -> 200 render(); /healthz -> 200 "ok"; /readyz -> 200 "ready" or
/// 503 "not ready" from ready(); other paths 404; other methods 405. A query string is ignored.
/// `render` and `ready` are only called for their own path.
route_answer route_request(std::string_view method, std::string_view target,
                           const std::function<std::string()>& render, const std::function<bool()>& ready);

}  // namespace smm::daemon::metrics
