#include "config/listener_options.hpp"

namespace rig::config {

std::optional<core::error> read_listener_options(const core::env& env, node_options& o) {
    for (auto [name, port] : {std::pair{"INBOUND_PORT", &o.inbound_port},
                              {"API_HTTP_PORT", &o.api_port},
                              {"INBOUND_HTTPS_PORT", &o.inbound_https_port},
                              {"API_HTTPS_PORT", &o.api_https_port}}) {
        if (auto e = env.read_uint(name, *port, 0, 65535, "expected a port number (0-65535)")) {
            return e;
        }
    }
    o.bind_address = env.value("RIG_BIND_ADDRESS", o.bind_address);
    o.api_bind_address = env.value("RIG_API_BIND_ADDRESS", o.api_bind_address);
    if (auto e = env.read_bool("RIG_HTTP2", o.http2)) {
        return e;
    }
    // The passphrase is taken as given: spaces may be part of it.
    const net::tls_files files{env.value("HTTPS_CERTFILE", ""), env.value("HTTPS_KEYFILE", ""),
                               env.raw("HTTPS_KEYFILE_PASS").value_or("")};
    if (files.cert_file.empty() && files.key_file.empty()) {
        if (!files.key_passphrase.empty()) {
            return core::bad_request(
                "HTTPS_KEYFILE_PASS: set without HTTPS_CERTFILE and HTTPS_KEYFILE");
        }
        return std::nullopt;  // HTTPS off
    }
    if (files.key_file.empty()) {
        return core::bad_request("HTTPS_KEYFILE: required when HTTPS_CERTFILE is set");
    }
    if (files.cert_file.empty()) {
        return core::bad_request("HTTPS_CERTFILE: required when HTTPS_KEYFILE is set");
    }
    auto tls = net::tls_context::load_server(files, o.http2);
    if (!tls) {
        return tls.error();
    }
    o.tls = std::move(*tls);
    return std::nullopt;
}

}  // namespace rig::config
