// Fuzz target for the subscription parser, over both ways a client sends subscriptions: a
// JSON body (PUT /_rig/v1/connection/.../subscriptions) and the `subscriptions` query
// parameter of a connect request (percent- and plus-decoded by http::query_param).
//
// Input: when it starts with '/', a request target whose `subscriptions` parameter is the
// JSON; otherwise the JSON itself. Invariants beyond "no crash": an accepted list, written out
// with to_json and parsed again, is equal element by element, with the same event types,
// wildcard flags and constraint counts; after a round trip through text, too (doubles within
// 1e-12: Boost.JSON 1.81 does not parse numbers exactly); a
// refused list names a reason and the refused element.
// Found: a number beyond a double's range (1e309), which Boost.JSON writes back as `Infinity`
// (not JSON); the parser now refuses it (corpus file number_out_of_range).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_parts.hpp"
#include "nearly_equal.hpp"
#include "require.hpp"
#include "subscription/subscription.hpp"

namespace {

using rig::fuzz::require;

namespace json = boost::json;
using rig::fuzz::nearly_equal;
using rig::subscription::parse_failure;
using rig::subscription::parse_subscription_list;
using rig::subscription::subscription;

void require_same(const std::vector<subscription>& a, const std::vector<subscription>& b) {
    require(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        require(a[i] == b[i]);
        require(a[i].is_wildcard() == b[i].is_wildcard() && a[i].index_key() == b[i].index_key());
        require(a[i].one_of.size() == b[i].one_of.size());
        for (std::size_t j = 0; j < a[i].one_of.size(); ++j) {
            require(a[i].one_of[j].all_of.size() == b[i].one_of[j].all_of.size());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::optional<std::string> from_query;
    if (input.starts_with('/')) {
        from_query = rig::http::query_param(input, "subscriptions");
        if (!from_query) {
            return 0;
        }
        input = *from_query;
    }
    json::error_code ec;
    const json::value v = json::parse(input, ec);
    if (ec) {
        return 0;  // connect answers "subscriptions not JSON" before the parser runs
    }
    parse_failure err;
    const auto subs = parse_subscription_list(v, err);
    if (!subs) {
        require(!err.reason.empty() && !err.element.empty());
        return 0;
    }
    require(subs->size() == v.get_array().size());
    for (const auto& s : *subs) {
        require(!s.event_type.empty() && s.event_type != ".*");
        require(s.one_of.size() == s.one_of_json().size());
    }

    const json::array written = rig::subscription::to_json(*subs);
    parse_failure err2;
    const auto again = parse_subscription_list(written, err2);
    require(again.has_value());
    require_same(*subs, *again);

    // Through text, doubles may move by an ulp or so: Boost.JSON 1.81 parses numbers fast but
    // not exactly (precise parsing came with 1.83), so text of the shortest exact form may read
    // back as a neighbour. Everything else must come back as it was.
    const auto reread = parse_subscription_list(json::parse(json::serialize(written)), err2);
    require(reread.has_value() && reread->size() == subs->size());
    for (std::size_t i = 0; i < subs->size(); ++i) {
        require((*reread)[i].event_type == (*subs)[i].event_type);
        require(nearly_equal((*reread)[i].one_of_json(), (*subs)[i].one_of_json()));
    }
    return 0;
}
