#include "cluster/cluster_options.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/random.hpp"

namespace rig::cluster {

core::result<std::optional<cluster_options>> parse_cluster_options(const core::env& env,
                                                                   const std::string& node_cookie) {
    const auto servers = env.get("RIG_CLUSTER_NATS");
    if (!servers) {
        return std::optional<cluster_options>();
    }
    if (node_cookie.empty()) {
        return core::bad_setting("RIG_CLUSTER_NATS",
                                 "a cluster needs NODE_COOKIE, the same on every node (it keys "
                                 "the connection tokens every node must read)",
                                 *env.raw("RIG_CLUSTER_NATS"));
    }
    cluster_options c;
    for (auto& server : core::split_list(*servers)) {
        c.servers.push_back(server.find("://") == std::string::npos ? "nats://" + server : server);
    }
    if (auto id = env.get("RIG_NODE_ID")) {
        c.node_id = *id;
    } else {
        std::array<char, 256> host{};
        ::gethostname(host.data(), host.size() - 1);
        c.node_id = fmt::format("{}-{}-{:06x}", host.data(), static_cast<long>(::getpid()),
                                core::random_u64() & 0xffffff);
    }
    if (auto e = env.read_ms("RIG_CLUSTER_TIMEOUT_MS", c.timeout, 1)) {
        return *e;
    }
    c.prefix = env.value("RIG_CLUSTER_PREFIX", c.prefix);
    const bool prefix_ok = !c.prefix.empty() && c.prefix.front() != '.' && c.prefix.back() != '.' &&
                           c.prefix.find("..") == std::string::npos &&
                           std::all_of(c.prefix.begin(), c.prefix.end(), [](char ch) {
                               return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
                                      ch == '-' || ch == '_';
                           });
    if (!prefix_ok) {
        return core::bad_setting(
            "RIG_CLUSTER_PREFIX",
            "expected NATS subject tokens (letters, digits, - and _) joined by dots", c.prefix);
    }
    return std::optional<cluster_options>(std::move(c));
}

}  // namespace rig::cluster
