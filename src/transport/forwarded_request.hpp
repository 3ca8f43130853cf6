#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace rig::transport {

// A client request that reached a node which does not own its connection, as it travels to
// the owner over the cluster backplane, and the owner's response on its way back. JSON, so
// that a node of another build can still read it: {"op","token","method","target",
// "headers":[[name,value]…],"body"} and {"status","headers","body"}.
enum class forwarded_op { subscriptions, poll };

struct forwarded_request {
    forwarded_op op = forwarded_op::subscriptions;
    std::string token;
    http::request req;
};

std::string encode_forwarded(forwarded_op op, std::string_view token, const http::request& req);
std::optional<forwarded_request> decode_forwarded(std::string_view text);

std::string encode_forwarded_response(const http::response& res);
std::optional<http::response> decode_forwarded_response(std::string_view text);

}  // namespace rig::transport
