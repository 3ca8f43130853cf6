#include "transport/forwarded_request.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace rig::transport {
namespace json = boost::json;
namespace {

template <class Message>
json::array headers_of(const Message& m) {
    json::array out;
    for (const auto& f : m) {
        out.push_back(json::array{json::string(f.name_string()), json::string(f.value())});
    }
    return out;
}

// Copies [[name, value]…] into `m`; false when the list is not of that shape.
template <class Message>
bool read_headers(const json::value* list, Message& m) {
    if (list == nullptr || !list->is_array()) {
        return false;
    }
    for (const auto& pair : list->get_array()) {
        const auto* p = pair.if_array();
        if (p == nullptr || p->size() != 2 || !(*p)[0].is_string() || !(*p)[1].is_string()) {
            return false;
        }
        const auto& name = (*p)[0].get_string();
        const auto& value = (*p)[1].get_string();
        m.insert(std::string_view(name.data(), name.size()),
                 std::string_view(value.data(), value.size()));
    }
    return true;
}

const json::string* string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr ? v->if_string() : nullptr;
}

}  // namespace

std::string encode_forwarded(forwarded_op op, std::string_view token, const http::request& req) {
    json::object o;
    o["op"] = op == forwarded_op::poll ? "poll" : "subscriptions";
    o["token"] = token;
    o["method"] = std::string_view(req.method_string());
    o["target"] = std::string_view(req.target());
    o["headers"] = headers_of(req);
    o["body"] = req.body();
    return json::serialize(o);
}

std::optional<forwarded_request> decode_forwarded(std::string_view text) {
    json::error_code ec;
    const auto v = json::parse(text, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (o == nullptr) {
        return std::nullopt;
    }
    const auto* op = string_at(*o, "op");
    const auto* token = string_at(*o, "token");
    const auto* method = string_at(*o, "method");
    const auto* target = string_at(*o, "target");
    const auto* body = string_at(*o, "body");
    if (op == nullptr || token == nullptr || method == nullptr || target == nullptr ||
        body == nullptr || (*op != "poll" && *op != "subscriptions")) {
        return std::nullopt;
    }
    forwarded_request out;
    out.op = *op == "poll" ? forwarded_op::poll : forwarded_op::subscriptions;
    out.token = std::string(*token);
    out.req.method_string(std::string_view(method->data(), method->size()));
    out.req.target(std::string_view(target->data(), target->size()));
    if (!read_headers(o->if_contains("headers"), out.req)) {
        return std::nullopt;
    }
    out.req.body() = std::string(*body);
    return out;
}

std::string encode_forwarded_response(const http::response& res) {
    json::object o;
    o["status"] = res.result_int();
    o["headers"] = headers_of(res);
    o["body"] = res.body();
    return json::serialize(o);
}

std::optional<http::response> decode_forwarded_response(std::string_view text) {
    json::error_code ec;
    const auto v = json::parse(text, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (o == nullptr) {
        return std::nullopt;
    }
    const auto* status = o->if_contains("status");
    const auto* body = string_at(*o, "body");
    if (status == nullptr || !status->is_int64() || body == nullptr || status->get_int64() < 100 ||
        status->get_int64() > 599) {
        return std::nullopt;
    }
    http::response res;
    res.result(static_cast<unsigned>(status->get_int64()));
    if (!read_headers(o->if_contains("headers"), res)) {
        return std::nullopt;
    }
    res.body() = std::string(*body);
    res.prepare_payload();
    return res;
}

}  // namespace rig::transport
