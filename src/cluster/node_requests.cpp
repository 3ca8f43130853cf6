#include "cluster/node_requests.hpp"

#include <fmt/format.h>
#include <nats/nats.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <stdexcept>

#include "core/log.hpp"
#include "net/cross_shard.hpp"

namespace rig::cluster {
namespace {

log::rate_limited request_log{5};

void request_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<node_requests*>(closure)->on_request(
        natsMsg_GetReply(msg),
        std::string_view(natsMsg_GetData(msg),
                         static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
}

void hello_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<node_requests*>(closure)->on_hello(natsMsg_GetReply(msg));
    natsMsg_Destroy(msg);
}

void reply_cb(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    std::optional<std::string> answer;
    if (!natsMsg_IsNoResponders(msg)) {
        answer.emplace(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    }
    static_cast<node_requests*>(closure)->on_reply_to(natsMsg_GetSubject(msg), std::move(answer));
    natsMsg_Destroy(msg);
}

}  // namespace

std::string node_subject(const cluster_options& options, uint32_t instance) {
    return fmt::format("{}.node.{:08x}", options.prefix, instance);
}

node_requests::node_requests(nats_link& link, const cluster_options& options, uint32_t instance,
                             std::string cookie_fingerprint)
    : link_(link),
      options_(options),
      instance_(instance),
      fingerprint_(std::move(cookie_fingerprint)),
      reply_prefix_(fmt::format("{}.reply.{:08x}.", options.prefix, instance)) {}

node_requests::~node_requests() {
    stop();
}

bool node_requests::cookie_differs() const {
    if (!link_.connected()) {
        return false;
    }
    natsMsg* answer = nullptr;
    const std::string subject = options_.prefix + ".hello";
    const natsStatus s =
        natsConnection_RequestString(&answer, link_.connection(), subject.c_str(), "", 1000);
    if (s != NATS_OK) {
        return false;  // no node answers: the first of its cluster
    }
    const std::string theirs(natsMsg_GetData(answer),
                             static_cast<std::size_t>(natsMsg_GetDataLength(answer)));
    natsMsg_Destroy(answer);
    return theirs != fingerprint_;
}

void node_requests::start(server serve) {
    serve_ = std::move(serve);
    {
        std::lock_guard lock(state_->mutex);
        state_->conn = link_.connection();
    }
    const std::string own = node_subject(options_, instance_);
    const std::string hello = options_.prefix + ".hello";
    const std::string replies = reply_prefix_ + "*";
    std::string error = requests_.open(link_.connection(), own, request_cb, this);
    if (error.empty()) {
        error = hello_.open(link_.connection(), hello, hello_cb, this);
    }
    if (error.empty()) {
        error = replies_.open(link_.connection(), replies, reply_cb, this);
    }
    if (!error.empty()) {
        throw std::runtime_error("cluster: cannot subscribe: " + error);
    }
    if (link_.connected()) {
        natsConnection_FlushTimeout(link_.connection(), options_.timeout.count());
    }
}

void node_requests::stop() {
    requests_.close();
    hello_.close();
    replies_.close();
    std::unordered_map<uint64_t, waiter> unanswered;
    {
        std::lock_guard lock(state_->mutex);
        state_->conn = nullptr;
        unanswered.swap(state_->waiting);
    }
    for (auto& [id, done] : unanswered) {
        done(std::nullopt);
    }
}

void node_requests::on_hello(const char* reply_subject) {
    if (reply_subject != nullptr) {
        natsConnection_PublishString(link_.connection(), reply_subject, fingerprint_.c_str());
    }
}

void node_requests::on_request(const char* reply_subject, std::string_view request) {
    if (reply_subject == nullptr || !serve_) {
        return;
    }
    served_.fetch_add(1, std::memory_order_relaxed);
    serve_(std::string(request),
           [state = state_, to = std::string(reply_subject)](std::string answer) {
               std::lock_guard lock(state->mutex);
               if (state->conn != nullptr) {
                   natsConnection_Publish(state->conn, to.c_str(), answer.data(),
                                          static_cast<int>(answer.size()));
               }
           });
}

node_requests::waiter node_requests::shared_state::take(uint64_t id) {
    std::lock_guard lock(mutex);
    auto it = waiting.find(id);
    if (it == waiting.end()) {
        return {};
    }
    auto done = std::move(it->second);
    waiting.erase(it);
    return done;
}

void node_requests::on_reply(uint64_t id, std::optional<std::string> answer) {
    if (auto done = state_->take(id)) {
        done(std::move(answer));
    }
}

void node_requests::on_reply_to(std::string_view subject, std::optional<std::string> answer) {
    if (!subject.starts_with(reply_prefix_)) {
        return;
    }
    const auto tail = subject.substr(reply_prefix_.size());
    uint64_t id = 0;
    if (std::from_chars(tail.data(), tail.data() + tail.size(), id).ec == std::errc{}) {
        on_reply(id, std::move(answer));
    }
}

void node_requests::send_request(uint32_t instance, uint64_t id, const std::string& request) {
    const std::string subject = node_subject(options_, instance);
    const std::string reply = reply_prefix_ + std::to_string(id);
    const natsStatus s =
        natsConnection_PublishRequest(link_.connection(), subject.c_str(), reply.c_str(),
                                      request.data(), static_cast<int>(request.size()));
    if (s != NATS_OK) {
        request_log.info("cluster: cannot ask node {:08x}: {}", instance, natsStatus_GetText(s));
        on_reply(id, std::nullopt);
    }
}

asio::awaitable<std::optional<std::string>> node_requests::ask(uint32_t instance,
                                                               std::string request,
                                                               std::chrono::milliseconds hold) {
    using answer = std::optional<std::string>;
    asked_.fetch_add(1, std::memory_order_relaxed);
    if (!link_.connected()) {
        state_->unanswered.fetch_add(1, std::memory_order_relaxed);
        co_return std::nullopt;
    }
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                      options_.timeout + hold);
    // The answer (a cnats thread) and the timeout race for the waiter; the first takes it.
    auto start = [this, instance, timer, &request](auto done) {
        uint64_t id = 0;
        {
            std::lock_guard lock(state_->mutex);
            id = state_->next_id++;
            state_->waiting.emplace(id, std::move(done));
        }
        timer->async_wait([state = state_, id](boost::system::error_code ec) {
            if (!ec) {
                if (auto late = state->take(id)) {
                    state->unanswered.fetch_add(1, std::memory_order_relaxed);
                    late(std::nullopt);
                }
            }
        });
        send_request(instance, id, request);
    };
    answer result = co_await net::await_callback<answer>(std::move(start));
    timer->cancel();
    co_return result;
}

}  // namespace rig::cluster
