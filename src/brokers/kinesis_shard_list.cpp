#include "brokers/kinesis_shard_list.hpp"

#include "brokers/aws_json.hpp"

namespace rig::brokers {

shard_listing list_shards(kinesis_client& client, const std::string& stream,
                          const std::atomic<bool>& stop) {
    using aws_json::string_at;
    shard_listing out;
    std::string token;
    do {
        boost::json::object req;
        if (token.empty()) {
            req["StreamName"] = stream;
        } else {
            req["NextToken"] = token;
        }
        auto res = client.call("ListShards", req);
        if (!res.error.empty()) {
            out.error = std::move(res.error);
            return out;
        }
        const auto* list = res.body.get_object().if_contains("Shards");
        if (list && list->is_array()) {
            for (const auto& s : list->get_array()) {
                listed_shard l;
                l.id = string_at(s, "ShardId");
                for (const char* p : {"ParentShardId", "AdjacentParentShardId"}) {
                    if (auto parent = string_at(s, p); !parent.empty()) {
                        l.parents.push_back(std::move(parent));
                    }
                }
                const auto* range =
                    s.is_object() ? s.get_object().if_contains("SequenceNumberRange") : nullptr;
                l.closed = !string_at(range ? *range : boost::json::value(), "EndingSequenceNumber")
                                .empty();
                out.shards.push_back(std::move(l));
            }
        }
        token = string_at(res.body, "NextToken");
    } while (!token.empty() && !stop);
    return out;
}

}  // namespace rig::brokers
