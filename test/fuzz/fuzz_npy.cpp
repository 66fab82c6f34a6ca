// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_npy.cpp - libFuzzer harness for the NPY reader (see README.md).
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = jetml_fuzz::write_input(data, size, ".npy");
    jetml_fuzz::expect_clean([&] {
        jetml::input in(path);
        auto a = jetml::read_npy<double>(in);
        (void)a;
    });
    jetml_fuzz::expect_clean([&] {
        auto a = jetml::load_npy<float>(path);
        (void)a;
    });
    jetml_fuzz::expect_clean([&] {
        auto a = jetml::load_npy<std::int32_t>(path);
        (void)a;
    });
    jetml_fuzz::expect_clean([&] {
        // streaming, in small batches
        jetml::input in(path);
        jetml::npy_reader r(in);
        std::size_t re = r.header().row_elements();
        if (re <= (std::size_t(1) << 20)) {
            std::vector<float> buf(3 * re);
            while (r.read_rows(buf.data(), 3) > 0) {
            }
        }
    });
    return 0;
}
