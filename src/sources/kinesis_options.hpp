#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "brokers/kinesis_client.hpp"
#include "core/env.hpp"

namespace rig::sources {

// The Kinesis event source's settings (spec §12.6), also where the proxy's Kinesis producer
// finds Kinesis and its credentials.
struct kinesis_options {
    std::string stream = "RIG-outbound";  // KINESIS_STREAM
    std::string region = "eu-west-1";     // KINESIS_AWS_REGION
    std::string endpoint;                 // KINESIS_ENDPOINT (default: AWS for the region)
    std::string access_key;               // AWS_ACCESS_KEY_ID, or ~/.aws/credentials
    std::string secret_key;               // AWS_SECRET_ACCESS_KEY
    std::string session_token;            // AWS_SESSION_TOKEN
    bool from_start = false;              // RIG_KINESIS_ITERATOR=TRIM_HORIZON (default LATEST)
    std::chrono::milliseconds poll_interval{1000};  // RIG_KINESIS_POLL_MS
    // KINESIS_APP_NAME: when set, the nodes of this application share the shards through a
    // DynamoDB lease table of this name and resume from its checkpoints. Unset: every node
    // reads every shard, without a table.
    std::string app_name;
    std::string dynamodb_endpoint;  // KINESIS_DYNAMODB_ENDPOINT (default: AWS for the region)
    // KCL's defaults (RIG_KINESIS_LEASE_MS, _RENEW_MS, _TAKE_MS, RIG_KINESIS_SHARD_SYNC_MS).
    std::chrono::milliseconds lease_duration{10000};
    std::chrono::milliseconds lease_renew_interval{3333};
    std::chrono::milliseconds lease_take_interval{20000};
    std::chrono::milliseconds shard_sync_interval{60000};

    // Where Kinesis is and the credentials, which the proxy's Kinesis producer shares.
    brokers::kinesis_account account() const {
        return {region, endpoint, access_key, secret_key, session_token};
    }
    // The same credentials for the lease table.
    brokers::kinesis_account dynamodb_account() const {
        return {region, dynamodb_endpoint, access_key, secret_key, session_token};
    }
};

// KINESIS_*, AWS_* and RIG_KINESIS_*: nullopt unless KINESIS_ENABLED is true. Reads the AWS
// shared credentials file when the key variables are not set.
core::result<std::optional<kinesis_options>> parse_kinesis_options(const core::env& env);

}  // namespace rig::sources
