#include "brokers/kinesis_shard_list.hpp"

#include "brokers/aws_json.hpp"

namespace rig::brokers {

namespace {

using aws_json::string_at;

// The first page is asked for by stream name, the next ones by the previous page's NextToken.
boost::json::object page_request(const std::string& stream, const std::string& token) {
    boost::json::object req;
    if (token.empty()) {
        req["StreamName"] = stream;
    } else {
        req["NextToken"] = token;
    }
    return req;
}

listed_shard parse_shard(const boost::json::value& s) {
    listed_shard l;
    l.id = string_at(s, "ShardId");
    for (const char* p : {"ParentShardId", "AdjacentParentShardId"}) {
        if (auto parent = string_at(s, p); !parent.empty()) {
            l.parents.push_back(std::move(parent));
        }
    }
    const auto* range = s.is_object() ? s.get_object().if_contains("SequenceNumberRange") : nullptr;
    l.closed = !string_at(range ? *range : boost::json::value(), "EndingSequenceNumber").empty();
    return l;
}

// Appends the shards of one ListShards page.
void add_shards(const boost::json::value& body, std::vector<listed_shard>& shards) {
    const auto* list = body.get_object().if_contains("Shards");
    if (list && list->is_array()) {
        for (const auto& s : list->get_array()) {
            shards.push_back(parse_shard(s));
        }
    }
}

}  // namespace

shard_listing list_shards(kinesis_client& client, const std::string& stream,
                          const std::atomic<bool>& stop) {
    shard_listing out;
    std::string token;
    do {
        auto res = client.call("ListShards", page_request(stream, token));
        if (!res.error.empty()) {
            out.error = std::move(res.error);
            return out;
        }
        add_shards(res.body, out.shards);
        token = string_at(res.body, "NextToken");
    } while (!token.empty() && !stop);
    return out;
}

}  // namespace rig::brokers
