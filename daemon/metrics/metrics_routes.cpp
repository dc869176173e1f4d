#include "daemon/metrics/metrics_routes.hpp"

#include "daemon/metrics/metrics_render.hpp"

namespace smm::daemon::metrics {

namespace {

constexpr const char* plain_text = "text/plain; charset=utf-8";

route_answer text_answer(unsigned status, std::string body) {
  return {status, plain_text, std::move(body) + "\n", false};
}

}  // namespace

route_answer route_request(std::string_view method, std::string_view target,
                           const std::function<std::string()>& render, const std::function<bool()>& ready) {
  const auto query = target.find('?');
  const std::string_view path = target.substr(0, query);
  const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) return text_answer(404, "not found");
  // HEAD is GET without a body (RFC 9110 requires both); everything else changes nothing here.
  if (method != "GET" && method != "HEAD") {
    auto a = text_answer(405, "method not allowed");
    a.method_not_allowed = true;
    return a;
  }
  if (path == "/healthz") return text_answer(200, "ok");
  if (path == "/readyz") return ready && ready() ? text_answer(200, "ready") : text_answer(503, "not ready");
  return {200, metrics_content_type, render ? render() : std::string{}, false};
}

}  // namespace smm::daemon::metrics
