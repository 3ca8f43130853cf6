#include "transport/connection.hpp"

#include <algorithm>
#include <boost/json/object.hpp>

#include "cloudevents/rig_event.hpp"
#include "hub/published_event.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::transport {

std::chrono::steady_clock::duration close_grace(const shard_context& shard) {
    return shard.draining() ? std::chrono::seconds(1) : std::chrono::seconds(5);
}

connection::connection(shard_context& shard, kind k) : shard_(shard), kind_(k) {}

connection::~connection() = default;

void connection::open() {
    const auto addr = shard_.add(shared_from_this());
    slot_ = addr.slot;
    registered_ = true;
    opened_tick_ = shard_.tick();
    token_ = shard_.node.tokens.encode(addr);
    auto& stats = shard_.hub.stats();
    hub::shard_stats::add(stats.connections_opened);
    switch (kind_) {
        case kind::sse:
            hub::shard_stats::add(stats.sse_connections, 1);
            break;
        case kind::ws:
            hub::shard_stats::add(stats.ws_connections, 1);
            break;
        case kind::longpoll:
            hub::shard_stats::add(stats.longpoll_sessions, 1);
            break;
    }
}

void connection::join_session(const std::string& session) {
    if (closing_ || std::find(sessions_.begin(), sessions_.end(), session) != sessions_.end()) {
        return;
    }
    sessions_.push_back(session);
    shard_.associate(session, this);
}

void connection::mark_closing() {
    if (closing_) {
        return;
    }
    closing_ = true;
    if (registered_) {
        shard_.hub.remove(*this);
    }
    for (const auto& s : sessions_) {
        shard_.dissociate(s, this);
    }
    sessions_.clear();
}

void connection::unregister() {
    if (!registered_) {
        return;
    }
    auto keep = shared_from_this();
    mark_closing();
    registered_ = false;
    shard_.remove(slot_);
    auto& stats = shard_.hub.stats();
    switch (kind_) {
        case kind::sse:
            hub::shard_stats::add(stats.sse_connections, -1);
            break;
        case kind::ws:
            hub::shard_stats::add(stats.ws_connections, -1);
            break;
        case kind::longpoll:
            hub::shard_stats::add(stats.longpoll_sessions, -1);
            break;
    }
}

void connection::set_subscriptions(std::vector<subscription::subscription> subs) {
    if (closing_) {
        return;
    }
    subs_ = std::move(subs);
    if (registered_) {
        shard_.hub.set_subscriptions(*this, subs_);
    }
    emit(cloudevents::make_rig_event("rig.subscriptions_set", subscription::to_json(subs_)));
}

void connection::emit(cloudevents::cloud_event&& ev) {
    static const subscription::extractors none;
    deliver(hub::make_published_event(std::move(ev), none));
}

void connection::emit_connection_create() {
    boost::json::object data;
    data["connection_token"] = token_;
    data["connectionToken"] = token_;
    emit(cloudevents::make_rig_event("rig.connection.create", std::move(data)));
}

}  // namespace rig::transport
