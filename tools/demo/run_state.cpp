#include "tools/demo/run_state.hpp"

#include <algorithm>
#include <cmath>

namespace smm::demo {

providers::provider_client_options client_options_for(const provider_config& p) {
  providers::provider_client_options o;
  o.name = p.name;
  o.url = p.api_url;
  o.key = p.key.reveal();
  switch (p.style) {
    case request_style::form:
      o.request.style = providers::request_style::form_post;
      break;
    case request_style::get:
      o.request.style = providers::request_style::get_query;
      break;
    case request_style::json:
      o.request.style = providers::request_style::json_post;
      break;
  }
  o.request.key =
      p.key_in == key_placement::header ? providers::key_placement::header : providers::key_placement::body;
  o.transport.connect_timeout = p.connect_timeout;
  o.transport.write_timeout = p.request_timeout;
  o.transport.read_timeout = p.request_timeout;
  o.transport.tls_verify = p.tls_verify;
  if (p.ca_file) o.transport.ca_file = p.ca_file->string();
  o.max_in_flight = static_cast<std::size_t>(std::max(1, p.max_in_flight));
  // requests_per_second as a token bucket: whole tokens per second when >= 1, else one token
  // per 1/rate seconds (period rounded to the nearest millisecond).
  if (p.requests_per_second >= 1.0) {
    o.rate_tokens = static_cast<std::uint32_t>(std::lround(p.requests_per_second));
    o.rate_period = std::chrono::milliseconds{1000};
  } else {
    o.rate_tokens = 1;
    o.rate_period = std::chrono::milliseconds{std::lround(1000.0 / p.requests_per_second)};
  }
  o.rate_burst = o.rate_tokens;
  o.call_timeout = p.call_deadline;
  o.max_attempts = static_cast<std::uint32_t>(std::max(0, p.max_retries)) + 1;
  // The demo's providers answer in microseconds: keep the backoff short so retries show
  // without stretching the run.
  o.backoff.base = std::chrono::milliseconds{20};
  o.backoff.cap = std::chrono::milliseconds{200};
  return o;
}

std::int64_t run_state::unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace smm::demo
