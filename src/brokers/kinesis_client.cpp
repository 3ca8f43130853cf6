#include "brokers/kinesis_client.hpp"

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace rig::brokers {
namespace json = boost::json;

namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

}  // namespace

kinesis_client::kinesis_client(kinesis_account account, const aws_json_service& service)
    : account_(std::move(account)), service_(service) {
    endpoint_ = account_.endpoint.empty() ? "https://" + std::string(service_.name) + "." +
                                                account_.region + ".amazonaws.com/"
                                          : account_.endpoint;
    sigv4_ = "aws:amz:" + account_.region + ":" + service_.name;
    userpwd_ = account_.access_key + ":" + account_.secret_key;
    curl_ = curl_easy_init();
}

kinesis_client::~kinesis_client() {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
}

kinesis_result kinesis_client::call(const char* action, const json::object& request) {
    CURL* curl = static_cast<CURL*>(curl_);
    kinesis_result out;
    std::string response;
    const std::string payload = json::serialize(request);
    const std::string target =
        std::string("X-Amz-Target: ") + service_.target_prefix + "." + action;
    const std::string content_type = std::string("Content-Type: ") + service_.content_type;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, content_type.c_str());
    headers = curl_slist_append(headers, target.c_str());
    std::string token_header;
    if (!account_.session_token.empty()) {
        token_header = "X-Amz-Security-Token: " + account_.session_token;
        headers = curl_slist_append(headers, token_header.c_str());
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, endpoint_.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        out.error = curl_easy_strerror(rc);
        return out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    json::error_code ec;
    out.body = json::parse(response, ec);
    if (out.status != 200) {
        const auto* type =
            out.body.is_object() ? out.body.get_object().if_contains("__type") : nullptr;
        out.error = type && type->is_string() ? std::string(type->get_string())
                                              : "HTTP " + std::to_string(out.status);
    }
    return out;
}

}  // namespace rig::brokers
