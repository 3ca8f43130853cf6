#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace rig::brokers {

// Where Kinesis is and who calls it: the settings the consumer (sources) and the producer
// (proxy) share.
struct kinesis_account {
    std::string region = "eu-west-1";
    std::string endpoint;       // KINESIS_ENDPOINT (default: AWS for the region)
    std::string access_key;     // AWS_ACCESS_KEY_ID, or ~/.aws/credentials
    std::string secret_key;     // AWS_SECRET_ACCESS_KEY
    std::string session_token;  // AWS_SESSION_TOKEN
};

// The outcome of one call of the Kinesis JSON API.
struct kinesis_result {
    long status = 0;
    boost::json::value body;
    std::string error;  // transport error, or the AWS error type; empty on success
};

// Which AWS JSON API a kinesis_client calls: Kinesis (the default) or DynamoDB (the lease
// table), which differ only in the signing service, target prefix and content type.
struct aws_json_service {
    const char* name;           // SigV4 service and default host prefix
    const char* target_prefix;  // X-Amz-Target: <prefix>.<Action>
    const char* content_type;
};
inline constexpr aws_json_service kinesis_service{"kinesis", "Kinesis_20131202",
                                                  "application/x-amz-json-1.1"};
inline constexpr aws_json_service dynamodb_service{"dynamodb", "DynamoDB_20120810",
                                                   "application/x-amz-json-1.0"};

// Kinesis' (or DynamoDB's) JSON API over libcurl, signed with AWS Signature V4 (curl's
// CURLOPT_AWS_SIGV4). Calls block for at most 10 s.
//
// @par Thread safety
// One client per thread: it owns one curl handle, reused between calls.
class kinesis_client {
public:
    // `account.endpoint` is the service's endpoint (default: AWS's for the region).
    explicit kinesis_client(kinesis_account account,
                            const aws_json_service& service = kinesis_service);
    ~kinesis_client();
    kinesis_client(const kinesis_client&) = delete;
    kinesis_client& operator=(const kinesis_client&) = delete;

    // Calls `action` (e.g. "PutRecord") with `request` as its JSON body.
    kinesis_result call(const char* action, const boost::json::object& request);

private:
    kinesis_account account_;
    aws_json_service service_;
    std::string endpoint_;
    std::string sigv4_;
    std::string userpwd_;
    void* curl_ = nullptr;  // CURL*
};

}  // namespace rig::brokers
