#pragma once

#include <boost/beast/http/message.hpp>

namespace rig::http {

// Rewrites an absolute-form target (`http://host:port/path?query`, RFC 9112 §3.2.2, which a
// server MUST accept) to origin form (`/path?query`, "/" for an empty path) and sets Host to
// its authority, which the RFC says replaces the Host received. Returns whether it rewrote:
// targets of another form, another scheme or without a host are left as they are (the router
// then hands them to the API gateway, which answers 404). The h1 session calls it on every
// request head, so that every route sees an origin-form target.
bool to_origin_form(boost::beast::http::request_header<>& req);

}  // namespace rig::http
