#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <utility>

#include "net/asio.hpp"

namespace rig::net {

// Suspends the calling coroutine until a callback fires, on any thread, and resumes it on its
// own executor with the callback's value. `start` receives `done(R)` and must see that it is
// called exactly once, now or later (a broker client thread, another shard). The value
// crosses back by post; nothing is shared between the threads but the handler that carries it.
template <class R, class Start>
boost::asio::awaitable<R> await_callback(Start start) {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(R)>(
        [](auto handler, Start start_fn) {
            auto home = boost::asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            start_fn([shared, home](R result) mutable {
                boost::asio::post(home, [shared, result = std::move(result)]() mutable {
                    std::move (*shared)(std::move(result));
                });
            });
        },
        boost::asio::use_awaitable, std::move(start));
}

// Runs `start` on another shard and resumes the calling coroutine on its own shard with the
// result. `start` receives a `done(R)` callback and must call it exactly once, on the target
// shard, now or later (e.g. when a long poll has something to return).
template <class R, class Start>
boost::asio::awaitable<R> run_on(boost::asio::any_io_executor target, Start start) {
    return await_callback<R>([target, start = std::move(start)](auto done) mutable {
        boost::asio::post(target, [start = std::move(start), done = std::move(done)]() mutable {
            start(std::move(done));
        });
    });
}

}  // namespace rig::net
