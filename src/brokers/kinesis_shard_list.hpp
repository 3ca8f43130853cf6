#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "brokers/kinesis_client.hpp"

namespace rig::brokers {

// A shard of a stream as ListShards describes it.
struct listed_shard {
    std::string id;
    std::vector<std::string> parents;  // ParentShardId, AdjacentParentShardId (a merge)
    bool closed = false;               // has an EndingSequenceNumber: split or merged away
};

// Every shard of a stream, or the error of the page that failed.
struct shard_listing {
    std::vector<listed_shard> shards;
    std::string error;  // empty when every page was read
};

// ListShards, following NextToken, until the last page or `stop`. On the calling thread
// (both Kinesis readers' own); blocks for the calls.
shard_listing list_shards(kinesis_client& client, const std::string& stream,
                          const std::atomic<bool>& stop);

}  // namespace rig::brokers
