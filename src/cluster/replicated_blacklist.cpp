#include "cluster/replicated_blacklist.hpp"

#include <charconv>

namespace rig::cluster {

replicated_blacklist::replicated_blacklist(nats_link& link, const cluster_options& options,
                                           apply on_entry)
    : apply_(std::move(on_entry)),
      map_(link, options, "blacklist",
           "rig session blacklist: session (base64url) -> expiry (Unix ms)",
           [this](const std::string& session, std::optional<std::string_view> value) {
               on_value(session, value);
           }) {}

void replicated_blacklist::add(std::string session, clock::time_point expires) {
    map_.put(std::move(session),
             std::to_string(
                 std::chrono::duration_cast<std::chrono::milliseconds>(expires.time_since_epoch())
                     .count()));
}

void replicated_blacklist::on_value(const std::string& session,
                                    std::optional<std::string_view> value) const {
    int64_t ms = 0;
    if (!value ||
        std::from_chars(value->data(), value->data() + value->size(), ms).ec != std::errc{}) {
        return;  // entries are never deleted by rig; a marker from elsewhere changes nothing
    }
    const clock::time_point expires{std::chrono::milliseconds(ms)};
    if (expires > clock::now()) {
        apply_(session, expires);
    }
}

}  // namespace rig::cluster
