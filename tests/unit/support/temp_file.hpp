#pragma once

// A file with the given content under the temp directory, removed when the test ends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace rig::test {

class temp_file {
public:
    explicit temp_file(const std::string& content) {
        std::string pattern = (std::filesystem::temp_directory_path() / "rig_unit_XXXXXX").string();
        const int fd = mkstemp(pattern.data());
        EXPECT_GE(fd, 0);
        if (fd >= 0) {
            close(fd);
        }
        path_ = pattern;
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace rig::test
