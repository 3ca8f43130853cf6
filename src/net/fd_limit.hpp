#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstddef>

namespace rig::net {

// RIG_MAX_CONNECTIONS's default: the file-descriptor limit less a reserve of a tenth (at
// least 100) for everything else rig opens (internal API, event sources, backend
// connections, files); 0 (no cap) when there is no limit.
inline std::size_t default_connection_cap() {
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) != 0 || fds.rlim_cur == RLIM_INFINITY) {
        return 0;
    }
    const auto soft = static_cast<std::size_t>(fds.rlim_cur);
    const std::size_t reserve = std::max<std::size_t>(100, soft / 10);
    return soft > reserve ? soft - reserve : 1;
}

}  // namespace rig::net
