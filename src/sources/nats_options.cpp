#include "sources/nats_options.hpp"

namespace rig::sources {

core::result<std::optional<nats_options>> parse_nats_options(const core::env& env) {
    const auto servers = env.get("NATS_SERVERS");
    if (!servers) {
        return std::optional<nats_options>();
    }
    nats_options n;
    for (auto& s : core::split_list(*servers)) {
        n.servers.push_back(s.find("://") == std::string::npos ? "nats://" + s : s);
    }
    n.topics = core::split_list(env.value("NATS_SOURCE_TOPICS", "rig"));
    n.queue_group = env.value("NATSTOFILTER_QUEUE_GROUP", "rig-nats-to-filter");
    return std::optional<nats_options>(std::move(n));
}

}  // namespace rig::sources
