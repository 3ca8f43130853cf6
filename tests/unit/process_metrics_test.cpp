#include "admin/process_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rig::admin::parse_proc_stat;

// A /proc/self/stat line whose command name holds spaces and a parenthesis.
const std::string stat_line =
    "4242 (rig (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 12345 "
    "100000000 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetrics, ParsesCpuRssAndStartTime) {
    const auto s = parse_proc_stat(stat_line, 100, 4096, 1'700'000'000);
    ASSERT_TRUE(s.has_value());
    EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);  // (250 + 50) / 100
    EXPECT_EQ(s->resident_bytes, 2048u * 4096u);
    EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'000 + 123.45);
}

TEST(ProcessMetrics, MalformedTextGivesNothing) {
    EXPECT_FALSE(parse_proc_stat("", 100, 4096, 0).has_value());
    EXPECT_FALSE(parse_proc_stat("1 (rig) S 1 2 3", 100, 4096, 0).has_value());
    EXPECT_FALSE(parse_proc_stat("1 rig S", 100, 4096, 0).has_value());
    std::string bad = stat_line;
    bad.replace(bad.find(" 250 "), 5, " x50 ");
    EXPECT_FALSE(parse_proc_stat(bad, 100, 4096, 0).has_value());
}

TEST(ProcessMetrics, RendersTheStandardNamesForThisProcess) {
    const std::string text = rig::admin::render_process_metrics(0);
    for (const char* line : {"# TYPE process_cpu_seconds_total counter\n",
                             "# TYPE process_resident_memory_bytes gauge\n",
                             "# TYPE process_start_time_seconds gauge\n",
                             "# TYPE process_open_fds gauge\n", "# TYPE process_max_fds gauge\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << text;
    }
}

}  // namespace
