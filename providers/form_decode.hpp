#pragma once
// application/x-www-form-urlencoded decoding, as API v2 bodies and query strings use it: the
// daemon's API v2 endpoint and the mock provider read panels' and clients' requests with it.
#include <functional>
#include <string>
#include <string_view>

namespace smm::providers {

/// Percent-decoding as PHP's urldecode: '+' is a space, %XX a byte; a '%' not followed by two
/// hex digits stays as it is.
std::string url_decode(std::string_view s);

/// Calls `f(name, value)`, both decoded, for each `name=value` pair of an `a=1&b=2` text in
/// order; empty pairs and pairs with an empty name are skipped. Stops when `f` returns false,
/// and then returns false.
bool for_each_form_pair(std::string_view text, const std::function<bool(std::string, std::string)>& f);

}  // namespace smm::providers
