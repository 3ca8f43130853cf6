// Prints the package's /etc/default/rig (every setting, commented) to standard output; run at
// build time so that the file cannot drift from `rig --help`.
#include <cstdio>

#include "config/settings_help.hpp"

int main() {
    std::fputs(rig::config::env_file_text().c_str(), stdout);
    return 0;
}
