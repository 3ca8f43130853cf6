#include "app/node.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <future>
#include <stdexcept>

#include "app/routes.hpp"
#include "core/log.hpp"
#include "core/random.hpp"
#include "net/listener.hpp"

namespace rig::app {
namespace {

uint32_t random_instance() {
    return static_cast<uint32_t>(core::random_u64());
}

std::string token_key(const config::node_options& o) {
    // NODE_COOKIE gives every node of a deployment the same key; otherwise a random one per
    // run (tokens do not survive a restart anyway: their connections do not).
    return o.node_cookie.empty() ? core::secure_random_bytes(32) : o.node_cookie;
}

void log_exception(std::exception_ptr e) {
    if (e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log::error("session ended by an exception: {}", ex.what());
        }
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, transport::shard_context& shard,
                                  const http::handler& routes, const http::server_options& opts) {
    log::rate_limited accept_log{1};
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open() || shard.draining()) {
                co_return;
            }
            accept_log.info("accept failed: {}", ec.message());
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory || ec.value() == ENFILE) {
                // Out of file descriptors or memory: back off briefly instead of spinning.
                asio::steady_timer pause(shard.io, std::chrono::milliseconds(50));
                co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            continue;
        }
        asio::co_spawn(shard.io, http::run_session(std::move(socket), opts, routes, shard.sessions),
                       log_exception);
    }
}

}  // namespace

node::node(config::node_options options)
    : options_(std::move(options)),
      pool_(options_.shards),
      context_{.options = options_.transport,
               .extractors = &options_.extractors,
               .jwt = {},
               .blacklist = nullptr,
               .subscription_check = {},
               .submission_check = {},
               .outbound_tls = http::make_client_tls(options_.tls_ca_file).value(),
               .api_key = {},
               .tokens = transport::token_codec(token_key(options_), random_instance()),
               .rate_limiter = transport::connection_rate_limiter(
                   options_.transport.max_connections_per_minute),
               .events = {},
               .shards = {}} {
    inbound_http_ = options_.http;
    inbound_http_.error_cors_origin = options_.transport.cors_origin;
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
    context_.jwt = auth::token_validator(verifier, &blacklist_, options_.session_field);
    context_.blacklist = &blacklist_;
    context_.subscription_check = checks::access_check(options_.subscription_check, &context_.jwt);
    context_.submission_check = checks::access_check(options_.submission_check, &context_.jwt);
    context_.api_key = options_.api_key;
    context_.events.set_batch_window(options_.source_batch_window);
    for (unsigned i = 0; i < pool_.size(); ++i) {
        shards_.push_back(
            std::make_unique<transport::shard_context>(i, pool_.context(i), context_));
        context_.shards.push_back(shards_.back().get());
        context_.events.add_shard(pool_.context(i).get_executor(), shards_.back()->hub);
    }
    publisher_ = std::make_unique<sources::http_publisher>(context_.events, options_.extractors,
                                                           options_.transport.cors_origin,
                                                           context_.submission_check);
    for (unsigned i = 0; i < pool_.size(); ++i) {
        pool_.set_idle_hook(i, [s = shards_[i].get()] { return s->run_flushes(); });
    }
    ingest_ = std::make_unique<sources::ingest>(context_.events, options_.extractors);
    for (const char* name : {"kafka", "nats", "kinesis"}) {
        const bool configured = (name == std::string_view("kafka") && options_.kafka) ||
                                (name == std::string_view("nats") && options_.nats) ||
                                (name == std::string_view("kinesis") && options_.kinesis);
        if (configured) {
            statuses_.push_back(std::make_unique<sources::source_status>(name));
            status_views_.push_back(statuses_.back().get());
        }
    }
    for (auto& s : shards_) {
        inbound_routes_.push_back(make_inbound_routes(*s, *publisher_));
        admin_routes_.push_back(make_admin_routes(*s, *publisher_, status_views_));
    }
}

void node::stop_sources() {
    kafka_.reset();
    nats_.reset();
    kinesis_.reset();
}

node::~node() {
    stop_sources();
    // Order matters: the shard threads stop; then every I/O object the node owns goes while
    // the io_contexts still exist; then the io_contexts go (destroying pending handlers and
    // coroutine frames, which refer to shard state) while the shard contexts still exist.
    pool_.stop_and_join();
    inbound_acceptors_.clear();
    api_acceptors_.clear();
    for (auto& s : shards_) {
        s->release_io();
    }
    pool_.destroy_contexts();
}

void node::start() {
    std::vector<asio::io_context*> contexts;
    for (unsigned i = 0; i < pool_.size(); ++i) {
        contexts.push_back(&pool_.context(i));
    }
    inbound_acceptors_ =
        net::open_reuseport_acceptors(contexts, options_.bind_address, options_.inbound_port);
    inbound_port_ = inbound_acceptors_.front().local_endpoint().port();
    api_acceptors_ = net::open_reuseport_acceptors({contexts.front()}, options_.api_bind_address,
                                                   options_.api_port);
    api_port_ = api_acceptors_.front().local_endpoint().port();

    for (unsigned i = 0; i < pool_.size(); ++i) {
        auto& shard = *shards_[i];
        shard.start();
        asio::co_spawn(shard.io,
                       accept_loop(inbound_acceptors_[i], shard, inbound_routes_[i], inbound_http_),
                       log_exception);
    }
    asio::co_spawn(shards_[0]->io,
                   accept_loop(api_acceptors_[0], *shards_[0], admin_routes_[0], options_.http),
                   log_exception);
    pool_.start();
    const auto status_of = [&](std::string_view name) -> sources::source_status& {
        for (auto& s : statuses_) {
            if (s->name() == name) {
                return *s;
            }
        }
        throw std::logic_error("no status for a configured source");
    };
    if (options_.kafka) {
        kafka_ =
            std::make_unique<sources::kafka_source>(*options_.kafka, *ingest_, status_of("kafka"));
    }
    if (options_.nats) {
        nats_ = std::make_unique<sources::nats_source>(*options_.nats, *ingest_, status_of("nats"));
    }
    if (options_.kinesis) {
        kinesis_ = std::make_unique<sources::kinesis_source>(*options_.kinesis, *ingest_,
                                                             status_of("kinesis"));
    }
    log::info("rig listening on {}:{} (public) and {}:{} (internal API) with {} shard(s)",
              options_.bind_address, inbound_port_, options_.api_bind_address, api_port_,
              pool_.size());
    write_ready_file();
}

void node::write_ready_file() const {
    if (options_.ready_file.empty()) {
        return;
    }
    const std::string line = fmt::format("{{\"inbound_port\":{},\"api_port\":{},\"pid\":{}}}\n",
                                         inbound_port_, api_port_, static_cast<long>(::getpid()));
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
    std::vector<std::future<void>> drained;
    for (unsigned i = 0; i < pool_.size(); ++i) {
        auto done = std::make_shared<std::promise<void>>();
        drained.push_back(done->get_future());
        asio::post(pool_.context(i), [this, i, done] {
            boost::system::error_code ignored;
            inbound_acceptors_[i].close(ignored);
            if (i == 0) {
                api_acceptors_[0].close(ignored);
            }
            shards_[i]->drain();
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
