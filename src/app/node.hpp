#pragma once

#include <memory>
#include <stdexcept>
#include <vector>

#include "admin/internal_api.hpp"
#include "auth/jwks_fetcher.hpp"
#include "auth/session_blacklist.hpp"
#include "auth/token_validator.hpp"
#include "avro_codec/schema_registry.hpp"
#include "checks/access_check.hpp"
#include "cluster/cluster_member.hpp"
#include "config/node_options.hpp"
#include "core/shared_budget.hpp"
#include "http/client_tls.hpp"
#include "hub/hub.hpp"
#include "net/accept_failures.hpp"
#include "net/fd_limit.hpp"
#include "net/fd_reserve.hpp"
#include "net/shard_pool.hpp"
#include "proxy/api_gateway.hpp"
#include "proxy/api_registry.hpp"
#include "proxy/avro_producer.hpp"
#include "proxy/kafka_producer.hpp"
#include "proxy/kafka_response_consumer.hpp"
#include "proxy/kinesis_putter.hpp"
#include "proxy/kinesis_response_consumer.hpp"
#include "proxy/nats_publisher.hpp"
#include "proxy/produce_counters.hpp"
#include "proxy/response_router.hpp"
#include "sources/http_publisher.hpp"
#include "sources/ingest.hpp"
#include "sources/kafka_source.hpp"
#include "sources/kinesis_source.hpp"
#include "sources/nats_source.hpp"
#include "sources/source_status.hpp"
#include "tracing/tracer.hpp"
#include "tracing/zipkin_exporter.hpp"
#include "transport/connect_policy.hpp"
#include "transport/connection_registry.hpp"

namespace rig::app {

// Thrown by node::start() when the node must not run as configured (exit status 2).
class start_refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The composition root: builds every module from the options, starts them in order and
// stops them in reverse.
//
// start() binds the listeners (one SO_REUSEPORT acceptor per shard on each public port, plain
// and TLS; the internal API's on shard 0), starts the shard threads and writes the ready
// file. stop() drains gracefully: stops accepting, closes every stream cleanly, and waits up
// to RIG_DRAIN_TIMEOUT_MS before cutting what is left.
class node {
public:
    explicit node(config::node_options options);
    ~node();
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    void start();  // throws std::exception when a listener cannot be opened
    void stop();

private:
    struct shard;
    struct listener;

    // Construction, in the order the constructor runs them.
    void make_tracing();
    void make_inbound_http();
    void make_token_validator();
    void make_policy(const std::string& cookie);
    void make_cluster();
    void make_publisher();
    void make_api_registry();  // also the gateway context the producers plug into
    void make_producers();
    void make_kafka_producers();
    void make_shards();
    void make_response_router(const std::string& cookie);
    void make_sources();
    void make_admin();
    // Where accepted events go in cluster mode (the backplane); null otherwise.
    sources::event_relay* relay() const;
    // Ends `session` on every shard of this node (not on the other nodes).
    void kill_everywhere_here(const std::string& session) const;
    // The internal API's /metrics beyond its own: gateway, producers, tracing, limits.
    std::string proxy_metrics() const;

    // start(), in the order it runs them.
    void open_listeners(ssl_ctx_st* tls);
    void start_accepting();
    void make_kinesis_responses();
    void start_sources();
    sources::source_status& status_of(std::string_view name);
    void log_listening(const ssl_ctx_st* tls) const;
    void open_listener(listener& l, const std::string& address, uint16_t port, bool all_shards);
    void write_ready_file() const;
    void stop_sources();
    // rig_check_results_total for the checks that are on (empty when none is).
    std::string check_metrics() const;
    void start_cluster();
    void warn_about_unclustered_sources() const;

    config::node_options options_;
    // Trace context for the publisher and the sources; spans go to Zipkin when ZIPKIN_ADDR is
    // set. Early members: they outlive everything that traces.
    std::unique_ptr<tracing::zipkin_exporter> zipkin_;
    std::unique_ptr<tracing::tracer> tracer_;
    auth::session_blacklist blacklist_;
    std::unique_ptr<auth::jwks_fetcher> jwks_;
    auth::token_validator jwt_;
    checks::access_check submission_check_;
    std::shared_ptr<const checks::check_counts> subscription_check_counts_;  // when enabled
    http::client_tls outbound_tls_;      // RIG_TLS_CA_FILE: trust for https:// checks
    http::server_options inbound_http_;  // options_.http plus CORS on session errors
    // RIG_MAX_CONNECTIONS over the public listeners; outlives the shards' streams.
    core::shared_budget connections_;
    core::shared_budget subscriptions_;  // RIG_MAX_SUBSCRIPTIONS, over every connection
    // Out of descriptors: the failed accepts, and the descriptors kept for the internal API.
    net::accept_failures accept_failures_;
    net::fd_reserve fd_reserve_{8};
    net::shard_pool pool_;
    hub::event_history history_;  // before events_, which appends to it
    hub::hub events_;
    // Cluster mode: events from the backplane go to `local_ingest_`; everything that accepts
    // events (HTTP, sources) hands them to the backplane instead of the hub.
    std::unique_ptr<sources::ingest> local_ingest_;
    std::unique_ptr<cluster::cluster_member> cluster_;
    std::unique_ptr<transport::connect_policy> policy_;
    std::unique_ptr<sources::http_publisher> publisher_;
    std::vector<const sources::source_status*> status_views_;
    std::unique_ptr<proxy::api_registry> apis_;
    std::unique_ptr<proxy::gateway_context> gateway_context_;
    // The API gateway's event targets and asynchronous answers.
    proxy::produce_counters kafka_produced_, nats_produced_, kinesis_produced_;
    // KAFKA_SCHEMA_REGISTRY_HOST: Avro schemas for the Kafka source and the Avro producer.
    std::unique_ptr<avro_codec::schema_registry> schema_registry_;
    std::unique_ptr<proxy::kafka_producer> kafka_producer_;
    std::unique_ptr<proxy::avro_producer> kafka_avro_;  // KAFKA_SERIALIZER=avro
    std::unique_ptr<proxy::nats_publisher> nats_publisher_;
    std::unique_ptr<proxy::kinesis_putter> kinesis_putter_;
    std::unique_ptr<proxy::response_router> responses_;
    std::unique_ptr<admin::dashboard_streams> dashboard_;  // on shard 0, with the internal API
    std::unique_ptr<admin::internal_api> admin_;
    http::handler admin_routes_;
    std::vector<std::unique_ptr<shard>> shards_;
    std::vector<transport::connection_registry*> registries_;
    std::vector<std::unique_ptr<listener>> listeners_;
    // Event sources: statuses live as long as the node; the consumers are started last and
    // stopped first (they post to the shards).
    std::unique_ptr<sources::ingest> ingest_;
    std::vector<std::unique_ptr<sources::source_status>> statuses_;
    std::unique_ptr<sources::kafka_source> kafka_;
    std::unique_ptr<sources::nats_source> nats_;
    std::unique_ptr<sources::kinesis_source> kinesis_;
    std::unique_ptr<proxy::kafka_response_consumer> kafka_responses_;
    std::unique_ptr<proxy::kinesis_response_consumer> kinesis_responses_;
};

}  // namespace rig::app
