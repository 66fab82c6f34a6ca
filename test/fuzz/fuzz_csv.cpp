// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_csv.cpp - libFuzzer harness for the CSV reader and the dataset readers on
// CSV and NPY (see README.md).
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = jetml_fuzz::write_input(data, size, ".csv");
    std::vector<std::string> names;
    jetml_fuzz::expect_clean([&] {
        jetml::input in(path);
        jetml::csv_reader r(in);
        names = r.columns();
        // the dataset readers look columns up one by one: ask for at most 64 of them
        if (names.size() > 64) names.resize(64);
        for (auto& n : names) (void)r.column(n);
        (void)r.find("nope");
        while (r.next()) {
            for (std::size_t i = 0; i < r.columns().size(); ++i) {
                (void)r.field(i);
                try {
                    (void)r.number(i);
                } catch (const jetml::error& e) {
                    jetml_fuzz::check_message(e);
                }
                try {
                    (void)r.integer(i);
                } catch (const jetml::error& e) {
                    jetml_fuzz::check_message(e);
                }
            }
        }
    });
    jetml_fuzz::expect_clean([&] {
        (void)jetml::load_column(path, names.empty() ? std::string() : names[0]);
    });
    jetml_fuzz::expect_clean([&] {
        jetml::column_file f(path);
        for (auto& n : names) f.want(n);
        for (auto& n : names) (void)f.column(n);
    });
    jetml_fuzz::expect_clean([&] {
        jetml::sample_stream s(path, names, true);
        std::size_t n = s.sample_size();
        if (n > 0 && n <= (std::size_t(1) << 20)) {
            std::vector<float> buf(5 * n);
            while (s.read(buf.data(), 5) > 0) {
            }
        }
    });
    jetml_fuzz::expect_clean([&] {
        (void)jetml::load_samples(path, names);
    });
    jetml_fuzz::expect_clean([&] {
        (void)jetml::load_labels(path, names.empty() ? std::string() : names.back());
    });
    return 0;
}
