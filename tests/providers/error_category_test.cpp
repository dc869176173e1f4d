// Every message of api-v2.md §6.2 (and the codes clients see) against its category.
#include "providers/error_category.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smm::providers {
namespace {

using ec = error_category;

struct row {
  const char* message;
  ec expected;
};

const row table[] = {
    // PerfectPanel / JAP template
    {"Incorrect order ID", ec::order_not_found},
    {"Refill not found", ec::order_not_found},
    // SmartPanel language table
    {"API is Disable for this user or User Not Found! Contact the Support", ec::bad_key},
    {"This action is Invalid", ec::invalid_request},
    {"There are missing required parameters. Please check your API Manual", ec::invalid_request},
    {"Invalid Link", ec::invalid_link},
    {"Service ID does not exists", ec::unknown_service},
    {"Quantity must to be greater than or equal to minimum amount", ec::quantity_out_of_range},
    {"Quantity must to be less than or equal to maximum amount", ec::quantity_out_of_range},
    {"Not enough funds on balance", ec::not_enough_funds},
    {"Order ID is required parameter. Please check your API Manual", ec::invalid_request},
    // Coded errors
    {"neworder.error.link_duplicate", ec::duplicate_active_order},
    {"neworder.error.not_enough_funds", ec::not_enough_funds},
    {"neworder.error.invalid_link", ec::invalid_link},
    {"neworder.error.invalid_quantity", ec::quantity_out_of_range},
    {"neworder.error.service_not_found", ec::unknown_service},
    {"neworder.error.too_many_orders", ec::rate_limited},
    {"error.incorrect_service_id", ec::unknown_service},
    {"neworder.error.incorrect_service_id", ec::unknown_service},
    {"neworder.error.link_not_found", ec::invalid_link},
    {"neworder.error.min_quantity", ec::quantity_out_of_range},
    {"neworder.error.max_quantity", ec::quantity_out_of_range},
    {"neworder.error.service_inactive", ec::unknown_service},
    {"error.invalid_service", ec::unknown_service},
    {"error.invalid_link", ec::invalid_link},
    {"error.duplicate_order", ec::duplicate_active_order},
    {"Invalid link", ec::invalid_link},
    {"Duplicate order", ec::duplicate_active_order},
    {"Min quantity", ec::quantity_out_of_range},
    {"Max quantity", ec::quantity_out_of_range},
    // Duplicate-link text
    {"You have active order with this link. Please wait until order being completed.",
     ec::duplicate_active_order},
    // Other
    {"Invalid API key", ec::bad_key},
    {"Incorrect request key", ec::bad_key},
    {"Order not eligible for refill.", ec::refill_not_allowed},
    {"Invalid Request", ec::invalid_request},
    {"Refill Request Not found", ec::order_not_found},
    // ipanel.me
    {"wrong address", ec::invalid_link},
    {"big quantity", ec::quantity_out_of_range},
    {"small quantity", ec::quantity_out_of_range},
    {"low balance", ec::not_enough_funds},
    // NotPanel-style
    {"Missing required parameter: service", ec::invalid_request},  // not a missing service
    {"Too Many Requests", ec::rate_limited},
    // Private accounts: a refill refusal's reason (docs/rules.md Refill rule 7). The texts of
    // ../shared/seeds: 003 (English terms), 000 (Indonesian, "if private the refill cannot be
    // processed"); the provider's reply carries the same words.
    {"Private accounts do not qualify for refund!", ec::private_account},
    {"Pastikan akun tidak berstatus private, jika private refill tidak dapat diproses.", ec::private_account},
    {"Misplaced or private account orders are not qualified for refund.", ec::private_account},
    // Composites, for the table's order: the refusal's reason beats "not eligible"; an add's
    // class beats it (an invalid link proves the add created nothing; "private" alone proves nothing).
    {"Order not eligible for refill: profile is private", ec::private_account},
    {"Invalid link: the account is private", ec::invalid_link},
    // Unrecognised texts: nothing is known, so an add answered with one is `unknown`
    {"Service temporarily unavailable", ec::other},
    {"Internal", ec::other},
    {"Something went wrong", ec::other},
    {"Invalid request: invalid link", ec::invalid_link},  // the specific reason wins
    {"", ec::other},
};

TEST(ErrorCategory, Table) {
  for (const auto& r : table)
    EXPECT_EQ(classify_error(r.message), r.expected)
        << '"' << r.message << "\" -> " << to_string(classify_error(r.message)) << ", want "
        << to_string(r.expected);
}

TEST(ErrorCategory, CaseInsensitive) {
  EXPECT_EQ(classify_error("NOT ENOUGH FUNDS ON BALANCE"), ec::not_enough_funds);
  EXPECT_EQ(classify_error("invalid api KEY"), ec::bad_key);
  EXPECT_EQ(classify_error("YOU HAVE ACTIVE ORDER WITH THIS LINK"), ec::duplicate_active_order);
}

TEST(ErrorCategory, EveryPatternIsLowerCaseAndReachable) {
  // An upper-case needle never matches; a needle shadowed by an earlier one with another
  // category is dead code that hides a wrong order in the table.
  const auto patterns = error_patterns();
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string needle(patterns[i].needle);
    for (char c : needle) EXPECT_FALSE(c >= 'A' && c <= 'Z') << needle;
    EXPECT_EQ(classify_error(needle), patterns[i].category) << needle;
  }
}

}  // namespace
}  // namespace smm::providers
