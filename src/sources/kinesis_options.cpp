#include "sources/kinesis_options.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <tuple>

#include "core/text.hpp"

namespace rig::sources {
namespace {

// [profile] key = value pairs of an AWS shared credentials file.
std::map<std::string, std::string> aws_credentials(const std::string& path,
                                                   const std::string& profile) {
    std::map<std::string, std::string> out;
    std::ifstream f(path);
    std::string line, section;
    while (std::getline(f, line)) {
        line = std::string(core::trim(line));
        if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        if (line.front() == '[' && line.back() == ']') {
            section = std::string(core::trim(line.substr(1, line.size() - 2)));
            continue;
        }
        const auto eq = line.find('=');
        if (section == profile && eq != std::string::npos) {
            out[std::string(core::trim(line.substr(0, eq)))] =
                std::string(core::trim(line.substr(eq + 1)));
        }
    }
    return out;
}

}  // namespace

core::result<std::optional<kinesis_options>> parse_kinesis_options(const core::env& env) {
    const auto enabled = core::parse_bool(env.value("KINESIS_ENABLED", "false"));
    if (!enabled) {
        return core::bad_setting("KINESIS_ENABLED", "expected true or false",
                                 env.value("KINESIS_ENABLED", ""));
    }
    if (!*enabled) {
        return std::optional<kinesis_options>();
    }
    kinesis_options k;
    k.stream = env.value("KINESIS_STREAM", "RIG-outbound");
    k.region = env.value("KINESIS_AWS_REGION", "eu-west-1");
    k.endpoint = env.value("KINESIS_ENDPOINT", "");
    k.access_key = env.value("AWS_ACCESS_KEY_ID", "");
    k.secret_key = env.value("AWS_SECRET_ACCESS_KEY", "");
    k.session_token = env.value("AWS_SESSION_TOKEN", "");
    if (k.access_key.empty() || k.secret_key.empty()) {
        const std::string home = env.value("HOME", "");
        const auto creds =
            aws_credentials(env.value("AWS_SHARED_CREDENTIALS_FILE", home + "/.aws/credentials"),
                            env.value("AWS_PROFILE", "default"));
        if (auto it = creds.find("aws_access_key_id"); it != creds.end()) {
            k.access_key = it->second;
        }
        if (auto it = creds.find("aws_secret_access_key"); it != creds.end()) {
            k.secret_key = it->second;
        }
        if (auto it = creds.find("aws_session_token"); it != creds.end()) {
            k.session_token = it->second;
        }
    }
    if (k.access_key.empty() || k.secret_key.empty()) {
        return core::bad_request(
            "KINESIS_ENABLED: no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or ~/.aws/credentials)");
    }
    const std::string position = core::lower(env.value("RIG_KINESIS_ITERATOR", "latest"));
    if (position != "latest" && position != "trim_horizon") {
        return core::bad_setting("RIG_KINESIS_ITERATOR", "expected LATEST or TRIM_HORIZON",
                                 env.value("RIG_KINESIS_ITERATOR", ""));
    }
    k.from_start = position == "trim_horizon";
    if (auto e = env.read_ms("RIG_KINESIS_POLL_MS", k.poll_interval, 200)) {
        return *e;
    }
    k.app_name = env.value("KINESIS_APP_NAME", "");
    k.dynamodb_endpoint = env.value("KINESIS_DYNAMODB_ENDPOINT", "");
    // DynamoDB's rule for table names.
    const bool valid_name =
        k.app_name.size() >= 3 && k.app_name.size() <= 255 &&
        std::all_of(k.app_name.begin(), k.app_name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        });
    if (!k.app_name.empty() && !valid_name) {
        return core::bad_setting("KINESIS_APP_NAME",
                                 "expected 3 to 255 letters, digits, '_', '-' or '.' (it names "
                                 "the DynamoDB lease table)",
                                 k.app_name);
    }
    for (auto [name, out, min] :
         {std::tuple{"RIG_KINESIS_LEASE_MS", &k.lease_duration, 1000},
          std::tuple{"RIG_KINESIS_LEASE_RENEW_MS", &k.lease_renew_interval, 100},
          std::tuple{"RIG_KINESIS_LEASE_TAKE_MS", &k.lease_take_interval, 100},
          std::tuple{"RIG_KINESIS_SHARD_SYNC_MS", &k.shard_sync_interval, 100}}) {
        if (auto e = env.read_ms(name, *out, static_cast<uint64_t>(min))) {
            return *e;
        }
    }
    if (k.lease_renew_interval >= k.lease_duration) {
        return core::bad_setting("RIG_KINESIS_LEASE_RENEW_MS",
                                 "must be shorter than RIG_KINESIS_LEASE_MS (a lease would expire "
                                 "between renewals)",
                                 env.value("RIG_KINESIS_LEASE_RENEW_MS", ""));
    }
    return std::optional<kinesis_options>(std::move(k));
}

}  // namespace rig::sources
