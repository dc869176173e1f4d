#include "providers/retry_after.hpp"

#include <gtest/gtest.h>

namespace smm::providers {
namespace {

using namespace std::chrono;

// 1994-11-06 08:49:07 UTC, 30 s before the RFC's example date.
const system_clock::time_point now = sys_days{year{1994} / November / 6} + 8h + 49min + 7s;

TEST(RetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(parse_retry_after("86400", now), max_retry_after);  // clamped
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), max_retry_after);
}

TEST(RetryAfter, HttpDates) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 30s);   // IMF-fixdate
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 30s);  // RFC 850
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 30s);        // asctime
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);    // in the past
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now), max_retry_after);
}

TEST(RetryAfter, Rejects) {
  for (const char* bad :
       {"", "soon", "-5", "1.5", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 PST"}) {
    EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
  }
}

// Found by fuzz/retry_after_fuzz: a date past 2262 overflowed the clock's nanoseconds (UBSan:
// signed integer overflow in make_time) and gave any wait at all; a far past one the same.
TEST(RetryAfter, FarDatesDoNotOverflow) {
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), max_retry_after);
  EXPECT_EQ(parse_retry_after("Fri Dec 31 23:59:59 9999", now), max_retry_after);
  EXPECT_EQ(parse_retry_after("Sat, 01 Jan 0000 00:00:00 GMT", now), 0s);
}

// Found by fuzz/retry_after_fuzz: leading zeros counted as digits of a huge number, so
// "0000000000005" meant an hour.
TEST(RetryAfter, LeadingZerosAreDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("0000000000005", now), 5s);
  EXPECT_EQ(parse_retry_after("00000000000000000000000000000000000000000000", now), 0s);
  EXPECT_EQ(parse_retry_after("0000000000007200", now), max_retry_after);
}

}  // namespace
}  // namespace smm::providers
