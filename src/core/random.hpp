#pragma once

#include <cstdint>
#include <string>

namespace rig::core {

// Per-thread generator seeded from the OS: ids need to be unique, not secret.
uint64_t random_u64();

// A random (version 4) UUID in its canonical lowercase text form.
std::string uuid_v4();

// Cryptographically secure random bytes (OpenSSL); for keys and secrets.
std::string secure_random_bytes(std::size_t n);

}  // namespace rig::core
