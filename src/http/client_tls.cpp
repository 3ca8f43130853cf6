#include "http/client_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace rig::http {
namespace {

// The most specific reason OpenSSL queued, and an empty queue for the next caller.
std::string openssl_reason() {
    std::string out;
    while (const unsigned long e = ERR_get_error()) {
        if (const char* r = ERR_reason_error_string(e)) {
            out = r;
        }
    }
    return out.empty() ? "no PEM certificate found" : out;
}

}  // namespace

core::result<client_tls> make_client_tls(const std::string& ca_file) {
    auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    // Missing system CA files are not an error here: the connection then fails to verify,
    // and says so.
    SSL_CTX_set_default_verify_paths(native);
    ERR_clear_error();
    if (ca_file.empty()) {
        return ctx;
    }
    const auto fail = [&](const std::string& why) {
        return core::bad_request("cannot use the CA file \"" + ca_file + "\": " + why);
    };
    std::error_code fec;
    if (std::filesystem::is_directory(ca_file, fec)) {
        return fail("it is a directory");
    }
    if (std::FILE* f = std::fopen(ca_file.c_str(), "rb")) {
        std::fclose(f);
    } else {
        return fail(std::generic_category().message(errno));  // (strerror is not thread-safe)
    }
    // Adds the file's certificates to the store that already holds the system CAs.
    if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
        return fail(openssl_reason());
    }
    return ctx;
}

}  // namespace rig::http

namespace rig::http {

std::optional<std::string> expect_server_name(SSL* ssl, const std::string& host) {
    // OpenSSL 3's SSL_set1_host tells host names from IP addresses; SNI must not carry an IP.
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(host, not_ip);
    if (not_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
        return "cannot send " + host + " as the TLS server name";
    }
    if (SSL_set1_host(ssl, host.c_str()) != 1) {
        return "cannot check certificates for " + host;
    }
    return std::nullopt;
}

std::string handshake_failure(SSL* ssl, const boost::system::error_code& ec,
                              const std::string& where) {
    std::string out = "TLS handshake with " + where + " failed: " + ec.message();
    if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
        out += std::string(" (server certificate: ") + X509_verify_cert_error_string(v) + ")";
    }
    return out;
}

}  // namespace rig::http
