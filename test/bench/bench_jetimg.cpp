// SPDX-License-Identifier: MIT
// bench_jetimg - the I/O floor of jetimg: read an NPY (N, M, 4) constituent file in batches and
// write an NPY (N, C, H, W) float32 of zeros, with the same jetml readers and writers and no
// work in between. Usage: bench_jetimg IN.npy OUT.npy C H W [BATCH]
#include <cstdlib>
#include <iostream>
#include <vector>

#include "jetml/io.hpp"
#include "jetml/memory.hpp"
#include "jetml/npy.hpp"

int main(int argc, char** argv) {
    if (argc < 6) {
        std::cerr << "usage: bench_jetimg IN.npy OUT.npy C H W [BATCH]\n";
        return 2;
    }
    try {
        const std::size_t C = std::strtoul(argv[3], nullptr, 10), H = std::strtoul(argv[4], nullptr, 10),
                          W = std::strtoul(argv[5], nullptr, 10);
        const std::size_t batch = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 1024;
        jetml::input in(argv[1]);
        jetml::npy_reader r(in);
        const auto& s = r.header().shape;
        const std::size_t N = s[0], M = s[1];
        jetml::output out(argv[2], true);
        jetml::npy_writer w(out, jetml::dtype::f4, {N, C, H, W});
        // the same huge-page buffers as jetimg's batches, so the floor pays no extra first-touch cost
        std::vector<float, jetml::huge_allocator<float>> buf(batch * M * 4), img(batch * C * H * W, 0.0f);
        while (std::size_t got = r.read_rows(buf.data(), batch)) w.write_rows(img.data(), got);
        w.finish();
    } catch (const std::exception& e) {
        std::cerr << "bench_jetimg: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
