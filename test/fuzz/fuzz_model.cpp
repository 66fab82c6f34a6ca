// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_model.cpp - libFuzzer harness for the model-file reader (see README.md).
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "jetml/error.hpp"
#include "jetml/nn/model_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = jetml_fuzz::write_input(data, size, ".npz");
    try {
        jetml::nn::model_meta meta;
        auto m = jetml::nn::load_model(path, &meta);
        (void)m;
    } catch (const jetml::error&) {
    } catch (const jetml::usage_error&) {
    }
    return 0;
}
