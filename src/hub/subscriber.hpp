#pragma once

#include "hub/published_event.hpp"
#include "subscription/subscription_index.hpp"

namespace rig::hub {

// A connection that can receive events: an SSE stream, a WebSocket or a long-poll session.
//
// deliver() runs on the subscriber's shard while the shard's index is being walked: it must
// only queue the event (never block, never unsubscribe or destroy anything synchronously;
// post such work instead).
class subscriber : public subscription::index_member {
public:
    virtual void deliver(const event_ptr& event) = 0;

protected:
    ~subscriber() = default;
};

}  // namespace rig::hub
