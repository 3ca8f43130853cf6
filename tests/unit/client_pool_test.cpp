// The outbound HTTP client pool against a local service that is restarted: every pooled
// keep-alive connection dies with it, and the next request must still get through.
#include "http/client_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace rig;
namespace bhttp = boost::beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Answers 200 (keep-alive) to every request on every connection it accepts; close_all() drops
// the open connections as a restarted service would, and the listener stays.
class service {
public:
    explicit service(asio::io_context& io)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
        asio::co_spawn(io, accept(), asio::detached);
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/check";
    }
    void close_all() {
        for (auto& s : open_) {
            s->close();
        }
    }
    int requests = 0;

private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(use_tuple);
            if (ec) {
                co_return;
            }
            open_.push_back(std::make_shared<tcp::socket>(std::move(sock)));
            asio::co_spawn(acceptor_.get_executor(), serve(open_.back()), asio::detached);
        }
    }
    asio::awaitable<void> serve(std::shared_ptr<tcp::socket> sock) {
        boost::beast::flat_buffer buffer;
        for (;;) {
            bhttp::request<bhttp::string_body> req;
            auto [rec, rn] = co_await bhttp::async_read(*sock, buffer, req, use_tuple);
            if (rec) {
                co_return;
            }
            ++requests;
            bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
            res.keep_alive(true);
            res.body() = "{}";
            res.prepare_payload();
            auto [wec, wn] = co_await bhttp::async_write(*sock, res, use_tuple);
            if (wec) {
                co_return;
            }
        }
    }
    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<tcp::socket>> open_;
};

// Runs handlers until `done()`, or for at most 10 s (a failing test does not hang).
template <class Done>
void run_until(asio::io_context& io, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(100));
    }
}

TEST(ClientPool, ServiceRestartWithSeveralPooledConnections) {
    asio::io_context io;
    service svc(io);
    http::client_pool pool(io);
    std::vector<int> statuses;
    const auto post = [&]() -> asio::awaitable<void> {
        auto res = co_await pool.post(svc.url(), "application/json", "", "{}",
                                      std::chrono::milliseconds(5000));
        statuses.push_back(res.status);
    };
    // Two at once: two connections, both pooled afterwards.
    asio::co_spawn(io, post(), asio::detached);
    asio::co_spawn(io, post(), asio::detached);
    run_until(io, [&] { return statuses.size() == 2; });
    ASSERT_EQ(statuses, (std::vector<int>{200, 200}));

    svc.close_all();
    asio::co_spawn(io, post(), asio::detached);
    run_until(io, [&] { return statuses.size() == 3; });
    EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200}));
    EXPECT_EQ(svc.requests, 3);
    pool.close_idle();
}

}  // namespace
