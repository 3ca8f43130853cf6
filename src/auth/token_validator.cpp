#include "auth/token_validator.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace rig::auth {
namespace json = boost::json;

core::result<json::object> token_validator::validate(std::string_view token) const {
    if (!verifier_) {
        return core::error{core::condition::unauthorized,
                           "no JWT key is configured (JWT_SECRET_KEY or RIG_JWKS_URL)"};
    }
    auto claims = verifier_->verify(token);
    if (!claims || blacklist_ == nullptr) {
        return claims;
    }
    const auto refuse = [](const std::string& id) {
        return core::error{core::condition::unauthorized,
                           "Ignoring blacklisted JWT with ID \"" + id + "\"."};
    };
    if (const auto* jti = claims->if_contains("jti");
        jti != nullptr && jti->is_string() && blacklist_->contains(jti->get_string())) {
        return refuse(std::string(jti->get_string()));
    }
    if (auto session = session_of(*claims); session && blacklist_->contains(*session)) {
        return refuse(*session);
    }
    return claims;
}

std::optional<std::string> token_validator::session_of(const json::object& claims) const {
    const json::value doc(claims);
    json::error_code ec;
    const json::value* v = doc.find_pointer(session_pointer_, ec);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_string()) {
        if (v->get_string().empty()) {
            return std::nullopt;
        }
        return std::string(v->get_string());
    }
    if (v->is_number()) {
        return json::serialize(*v);
    }
    return std::nullopt;
}

}  // namespace rig::auth
