#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>

namespace {

using namespace std::chrono;
using rig::core::rfc3339;

TEST(Clock, FormatsWithMicrosecondsAndNumericUtcOffset) {
    const auto t = sys_days{year{2019} / March / 27} + hours{11} + minutes{53} + seconds{18} +
                   microseconds{435690};
    EXPECT_EQ(rfc3339(t), "2019-03-27T11:53:18.435690+00:00");
}

TEST(Clock, FormatsEpoch) {
    EXPECT_EQ(rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000000+00:00");
}

TEST(Clock, ZeroPadsEveryField) {
    const auto t =
        sys_days{year{2001} / January / 2} + hours{3} + minutes{4} + seconds{5} + microseconds{6};
    EXPECT_EQ(rfc3339(t), "2001-01-02T03:04:05.000006+00:00");
}

TEST(Clock, TruncatesBelowMicroseconds) {
    const auto t = sys_days{year{2020} / February / 29} + hours{23} + minutes{59} + seconds{59} +
                   microseconds{999999};
    const auto with_nanos = time_point_cast<system_clock::duration>(t) +
                            duration_cast<system_clock::duration>(nanoseconds{999});
    EXPECT_EQ(rfc3339(with_nanos), "2020-02-29T23:59:59.999999+00:00");
}

TEST(Clock, NowHasTheSameShape) {
    const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00)");
    EXPECT_TRUE(std::regex_match(rig::core::rfc3339_now(), shape));
}

}  // namespace
