#include "sources/http_publisher.hpp"

#include <vector>

#include "cloudevents/parse.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "http/responses.hpp"

namespace rig::sources {
namespace {
log::rate_limited refused_log{10};
}

asio::awaitable<http::response> http_publisher::handle(const http::request& req, bool checked,
                                                       http::client_pool& pool) const {
    const bool with_cors = checked;
    const auto finish = [&](http::response res) {
        if (with_cors) {
            res.set(http::field::access_control_allow_origin, cors_origin_);
        }
        return res;
    };
    std::vector<cloudevents::attribute_header> ce_headers;
    for (const auto& f : req) {
        const auto name = f.name_string();
        if (name.size() > 3 && (name[0] == 'c' || name[0] == 'C') &&
            (name[1] == 'e' || name[1] == 'E') && name[2] == '-') {
            ce_headers.push_back({std::string_view(name.data() + 3, name.size() - 3), f.value()});
        }
    }
    // Header names arrive in any case; attribute names are lowercase.
    std::vector<std::string> lowered;
    lowered.reserve(ce_headers.size());  // no reallocation: the views below stay valid
    for (auto& h : ce_headers) {
        std::string l(h.name);
        for (auto& c : l) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        lowered.push_back(std::move(l));
        h.name = lowered.back();
    }

    auto parsed = cloudevents::parse_http(ce_headers, req[http::field::content_type], req.body(),
                                          core::rfc3339_now());
    if (!parsed) {
        refused_log.info("events: {} {}",
                         static_cast<unsigned>(http::to_status(parsed.error().cond)),
                         parsed.error().message);
        co_return finish(http::make_error(parsed.error()));
    }
    if (checked && submission_check_.enabled()) {
        std::vector<std::string> authorization;
        for (auto [it, end] = req.equal_range(http::field::authorization); it != end; ++it) {
            authorization.emplace_back(it->value());
        }
        std::string content_type(req[http::field::content_type]);
        std::string body = req.body();
        const auto v = co_await submission_check_.run(pool, std::move(authorization),
                                                      std::move(content_type), std::move(body));
        if (!v.allowed) {
            refused_log.info("events: submission denied: {}", v.reason);
            co_return finish(http::make_error(http::status::forbidden, "Submission denied."));
        }
    }
    if (hub_.may_match(parsed->type)) {
        auto event = hub::make_published_event(std::move(*parsed), extractors_);
        hub_.publish(event);
        co_return finish(http::make_response(http::status::accepted, event->json, http::json_type));
    }
    // Nobody subscribes to this type: accepted and dropped, without building frames.
    hub_.count_unmatched();
    co_return finish(
        http::make_response(http::status::accepted, std::move(parsed->json), http::json_type));
}

}  // namespace rig::sources
