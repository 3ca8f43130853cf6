#pragma once

// In-memory stand-ins for what a connection talks to: its response channel (the peer) and its
// shard (connection_host). Tests drive both by hand: complete writes, feed peer bytes, advance
// the clock and the tick, run the flushes the connection asked for.

#include <boost/asio/error.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/response_channel.hpp"
#include "transport/connection.hpp"
#include "transport/connection_host.hpp"

namespace rig::test {

// What the peer of a fake_channel sees and does. Owned by the test; the channel (owned by the
// connection) points to it.
struct fake_peer {
    bool chunked = true;
    std::vector<std::string> writes;  // each gathered write, concatenated
    std::shared_ptr<http::channel_user> writer;
    std::shared_ptr<http::channel_user> reader;
    std::string input;  // bytes the peer sent, not yet read
    bool input_ended = false;
    bool ended = false;   // end() was called
    bool closed = false;  // close() was called

    // Everything written so far.
    std::string all() const {
        std::string out;
        for (const auto& w : writes) {
            out += w;
        }
        return out;
    }
    // Completes the write in flight.
    void complete_write(http::error_code ec = {}) {
        auto w = std::move(writer);
        ASSERT_TRUE(w) << "no write in flight";
        w->on_written(ec);
    }
    // The peer sends `bytes` (or ends): the connection is told if it waits.
    void send(std::string_view bytes, bool end = false) {
        input += bytes;
        input_ended = input_ended || end;
        if (auto r = std::move(reader)) {
            r->on_readable({});
        }
    }
};

class fake_channel final : public http::response_channel {
public:
    explicit fake_channel(fake_peer& peer) : peer_(peer) {}
    bool chunked() const override { return peer_.chunked; }
    void write(std::span<const core::frame> frames,
               std::shared_ptr<http::channel_user> user) override {
        std::string w;
        for (const auto& f : frames) {
            w += f.bytes;
        }
        peer_.writes.push_back(std::move(w));
        peer_.writer = std::move(user);
    }
    void wait_readable(std::shared_ptr<http::channel_user> user) override {
        peer_.reader = std::move(user);
    }
    std::size_t read_some(boost::asio::mutable_buffer b, http::error_code& ec) override {
        if (peer_.input.empty()) {
            ec = peer_.input_ended ? http::error_code(boost::asio::error::eof)
                                   : http::error_code(boost::asio::error::would_block);
            return 0;
        }
        const std::size_t n = std::min(b.size(), peer_.input.size());
        std::memcpy(b.data(), peer_.input.data(), n);
        peer_.input.erase(0, n);
        return n;
    }
    void end() override { peer_.ended = true; }
    void close() override { peer_.closed = true; }

private:
    fake_peer& peer_;
};

class fake_host final : public transport::connection_host {
public:
    transport::transport_options opts;
    uint64_t ticks = 0;
    bool drain = false;
    std::chrono::steady_clock::time_point clock{};
    std::vector<std::shared_ptr<transport::connection>> flush_requests;
    int subscription_changes = 0;
    int closings = 0;
    int finishes = 0;
    hub::shard_stats counters;

    const transport::transport_options& options() const override { return opts; }
    uint64_t tick() const override { return ticks; }
    bool draining() const override { return drain; }
    std::chrono::steady_clock::time_point now() const override { return clock; }
    void request_flush(transport::connection& c) override {
        flush_requests.push_back(c.shared_from_this());
    }
    void subscriptions_changed(transport::connection&) override { ++subscription_changes; }
    void closing(transport::connection&) override { ++closings; }
    void finished(transport::connection&) override { ++finishes; }
    hub::shard_stats& stats() override { return counters; }

    // The end of the shard's round: the connections that asked write what they queued.
    void run_flushes() {
        auto list = std::move(flush_requests);
        flush_requests.clear();
        for (auto& c : list) {
            c->flush();
        }
    }
};

}  // namespace rig::test
