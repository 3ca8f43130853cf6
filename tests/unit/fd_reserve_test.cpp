#include "net/fd_reserve.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

#include "net/accept_failures.hpp"

namespace {

using rig::net::accept_failures;
using rig::net::fd_reserve;

TEST(FdReserve, HoldsReleasesAndRefills) {
    fd_reserve reserve(4);
    EXPECT_EQ(reserve.held(), 4U);
    EXPECT_EQ(reserve.release(2), 2U);
    EXPECT_EQ(reserve.held(), 2U);
    EXPECT_EQ(reserve.release(5), 2U);  // no more than it holds
    EXPECT_EQ(reserve.held(), 0U);
    reserve.refill();
    EXPECT_EQ(reserve.held(), 4U);
}

TEST(FdReserve, ReleasedDescriptorsAreUsableWhenTheProcessIsOut) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    fd_reserve reserve(2);
    // Take every descriptor left under a limit a little above the lowest free one.
    const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(probe, 0);
    ::close(probe);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(probe) + 8;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
    std::vector<int> taken;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) {
        taken.push_back(fd);
    }
    EXPECT_EQ(errno, EMFILE);
    EXPECT_EQ(reserve.release(1), 1U);
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    reserve.refill();  // nothing to spare: stays short
    EXPECT_EQ(reserve.held(), 1U);
    ::close(fd);
    reserve.refill();  // one freed: back to full
    EXPECT_EQ(reserve.held(), 2U);
    for (const int t : taken) {
        ::close(t);
    }
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST(AcceptFailures, CountsByListenerAndCause) {
    accept_failures f;
    f.count(false, EMFILE);
    f.count(false, EMFILE);
    f.count(true, ENFILE);
    f.count(true, EIO);
    EXPECT_EQ(f.get(0, accept_failures::reason_of(EMFILE)), 2U);
    EXPECT_EQ(f.get(1, accept_failures::reason_of(ENFILE)), 1U);
    EXPECT_EQ(accept_failures::reasons[accept_failures::reason_of(EIO)], "other");
    EXPECT_EQ(f.get(1, accept_failures::reason_of(EIO)), 1U);
    EXPECT_EQ(f.get(0, accept_failures::reason_of(ENOMEM)), 0U);
}

}  // namespace
