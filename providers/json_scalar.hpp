#pragma once
// Internal helpers of response_parser: body checks before simdjson sees a byte, and readers for
// fields that providers send as a number, a string, or a sentinel ("Unknown", "", null).
// Not part of the public API; includes simdjson.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "providers/response_parser.hpp"

namespace smm::providers::detail {

namespace od = simdjson::ondemand;

/// The body after the cap, emptiness, BOM and "is it JSON at all" checks.
struct prepared_body {
  std::string_view text;          ///< without the BOM
  simdjson::padded_string owned;  ///< the padded copy, when the caller's buffer had no padding
  simdjson::padded_string_view view;
  std::string error;  ///< non-empty: do not parse, this is why
};

/// Runs the checks and pads the body. Fills `out.error` when the body must not be parsed.
void prepare(body_ref body, prepared_body& out);

/// The calling thread's parser (capacity max_body_bytes).
od::parser& thread_parser();

/// A clear message for a simdjson failure on `text`: truncated, or invalid with the reason.
std::string describe_json_error(simdjson::error_code e, std::string_view text);

/// Printable excerpt of at most `max` bytes for messages: controls become spaces, runs of
/// spaces collapse, other non-ASCII bytes become '?'. Appends "..." when cut.
std::string sanitise(std::string_view text, std::size_t max = 80);

/// A scalar's text: string contents, the exact number token, "true"/"false"; nullopt for null.
/// Objects and arrays give INCORRECT_TYPE and are left for the caller's iterator to skip.
/// The view points into the parser or the body: valid until the parser's next document.
simdjson::error_code read_text(od::value v, std::optional<std::string_view>& out);

/// A whole number from text, tolerant of spaces and a zero fraction ("157.0"). Nullopt for
/// "Unknown", "", junk, overflow. With `plus_is_negative`, "+N" means -N: SmartPanel stores an
/// over-delivery (negative remains) as "+N" (api-v2.md §4.1) and serves it back that way.
std::optional<std::int64_t> to_int(std::string_view text, bool plus_is_negative = false);

/// true/false, 1/0, "true"/"false", "1"/"0", "yes"/"no" (any case); nullopt otherwise.
std::optional<bool> to_bool(std::string_view text);

/// Reads an error value: a string, or an object with "error" (or "message"). Returns false
/// when `v` holds no error text. `out` is the message.
bool read_error_value(od::value v, std::string& out);

/// JSON type name for messages ("object", "array", "string", "number", "boolean", "null").
std::string_view type_name(od::json_type t);

}  // namespace smm::providers::detail
