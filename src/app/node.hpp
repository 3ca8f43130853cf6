#pragma once

#include <memory>
#include <vector>

#include "auth/jwks_fetcher.hpp"
#include "auth/session_blacklist.hpp"
#include "config/node_options.hpp"
#include "http/session.hpp"
#include "net/shard_pool.hpp"
#include "sources/http_publisher.hpp"
#include "sources/ingest.hpp"
#include "sources/kafka_source.hpp"
#include "sources/kinesis_source.hpp"
#include "sources/nats_source.hpp"
#include "sources/source_status.hpp"
#include "transport/node_context.hpp"
#include "transport/shard_context.hpp"

namespace rig::app {

// The composition root: builds every module from the options, starts them in order and
// stops them in reverse.
//
// start() binds the listeners (one SO_REUSEPORT acceptor per shard on the public port; the
// internal API on shard 0), starts the shard threads and writes the ready file. stop() drains
// gracefully: stops accepting, closes every stream cleanly, and waits up to
// RIG_DRAIN_TIMEOUT_MS before cutting what is left.
class node {
public:
    explicit node(config::node_options options);
    ~node();
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    void start();  // throws std::exception when a listener cannot be opened
    void stop();

    uint16_t inbound_port() const { return inbound_port_; }
    uint16_t api_port() const { return api_port_; }

private:
    void write_ready_file() const;

    config::node_options options_;
    auth::session_blacklist blacklist_;
    std::unique_ptr<auth::jwks_fetcher> jwks_;
    http::server_options inbound_http_;  // options_.http plus CORS on session errors
    net::shard_pool pool_;
    transport::node_context context_;
    std::vector<std::unique_ptr<transport::shard_context>> shards_;
    std::unique_ptr<sources::http_publisher> publisher_;
    std::vector<http::handler> inbound_routes_;
    std::vector<http::handler> admin_routes_;
    std::vector<tcp::acceptor> inbound_acceptors_;
    std::vector<tcp::acceptor> api_acceptors_;
    // Event sources: statuses live as long as the node; the consumers are started last and
    // stopped first (they post to the shards).
    std::unique_ptr<sources::ingest> ingest_;
    std::vector<std::unique_ptr<sources::source_status>> statuses_;
    std::vector<const sources::source_status*> status_views_;
    std::unique_ptr<sources::kafka_source> kafka_;
    std::unique_ptr<sources::nats_source> nats_;
    std::unique_ptr<sources::kinesis_source> kinesis_;
    void stop_sources();
    uint16_t inbound_port_ = 0;
    uint16_t api_port_ = 0;
};

}  // namespace rig::app
