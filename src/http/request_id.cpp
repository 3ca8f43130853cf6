#include "http/request_id.hpp"

#include <algorithm>
#include <cstdint>

#include "core/random.hpp"

namespace rig::http {
namespace {

constexpr std::size_t min_length = 20;  // Plug.RequestId's bounds
constexpr std::size_t max_length = 200;

bool sane(std::string_view v) {
    return v.size() >= min_length && v.size() <= max_length &&
           std::all_of(v.begin(), v.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '+' || c == '/' || c == '=' ||
                      c == ':';
           });
}

// The inner handler stays alive in the wrapping lambda, which the listener keeps for as long
// as it serves.
asio::awaitable<std::optional<response>> serve(const handler& inner, exchange& ex) {
    // Copied before the handler runs (it may move the request away); usually absent, so no
    // allocation. The id itself is made only for a response that needs it (not for streams).
    std::string client(ex.req()["x-request-id"]);
    auto res = co_await inner(ex);
    if (res && (*res)["x-request-id"].empty()) {
        res->set("x-request-id", request_id_for(client));
    }
    co_return res;
}

}  // namespace

std::string request_id_for(std::string_view client_value) {
    if (sane(client_value)) {
        return std::string(client_value);
    }
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string id(min_length, 'A');
    uint64_t bits = 0;
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i % 10 == 0) {
            bits = core::random_u64();  // 10 characters of 6 bits each per draw
        }
        id[i] = alphabet[bits & 63];
        bits >>= 6;
    }
    return id;
}

handler with_request_id(handler inner) {
    return [inner = std::move(inner)](exchange& ex) { return serve(inner, ex); };
}

}  // namespace rig::http
