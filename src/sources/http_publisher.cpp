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

http::response http_publisher::handle(const http::request& req, bool with_cors) const {
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
    http::response res;
    if (!parsed) {
        refused_log.info("events: {} {}",
                         static_cast<unsigned>(http::to_status(parsed.error().cond)),
                         parsed.error().message);
        res = http::make_error(parsed.error());
    } else {
        if (hub_.may_match(parsed->type)) {
            auto event = hub::make_published_event(std::move(*parsed), extractors_);
            hub_.publish(event);
            res = http::make_response(http::status::accepted, event->json, http::json_type);
        } else {
            // Nobody subscribes to this type: accepted and dropped, without building frames.
            hub_.count_unmatched();
            res = http::make_response(http::status::accepted, std::move(parsed->json),
                                      http::json_type);
        }
    }
    if (with_cors) {
        res.set(http::field::access_control_allow_origin, cors_origin_);
    }
    return res;
}

}  // namespace rig::sources
