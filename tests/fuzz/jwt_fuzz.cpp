// Fuzz target for the JWT decoder and the JWK Set parser: any input must be refused or
// accepted without crashing, leaking or reading out of bounds.
//
// With clang and -DRIG_FUZZ=ON this links against libFuzzer (see docs/architecture.md); by
// default tests/fuzz/replay_main.cpp replays the corpus in tests/fuzz/corpus/jwt under ctest.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt_verifier.hpp"

namespace {

std::string rsa_public_pem() {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using rig::auth::jwt_verifier;
    static const auto hs = jwt_verifier::create({"HS256", "secret", {}}).value();
    static const auto rs = jwt_verifier::create({"RS256", rsa_public_pem(), {}}).value();
    static const auto set = jwt_verifier::create_for_key_set("RS256", {}).value();
    const std::chrono::system_clock::time_point now{std::chrono::seconds{1'700'000'000}};
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)hs->verify(input, now);
    (void)rs->verify(input, now);
    if (auto keys = rig::auth::parse_jwks(input)) {
        set->set_keys(std::make_shared<const rig::auth::jwt_key_set>(std::move(*keys)));
    }
    (void)set->verify(input, now);
    return 0;
}
