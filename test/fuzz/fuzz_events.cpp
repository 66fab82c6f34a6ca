// SPDX-License-Identifier: MIT
// test/fuzz/fuzz_events.cpp - libFuzzer harness for the event readers (see README.md).
#include <cstdint>

#include "fuzz_common.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/event_io.hpp"
#include "jetml/io/io.hpp"

namespace {
void read_all(const std::string& path, bool detect, jetml::event_format f, bool drop) {
    jetml_fuzz::expect_clean([&] {
        jetml::input in(path);
        if (detect) f = jetml::detect_event_format(in);
        jetml::event_reader_options opt;
        opt.drop_neutrinos = drop;
        auto r = jetml::make_event_reader(in, f, opt);
        (void)r->description();
        jetml::event ev;
        while (r->next(ev)) {
        }
    });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = jetml_fuzz::write_input(data, size, ".ev");
    bool drop = size > 0 && (data[size - 1] & 1);
    read_all(path, true, jetml::event_format::npy, drop);
    for (auto f : {jetml::event_format::npy, jetml::event_format::hepmc3, jetml::event_format::fastjet,
                   jetml::event_format::csv})
        read_all(path, false, f, drop);
    return 0;
}
