#pragma once

#include <cstdlib>

namespace rig::fuzz {

// A broken invariant aborts: libFuzzer and the corpus replay under ctest both report it.
inline void require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

}  // namespace rig::fuzz
