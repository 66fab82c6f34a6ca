// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_model.cpp - libFuzzer harness for the model-file reader (see README.md).
//
// The bytes are read twice: as a model file, and as a list of archive entries
// ("name\0data" records separated by "\0ENT\n") that jetml::zip_store packs into a valid archive, so
// that mutations reach meta.json and the NPY records past the zip CRC check.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "jetml/core/error.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/nn/model_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = jetml_fuzz::write_input(data, size, ".npz");
    jetml_fuzz::expect_clean([&] {
        jetml::nn::model_meta meta;
        auto m = jetml::nn::load_model(path, &meta);
        (void)m;
    });
    jetml_fuzz::expect_clean([&] {
        auto s = jetml::model::load_scorer(path);  // the kind dispatch predict uses
        (void)s;
    });
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const std::string sep("\0ENT\n", 5);
    std::vector<jetml::zip_entry> entries;
    for (std::size_t at = 0; at <= bytes.size();) {
        std::size_t end = bytes.find(sep, at);
        if (end == std::string::npos) end = bytes.size();
        std::string rec = bytes.substr(at, end - at);
        std::size_t z = rec.find('\0');
        if (z != std::string::npos) entries.push_back({rec.substr(0, z), rec.substr(z + 1)});
        at = end + sep.size();
    }
    if (entries.empty()) return 0;
    jetml_fuzz::expect_clean([&] {
        jetml::nn::model_meta meta;
        auto m = jetml::nn::model_from_bytes(jetml::zip_store(entries), "fuzz.npz", &meta);
        (void)m;
    });
    return 0;
}
