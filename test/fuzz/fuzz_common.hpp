// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_common.hpp - shared bits of the libFuzzer harnesses (see README.md).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "jetml/core/error.hpp"

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

/// An expected error must carry a one-line message: a line break in it is a finding.
inline void check_message(const std::exception& e) {
    const std::string m = e.what();
    if (m.empty() || m.find_first_of("\n\r") != std::string::npos) {
        std::fprintf(stderr, "jetml_fuzz: error message is empty or not one line: [%s]\n", m.c_str());
        std::abort();
    }
}

/// Runs f: a jetml::error or jetml::usage_error is the expected outcome of bad input (with a
/// one-line message); anything else escapes to libFuzzer as a finding.
template <class F> void expect_clean(F&& f) {
    try {
        f();
    } catch (const jetml::error& e) {
        check_message(e);
    } catch (const jetml::usage_error& e) {
        check_message(e);
    }
}

}  // namespace jetml_fuzz
