#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt_verifier.hpp"
#include "auth/session_blacklist.hpp"
#include "core/error.hpp"

namespace rig::auth {

// Decides whether a JWT is acceptable (spec §5.1) and which session it belongs to (§6.1):
// the signature and times are checked by the verifier; then the token is refused while its
// `jti`, or its session (the value at JWT_SESSION_FIELD), is blacklisted.
//
// @par Thread safety
// Immutable after construction; validate() may be called from any thread.
class token_validator {
public:
    token_validator() = default;
    token_validator(std::shared_ptr<const jwt_verifier> verifier,
                    const session_blacklist* blacklist, std::string session_pointer)
        : verifier_(std::move(verifier)),
          blacklist_(blacklist),
          session_pointer_(std::move(session_pointer)) {}

    bool configured() const { return verifier_ != nullptr; }

    // The claims, or why the token is refused (RIG's texts where it has them).
    core::result<boost::json::object> validate(std::string_view token) const;

    // The session a token's claims name: the scalar at JWT_SESSION_FIELD, as text.
    std::optional<std::string> session_of(const boost::json::object& claims) const;

private:
    std::shared_ptr<const jwt_verifier> verifier_;
    const session_blacklist* blacklist_ = nullptr;
    std::string session_pointer_ = "/jti";
};

}  // namespace rig::auth
