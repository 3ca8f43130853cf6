#include "app/node.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <fstream>
#include <future>
#include <stdexcept>

#include "admin/metrics.hpp"
#include "admin/process_metrics.hpp"
#include "app/routes.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "http/client_pool.hpp"
#include "http/request_id.hpp"
#include "http/server.hpp"
#include "http/session_tracker.hpp"
#include "hub/shard_hub.hpp"
#include "net/listener.hpp"
#include "proxy/forwarded_response.hpp"
#include "transport/endpoints.hpp"

namespace rig::app {
namespace {

uint32_t random_instance() {
    return static_cast<uint32_t>(core::random_u64());
}

// Answers one request another node forwarded, on the shard whose endpoints get it.
asio::awaitable<void> serve_forwarded(transport::endpoints& endpoints, std::string request,
                                      std::function<void(std::string)> reply) {
    std::string answer = co_await endpoints.serve_forwarded(std::move(request));
    reply(std::move(answer));
}

std::string token_key(const config::node_options& o) {
    // NODE_COOKIE gives every node of a deployment the same key; otherwise a random one per
    // run (tokens do not survive a restart anyway: their connections do not).
    return o.node_cookie.empty() ? core::secure_random_bytes(32) : o.node_cookie;
}

std::string host_name() {
    std::array<char, 256> host{};
    ::gethostname(host.data(), host.size() - 1);
    return host.data();
}

}  // namespace

// Everything one shard owns, built before its thread starts.
struct node::shard {
    shard(unsigned index, asio::io_context& context, const config::node_options& options,
          const http::client_tls& outbound_tls, const transport::connect_policy& policy,
          const std::vector<transport::connection_registry*>& all,
          const sources::http_publisher& publisher, transport::remote_nodes* remote,
          const proxy::gateway_context& gateway_context)
        : io(context),
          hub(&options.extractors),
          clients(context, outbound_tls),
          registry(index, context, hub, policy.tokens(), policy.options()),
          endpoints(policy, registry, all, clients, remote),
          gateway(gateway_context, context, outbound_tls, static_cast<uint16_t>(index)),
          inbound_routes(
              http::with_request_id(make_inbound_routes(endpoints, publisher, clients, gateway))) {}

    asio::io_context& io;
    hub::shard_hub hub;
    http::client_pool clients;  // outbound calls (external checks)
    http::session_tracker sessions;
    transport::connection_registry registry;
    transport::endpoints endpoints;
    proxy::api_gateway gateway;  // everything on the public port that is not rig's own
    http::handler inbound_routes;
};

// One listening port: an acceptor per shard (public ports) or on shard 0 (internal API).
struct node::listener {
    const char* name;
    bool internal_api;
    ssl_ctx_st* tls;
    const http::server_options* options;
    std::vector<tcp::acceptor> acceptors;  // acceptors[i] runs on shard i
    uint16_t port = 0;
};

node::node(config::node_options options)
    : options_(std::move(options)),
      connections_(options_.max_connections.value_or(net::default_connection_cap())),
      subscriptions_(options_.transport.max_node_subscriptions),
      pool_(options_.shards),
      history_(options_.history) {
    // Each step uses what the steps before it built: keep this order.
    make_tracing();
    make_inbound_http();
    make_token_validator();
    const std::string cookie = token_key(options_);
    outbound_tls_ = http::make_client_tls(options_.tls_ca_file).value();
    make_policy(cookie);
    make_cluster();
    make_publisher();
    make_api_registry();
    make_producers();
    make_shards();
    make_response_router(cookie);
    make_sources();
    make_admin();
}

void node::make_tracing() {
    if (!options_.tracing.zipkin_url.empty()) {
        zipkin_ = std::make_unique<tracing::zipkin_exporter>(options_.tracing);
        log::info("tracing: sending spans to {} as service {}", options_.tracing.zipkin_url,
                  options_.tracing.service_name);
    }
    if (!options_.tracing.jaeger_host.empty()) {
        // Jaeger's agent speaks Thrift over UDP; its collector accepts Zipkin's JSON instead.
        log::warn(
            "JAEGER_HOST: the Jaeger agent protocol is not supported and JAEGER_HOST/JAEGER_PORT "
            "are ignored; set ZIPKIN_ADDR to the Jaeger collector's Zipkin endpoint (e.g. "
            "http://{}:9411/api/v2/spans){}",
            options_.tracing.jaeger_host, zipkin_ ? "" : "; no spans are exported");
    }
    tracer_ =
        std::make_unique<tracing::tracer>(options_.tracing.max_tracestate_bytes, zipkin_.get());
}

void node::make_inbound_http() {
    inbound_http_ = options_.http;
    inbound_http_.error_cors_origin = options_.transport.cors_origin;
    // Every path outside /_rig/ belongs to the API gateway, whose bodies stream through.
    inbound_http_.streams_body = [](std::string_view path) { return !path.starts_with("/_rig/"); };
}

void node::make_token_validator() {
    std::shared_ptr<auth::jwt_verifier> verifier;
    if (options_.jwt) {
        verifier = auth::jwt_verifier::create(*options_.jwt).value();
    } else if (!options_.jwks_url.empty()) {
        verifier =
            auth::jwt_verifier::create_for_key_set(options_.jwt_algorithm, options_.jwt_leeway)
                .value();
        jwks_ = std::make_unique<auth::jwks_fetcher>(options_.jwks_url, options_.jwks_refresh,
                                                     verifier, options_.tls_ca_file);
    }
    jwt_ = auth::token_validator(verifier, &blacklist_, options_.session_field);
}

void node::make_policy(const std::string& cookie) {
    submission_check_ = checks::access_check(options_.submission_check, &jwt_);
    checks::access_check subscription_check(options_.subscription_check, &jwt_);
    if (subscription_check.enabled()) {
        subscription_check_counts_ = subscription_check.counts();
    }
    policy_ = std::make_unique<transport::connect_policy>(
        options_.transport, options_.extractors, jwt_, std::move(subscription_check),
        transport::token_codec(cookie, random_instance()), &subscriptions_);
}

void node::kill_everywhere_here(const std::string& session) const {
    for (auto* r : registries_) {
        asio::post(r->io(), [r, session] { r->kill_session(session); });
    }
}

void node::make_cluster() {
    if (!options_.cluster) {
        return;
    }
    local_ingest_ =
        std::make_unique<sources::ingest>(events_, options_.extractors, nullptr, tracer_.get());
    cluster_ = std::make_unique<cluster::cluster_member>(
        *options_.cluster, policy_->tokens().instance(), policy_->tokens().fingerprint(),
        *local_ingest_,
        cluster::cluster_member::handlers{
            .blacklisted =
                [this](const std::string& session,
                       cluster::replicated_blacklist::clock::time_point expires) {
                    // Entries this node made come back from the bucket too: already applied.
                    if (blacklist_.add(session, expires)) {
                        kill_everywhere_here(session);
                    }
                },
            // Both run only once the node joins (start()), after apis_ and responses_ exist.
            .api_changed =
                [this](const std::string& id, std::optional<std::string_view> definition) {
                    apis_->apply_replicated(id, definition);
                },
            .response =
                [this](std::string_view wire) {
                    if (auto message = proxy::decode_forwarded_response(wire)) {
                        responses_->deliver(std::move(*message));
                    }
                }});
}

sources::event_relay* node::relay() const {
    return cluster_ ? &cluster_->events() : nullptr;
}

void node::make_publisher() {
    publisher_ = std::make_unique<sources::http_publisher>(
        events_, options_.extractors, options_.transport.cors_origin, submission_check_,
        options_.max_batch_events, relay(), tracer_.get());
}

void node::make_api_registry() {
    apis_ = std::make_unique<proxy::api_registry>(options_.cluster ? options_.cluster->node_id
                                                                   : "rig@" + host_name());
    apis_->load(options_.proxy.apis);
    if (cluster_) {
        apis_->on_write([this](const std::string& id, std::string definition) {
            cluster_->share_api(id, std::move(definition));
        });
    }
    gateway_context_ = std::make_unique<proxy::gateway_context>(
        proxy::gateway_context{*apis_, options_.proxy, jwt_, options_.transport.cors_origin});
}

void node::make_producers() {
    if (options_.kafka) {
        make_kafka_producers();
    }
    if (options_.nats) {
        nats_publisher_ = std::make_unique<proxy::nats_publisher>(
            proxy::nats_publisher_options{options_.nats->servers}, nats_produced_);
        gateway_context_->nats = nats_publisher_.get();
    }
    if (options_.kinesis) {
        auto account = options_.kinesis->account();
        account.region = options_.proxy.kinesis_request_region;
        kinesis_putter_ = std::make_unique<proxy::kinesis_putter>(
            proxy::kinesis_putter_options{account}, kinesis_produced_);
        gateway_context_->kinesis = kinesis_putter_.get();
    }
}

void node::make_kafka_producers() {
    kafka_producer_ = std::make_unique<proxy::kafka_producer>(
        proxy::kafka_producer_options{options_.kafka->connection()}, kafka_produced_);
    gateway_context_->kafka = kafka_producer_.get();
    if (!options_.kafka->schema_registry_host.empty()) {
        schema_registry_ =
            std::make_unique<avro_codec::schema_registry>(avro_codec::schema_registry_options{
                options_.kafka->schema_registry_host, options_.kafka->schema_registry_timeout,
                options_.kafka->schema_registry_backoff_max});
    }
    if (options_.kafka->avro_serializer && schema_registry_) {
        kafka_avro_ = std::make_unique<proxy::avro_producer>(
            *kafka_producer_, *schema_registry_, kafka_produced_, options_.kafka->avro_queue_limit);
        gateway_context_->kafka_avro = kafka_avro_.get();
    }
}

void node::make_shards() {
    transport::remote_nodes* remote = cluster_ ? &cluster_->nodes() : nullptr;
    events_.set_batch_window(options_.source_batch_window);
    events_.set_max_event_types(options_.metrics.max_event_types);
    events_.set_history(&history_);
    for (unsigned i = 0; i < pool_.size(); ++i) {
        shards_.push_back(std::make_unique<shard>(i, pool_.context(i), options_, outbound_tls_,
                                                  *policy_, registries_, *publisher_, remote,
                                                  *gateway_context_));
        registries_.push_back(&shards_.back()->registry);
        shards_.back()->registry.set_history(&history_);
        events_.add_shard(pool_.context(i).get_executor(), shards_.back()->hub);
        pool_.set_idle_hook(i, [s = shards_.back().get()] { return s->registry.run_flushes(); });
    }
}

void node::make_response_router(const std::string& cookie) {
    std::vector<proxy::response_router::shard> response_shards;
    for (unsigned i = 0; i < pool_.size(); ++i) {
        response_shards.push_back(
            {pool_.context(i).get_executor(), &shards_[i]->gateway.waiters()});
    }
    proxy::response_router::remote_hook to_other_node;
    if (cluster_) {
        // A response for a request waiting on another node goes on to that node.
        to_other_node = [this](uint32_t instance, std::string correlation,
                               proxy::async_response response) {
            cluster_->send_response(instance, proxy::encode_forwarded_response(
                                                  {std::move(correlation), std::move(response)}));
        };
    }
    responses_ = std::make_unique<proxy::response_router>(
        proxy::correlation_codec(cookie), policy_->tokens().instance(), std::move(response_shards),
        std::move(to_other_node));
    gateway_context_->responses = responses_.get();
}

void node::make_sources() {
    ingest_ =
        std::make_unique<sources::ingest>(events_, options_.extractors, relay(), tracer_.get());
    for (const char* name : {"kafka", "nats", "kinesis"}) {
        const bool configured = (name == std::string_view("kafka") && options_.kafka) ||
                                (name == std::string_view("nats") && options_.nats) ||
                                (name == std::string_view("kinesis") && options_.kinesis);
        if (configured) {
            statuses_.push_back(std::make_unique<sources::source_status>(name));
            status_views_.push_back(statuses_.back().get());
        }
    }
}

void node::make_admin() {
    admin::internal_api::cluster_view cluster_view;
    if (cluster_) {
        cluster_view.health = [this](bool& connected) {
            connected = cluster_->connected();
            return cluster_->health_json();
        };
        cluster_view.metrics = [this] { return cluster_->metrics_text(); };
    }
    // The internal API runs on shard 0: its dashboard streams end with that shard's drain.
    dashboard_ = std::make_unique<admin::dashboard_streams>(
        admin::dashboard_options{.max_streams = options_.dashboard_max_streams},
        [this] {
            return admin::read_dashboard_counters(events_, publisher_->received(), status_views_);
        },
        shards_.front()->sessions);
    admin_ = std::make_unique<admin::internal_api>(
        blacklist_, options_.api_key, events_, *publisher_, status_views_,
        [this](const std::string& session, auth::session_blacklist::clock::time_point expires) {
            kill_everywhere_here(session);
            if (cluster_) {
                cluster_->share_blacklisted(session, expires);
            }
        },
        std::move(cluster_view),
        admin::internal_api::proxy_view{apis_.get(), responses_.get(),
                                        [this] { return proxy_metrics(); }},
        options_.metrics.enabled, dashboard_.get());
    admin_routes_ = http::with_request_id(
        [this](http::exchange& ex) { return admin_->handle(ex, shards_.front()->clients); });
}

std::string node::proxy_metrics() const {
    std::vector<const proxy::request_metrics*> all;
    for (const auto& sh : shards_) {
        all.push_back(&sh->gateway.metrics());
    }
    return proxy::render_request_metrics(all) +
           proxy::render_produce_metrics({{"kafka", &kafka_produced_},
                                          {"nats", &nats_produced_},
                                          {"kinesis", &kinesis_produced_}}) +
           (kinesis_responses_ ? proxy::render_kinesis_response_metrics(*kinesis_responses_)
                               : std::string()) +
           (zipkin_ ? zipkin_->metrics_text() : std::string()) +
           (jwks_ ? jwks_->metrics_text() : std::string()) + check_metrics() +
           (schema_registry_ ? avro_codec::render_registry_metrics(*schema_registry_)
                             : std::string()) +
           admin::render_limit_metrics(connections_, subscriptions_) +
           admin::render_process_metrics(connections_.in_use()) +
           admin::render_accept_metrics(accept_failures_, fd_reserve_);
}

std::string node::check_metrics() const {
    std::string out;
    if (subscription_check_counts_) {
        out += checks::render_check_metrics("subscription", *subscription_check_counts_);
    }
    if (submission_check_.enabled()) {
        out += checks::render_check_metrics("submission", *submission_check_.counts());
    }
    if (out.empty()) {
        return out;
    }
    return "# HELP rig_check_results_total SUBSCRIPTION_CHECK and SUBMISSION_CHECK runs: allowed, "
           "denied, or failed (the service did not answer in time or could not be reached; the "
           "client was denied).\n# TYPE rig_check_results_total counter\n" +
           out;
}

void node::stop_sources() {
    kafka_responses_.reset();
    // Stopped, not destroyed: /metrics (shard 0) reads it until the shards stop, and the
    // pointer itself must not change under that read (ThreadSanitizer: a reset here raced
    // with the metrics handler during a drain). It goes with the node's members.
    if (kinesis_responses_) {
        kinesis_responses_->stop();
    }
    kafka_.reset();
    nats_.reset();
    kinesis_.reset();
}

node::~node() {
    stop_sources();
    if (cluster_) {
        cluster_->leave();
    }
    // Order matters: the shard threads stop; then every I/O object the node owns goes while
    // the io_contexts still exist; then the io_contexts go (destroying pending handlers and
    // coroutine frames, which refer to shard state) while the shard objects still exist.
    pool_.stop_and_join();
    listeners_.clear();
    for (auto& s : shards_) {
        s->registry.release_io();
        s->clients.close_idle();
        s->gateway.close_idle();
    }
    pool_.destroy_contexts();
    cluster_.reset();  // after the shards: their forwarded requests may still use it
}

void node::start_cluster() {
    if (!cluster_) {
        warn_about_unclustered_sources();
        return;
    }
    try {
        cluster_->join([this](std::string request, std::function<void(std::string)> reply) {
            // Any shard can answer: the endpoints run the update on the connection's shard.
            static std::atomic<unsigned> turn{0};
            auto& s = *shards_[turn.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
            asio::co_spawn(s.io, serve_forwarded(s.endpoints, std::move(request), std::move(reply)),
                           log::exception_logger{"forwarded request"});
        });
    } catch (const cluster::cookie_mismatch& e) {
        throw start_refused(std::string("cluster: ") + e.what());
    }
}

void node::warn_about_unclustered_sources() const {
    // Several nodes on one consumer group (Kafka) or queue group (NATS) split the events:
    // without the backplane, each client misses what the other nodes consumed.
    const auto warn = [](const char* source, const char* group_kind, const std::string& group) {
        log::warn(
            "{}: consuming in {} {} without cluster mode: other rig nodes in this group get the "
            "events this node does not, and their clients miss them (set RIG_CLUSTER_NATS to "
            "run nodes as one gateway)",
            source, group_kind, group);
    };
    if (options_.kafka) {
        warn("kafka", "consumer group", options_.kafka->group_id);
    }
    if (options_.nats) {
        warn("nats", "queue group", options_.nats->queue_group);
    }
    if (options_.kinesis && !options_.kinesis->app_name.empty()) {
        warn("kinesis", "lease table", options_.kinesis->app_name);
    }
}

void node::open_listener(listener& l, const std::string& address, uint16_t port, bool all_shards) {
    std::vector<asio::io_context*> contexts;
    for (unsigned i = 0; i < (all_shards ? pool_.size() : 1U); ++i) {
        contexts.push_back(&pool_.context(i));
    }
    l.acceptors = net::open_reuseport_acceptors(contexts, address, port);
    l.port = l.acceptors.front().local_endpoint().port();
}

void node::start() {
    start_cluster();
    ssl_ctx_st* tls = options_.tls ? options_.tls->native() : nullptr;
    open_listeners(tls);
    start_accepting();
    // Before the shards run: /metrics reads kinesis_responses_ on a shard thread.
    make_kinesis_responses();
    pool_.start();
    start_sources();
    log_listening(tls);
    write_ready_file();
}

void node::open_listeners(ssl_ctx_st* tls) {
    const auto add = [&](const char* name, bool api, ssl_ctx_st* ctx, const http::server_options& o,
                         const std::string& address, uint16_t port) {
        listeners_.push_back(std::make_unique<listener>(listener{name, api, ctx, &o, {}, 0}));
        open_listener(*listeners_.back(), address, port, !api);
    };
    add("public", false, nullptr, inbound_http_, options_.bind_address, options_.inbound_port);
    add("internal API", true, nullptr, options_.http, options_.api_bind_address, options_.api_port);
    if (tls != nullptr) {
        add("public HTTPS", false, tls, inbound_http_, options_.bind_address,
            options_.inbound_https_port);
        add("internal API HTTPS", true, tls, options_.http, options_.api_bind_address,
            options_.api_https_port);
    }
}

void node::start_accepting() {
    for (unsigned i = 0; i < pool_.size(); ++i) {
        auto& s = *shards_[i];
        s.registry.start();
        for (auto& l : listeners_) {
            if (i < l->acceptors.size()) {
                const http::handler& route = l->internal_api ? admin_routes_ : s.inbound_routes;
                asio::co_spawn(
                    s.io,
                    http::accept_loop(l->acceptors[i],
                                      {l->tls, l->options, &route, &s.sessions,
                                       l->internal_api ? nullptr : &connections_, &accept_failures_,
                                       &fd_reserve_, l->internal_api}),
                    log::exception_logger{"accept loop"});
            }
        }
    }
}

void node::make_kinesis_responses() {
    if (options_.proxy.kinesis_response_stream.empty()) {
        proxy::log_kinesis_responses_off(options_.proxy.apis);
        return;
    }
    // Answers for `response_from: kinesis` (RIG never delivered them), with the account
    // of the proxy's Kinesis producer.
    auto account = options_.kinesis->account();
    account.region = options_.proxy.kinesis_request_region;
    kinesis_responses_ = std::make_unique<proxy::kinesis_response_consumer>(
        proxy::kinesis_response_options{account, options_.proxy.kinesis_response_stream,
                                        options_.kinesis->poll_interval},
        *responses_);
}

sources::source_status& node::status_of(std::string_view name) {
    for (auto& s : statuses_) {
        if (s->name() == name) {
            return *s;
        }
    }
    throw std::logic_error("no status for a configured source");
}

void node::start_sources() {
    if (options_.kafka) {
        kafka_ = std::make_unique<sources::kafka_source>(
            *options_.kafka, *ingest_, status_of("kafka"), schema_registry_.get());
    }
    if (options_.nats) {
        nats_ = std::make_unique<sources::nats_source>(*options_.nats, *ingest_, status_of("nats"));
    }
    if (options_.kafka) {
        // Answers for `response_from: kafka` (spec §8.7), on a consumer group of their own.
        proxy::kafka_response_options responses;
        responses.client = options_.kafka->connection();
        responses.topics = options_.proxy.kafka_response_topics;
        responses.group_id = options_.proxy.kafka_response_group;
        responses.restart_delay = options_.kafka->restart_delay;
        responses.from_earliest = options_.kafka->from_earliest;
        kafka_responses_ = std::make_unique<proxy::kafka_response_consumer>(responses, *responses_);
    }
    if (options_.kinesis) {
        // Without a lease table every node reads every shard, so in a cluster each delivers
        // what it reads to its own clients only (relayed, each event would arrive once per
        // node). With one (KINESIS_APP_NAME) the nodes split the shards, as a Kafka group
        // splits partitions, and the backplane brings each event to every node.
        const bool shared = !options_.kinesis->app_name.empty();
        kinesis_ = std::make_unique<sources::kinesis_source>(
            *options_.kinesis, local_ingest_ && !shared ? *local_ingest_ : *ingest_,
            status_of("kinesis"));
    }
}

void node::log_listening(const ssl_ctx_st* tls) const {
    std::string ports;
    for (const auto& l : listeners_) {
        ports += fmt::format("{}{} {}", ports.empty() ? "" : ", ", l->name, l->port);
    }
    log::info("rig listening ({}) with {} shard(s){}, {}", ports, pool_.size(),
              tls != nullptr ? (options_.http2 ? ", HTTP/2 on the HTTPS ports" : "") : "",
              connections_.limit() == 0
                  ? std::string("no cap on public connections")
                  : fmt::format("up to {} public connections", connections_.limit()));
}

void node::write_ready_file() const {
    if (options_.ready_file.empty()) {
        return;
    }
    const auto port_of = [&](const char* name) -> int {
        for (const auto& l : listeners_) {
            if (std::string_view(l->name) == name) {
                return l->port;
            }
        }
        return 0;
    };
    std::string line = fmt::format(R"({{"inbound_port":{},"api_port":{})", port_of("public"),
                                   port_of("internal API"));
    if (options_.tls) {
        line += fmt::format(R"(,"inbound_https_port":{},"api_https_port":{})",
                            port_of("public HTTPS"), port_of("internal API HTTPS"));
    }
    line += fmt::format(",\"pid\":{}}}\n", static_cast<long>(::getpid()));
    // Standard output may be a socket (e.g. under Node.js), which cannot be open()ed by path.
    if (options_.ready_file == "-" || options_.ready_file == "/dev/stdout") {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
        return;
    }
    std::ofstream f(options_.ready_file);
    f << line;
    if (!f.flush()) {
        log::error("cannot write the ready file {}", options_.ready_file);
    }
}

void node::stop() {
    log::info("draining: stopping event sources, closing listeners and connections");
    stop_sources();
    if (cluster_) {
        cluster_->leave();
    }
    std::vector<std::future<void>> drained;
    for (unsigned i = 0; i < pool_.size(); ++i) {
        auto done = std::make_shared<std::promise<void>>();
        drained.push_back(done->get_future());
        asio::post(pool_.context(i), [this, i, done] {
            boost::system::error_code ignored;
            for (auto& l : listeners_) {
                if (i < l->acceptors.size()) {
                    l->acceptors[i].close(ignored);
                }
            }
            shards_[i]->sessions.drain();
            shards_[i]->registry.drain();
            done->set_value();
        });
    }
    for (auto& f : drained) {
        f.wait();
    }
    pool_.release();
    if (!pool_.join_for(options_.drain_timeout)) {
        log::warn("drain timeout ({} ms) reached; closing remaining connections",
                  options_.drain_timeout.count());
        pool_.stop_and_join();
    }
    log::info("stopped");
}

}  // namespace rig::app
