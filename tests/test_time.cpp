#include <gtest/gtest.h>

#include "dcvkit/time.hpp"

namespace {

using namespace dcvkit;

TEST(Time, CompactTimestampAcceptsRealCalendarTimes) {
  for (const char* ok : {"20240229000000", "20000229120000", "19991231235959", "20380119031408", "99991231235959",
                         "19700101000000", "20261123235959"}) {
    auto t = parse_compact_timestamp(ok);
    ASSERT_TRUE(t.ok()) << ok;
    EXPECT_EQ(format_compact_timestamp(*t), ok);  // round trip
  }
}

TEST(Time, CompactTimestampRejectsImpossibleOrMalformed) {
  for (const char* bad : {"20230229000000", "21000229000000", "20241301000000", "20240001000000", "20240100000000",
                          "20240431000000", "20240101240000", "20240101006000", "20240101000060", "2024010100000",
                          "202401010000000", "2024010100000a", "2024-1-01000000", " 2024010100000", "+2024010100000",
                          "", "00000101000000"}) {
    auto t = parse_compact_timestamp(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.error().kind, ErrorKind::InvalidInput);
    }
  }
}

TEST(Time, KnownEpochValues) {
  EXPECT_EQ(*parse_compact_timestamp("19700101000000"), 0);
  EXPECT_EQ(*parse_compact_timestamp("20000101000000"), 946684800);
  EXPECT_EQ(*parse_compact_timestamp("20380119031408"), 2147483648LL);
  EXPECT_EQ(*parse_compact_timestamp("20240229235959"), 1709251199);
  EXPECT_EQ(format_iso8601(1709251199), "2024-02-29T23:59:59Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59Z");
}

TEST(Time, CivilRoundTripOverFourCenturies) {
  for (UnixSeconds s = -62135596800LL /* 0001-01-01 */; s < 253402300800LL /* 10000-01-01 */; s += 86400 * 7 + 3601) {
    const CivilTime c = to_civil(s);
    ASSERT_TRUE(is_valid_civil(c)) << s;
    ASSERT_EQ(to_unix(c), s);
  }
}

TEST(Time, ParseInstantForms) {
  FixedClock clock(1000);
  EXPECT_EQ(*parse_instant("now", clock), 1000);
  EXPECT_EQ(*parse_instant("20240229120000", clock), *parse_compact_timestamp("20240229120000"));
  EXPECT_EQ(*parse_instant("2024-02-29", clock), *parse_compact_timestamp("20240229000000"));
  EXPECT_EQ(*parse_instant("2024-02-29T12:30:00Z", clock), *parse_compact_timestamp("20240229123000"));
  EXPECT_EQ(*parse_instant("2024-02-29 12:30", clock), *parse_compact_timestamp("20240229123000"));
  EXPECT_EQ(*parse_instant("2024-02-29T14:30:00+02:00", clock), *parse_compact_timestamp("20240229123000"));
  EXPECT_EQ(*parse_instant("2024-02-29T10:00:00-02:30", clock), *parse_compact_timestamp("20240229123000"));
  EXPECT_EQ(*parse_instant("2024-02-29T12:30:00.999Z", clock), *parse_compact_timestamp("20240229123000"));
  for (const char* bad : {"yesterday", "2023-02-29", "2024-02-29T25:00", "2024-02-29T12:30:00+2", "2024-02-29X",
                          "2024-02-29T12:30:00Zjunk", "", "2024/02/29"})
    EXPECT_FALSE(parse_instant(bad, clock).ok()) << bad;
}

TEST(Time, Duration) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(61), "1m 1s");
  EXPECT_EQ(format_duration(30 * 86400), "30d 0h 0m 0s");
  EXPECT_EQ(format_duration(-5), "0s");
}

}  // namespace
