#pragma once

#include <boost/system/error_code.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"

struct ssl_st;

namespace boost::asio::ssl {
class context;
}

namespace rig::http {

// The TLS side of rig's outbound https:// calls (external checks): TLS 1.2 or newer, and the
// server's certificate verified against the system CAs plus, when set, the CA certificates
// of one PEM file (RIG_TLS_CA_FILE). The host name is checked per connection by client_pool.
//
// Built once per node by app and shared by every shard's client_pool: OpenSSL lets several
// threads open connections from one SSL_CTX as long as nobody changes it, and nothing does
// after make_client_tls returns. Lives as long as the last pool holding it.
using client_tls = std::shared_ptr<boost::asio::ssl::context>;

// The error says what is wrong with `ca_file` (unreadable, or holds no PEM certificate) and
// names it; an empty `ca_file` means the system CAs only.
core::result<client_tls> make_client_tls(const std::string& ca_file);

// Prepares one outbound TLS connection to `host`: SNI (host names only, RFC 6066 §3) and the
// name its certificate must carry (an IP address is checked against IP address entries).
// Returns why not, when OpenSSL refuses.
std::optional<std::string> expect_server_name(ssl_st* ssl, const std::string& host);

// What to say when the handshake with `where` failed: the error, and the certificate verify
// result when that is why ("certificate verify failed" alone does not say why).
std::string handshake_failure(ssl_st* ssl, const boost::system::error_code& ec,
                              const std::string& where);

}  // namespace rig::http
