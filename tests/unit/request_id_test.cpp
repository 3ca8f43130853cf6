#include "http/request_id.hpp"

#include <gtest/gtest.h>

namespace {

using rig::http::request_id_for;

bool generated_shape(const std::string& id) {
    if (id.size() != 20) {
        return false;
    }
    for (char c : id) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

TEST(RequestId, KeepsASaneClientId) {
    EXPECT_EQ(request_id_for("0b6c3f0e-6c1b-4b53-9d39-6a0a8f1f0f2e"),
              "0b6c3f0e-6c1b-4b53-9d39-6a0a8f1f0f2e");
    EXPECT_EQ(request_id_for("FpU8Q0p4b2yZ7nXk1cWq"), "FpU8Q0p4b2yZ7nXk1cWq");
    const std::string longest(200, 'a');
    EXPECT_EQ(request_id_for(longest), longest);
}

TEST(RequestId, ReplacesMissingShortLongOrOddIds) {
    for (const std::string& bad :
         {std::string(), std::string("short"), std::string(201, 'a'),
          std::string("has spaces in it, twenty+"), std::string("<script>alert(1)</script>"),
          std::string("quote\"and\\backslash-xxxxxxxx")}) {
        const auto id = request_id_for(bad);
        EXPECT_NE(id, bad);
        EXPECT_TRUE(generated_shape(id)) << id;
    }
}

TEST(RequestId, GeneratedIdsDiffer) {
    EXPECT_NE(request_id_for(""), request_id_for(""));
}

}  // namespace
