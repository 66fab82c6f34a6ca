// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_common.hpp - shared bits of the libFuzzer harnesses (see README.md).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace jetml_fuzz {

/// Writes the fuzz bytes to a per-process file under /dev/shm and returns its path.
inline const std::string& write_input(const std::uint8_t* data, std::size_t size, const char* ext) {
    static const std::string path = "/dev/shm/jetml_fuzz_" + std::to_string(getpid()) + ext;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace jetml_fuzz
