#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cluster/cluster_options.hpp"
#include "cluster/nats_link.hpp"
#include "cluster/nats_subscription.hpp"
#include "transport/remote_nodes.hpp"

namespace rig::cluster {

// Request and reply between nodes over NATS: each node answers on its own subject
// (`<prefix>.node.<instance>`), and receives answers on `<prefix>.reply.<instance>.<n>`.
// A node that does not exist has no subscriber, so NATS answers "no responders" at once; one
// that is gone mid-way costs the cluster timeout.
//
// It also makes sure a node joins only a cluster that shares its NODE_COOKIE: at start it asks
// `<prefix>.hello` for a running node's cookie fingerprint, and answers that question itself
// from then on.
//
// @par Thread safety
// ask() may be called from any shard. The server is called on cnats threads.
class node_requests final : public transport::remote_nodes {
public:
    // Answers one request: `reply` must be called exactly once, from any thread.
    using server = std::function<void(std::string request, std::function<void(std::string)> reply)>;

    node_requests(nats_link& link, const cluster_options& options, uint32_t instance,
                  std::string cookie_fingerprint);
    ~node_requests() override;
    node_requests(const node_requests&) = delete;
    node_requests& operator=(const node_requests&) = delete;

    // Whether a running node answers hello with another fingerprint (then this node must not
    // join); false too when no node answers.
    bool cookie_differs() const;

    // Starts answering: hello, and requests to this node through `serve`.
    void start(server serve);
    void stop();

    asio::awaitable<std::optional<std::string>> ask(uint32_t instance, std::string request,
                                                    std::chrono::milliseconds hold) override;

    // Called by cnats.
    void on_reply_to(std::string_view subject, std::optional<std::string> answer);
    void on_request(const char* reply_subject, std::string_view request);
    void on_hello(const char* reply_subject);

    uint64_t asked() const { return asked_.load(std::memory_order_relaxed); }
    uint64_t unanswered() const { return state_->unanswered.load(std::memory_order_relaxed); }
    uint64_t served() const { return served_.load(std::memory_order_relaxed); }

private:
    using waiter = std::function<void(std::optional<std::string>)>;
    // The requests waiting for an answer, shared with their timers (which may fire on a shard
    // after this object is gone) and the replies being sent (which may be sent after it).
    struct shared_state {
        std::mutex mutex;
        uint64_t next_id = 1;
        std::unordered_map<uint64_t, waiter> waiting;
        __natsConnection* conn = nullptr;  // null once stopped: no more replies go out
        std::atomic<uint64_t> unanswered{0};
        // Takes the waiter of request `id` (at most once: the answer and the timeout race).
        waiter take(uint64_t id);
    };

    void on_reply(uint64_t id, std::optional<std::string> answer);
    void send_request(uint32_t instance, uint64_t id, const std::string& request);

    nats_link& link_;
    const cluster_options& options_;
    uint32_t instance_;
    std::string fingerprint_;
    std::string reply_prefix_;  // "<prefix>.reply.<instance>."
    server serve_;
    nats_subscription requests_;
    nats_subscription replies_;
    nats_subscription hello_;

    std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();

    std::atomic<uint64_t> asked_{0};
    std::atomic<uint64_t> served_{0};
};

// The subject a node answers requests on.
std::string node_subject(const cluster_options& options, uint32_t instance);

}  // namespace rig::cluster
