// SPDX-License-Identifier: MIT
// bench_jetimg - two measurements for jetimg's benchmark (test/bench/run_jetimg.sh):
//   bench_jetimg IN.npy OUT.npy C H W [BATCH]
//       the I/O floor: read an NPY (N, M, 4) constituent file in batches (default 256 jets, as
//       jetimg) and write an NPY (N, C, H, W) float32 of zeros, on one thread, with the same
//       jetml readers, writers and batch buffers as jetimg and no work in between;
//   bench_jetimg --compute PRESET IN.npy [REPEATS]
//       the image work alone: make_image over all jets already in memory (images written into a
//       1024-jet buffer, as one batch), one thread, best of REPEATS (default 3) passes; prints
//       "PRESET,N,seconds,jets/s".
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "jetml/jets/image.hpp"
#include "jetml/io/io.hpp"
#include "jetml/core/memory.hpp"
#include "jetml/io/npy.hpp"

namespace {
int compute(const std::string& preset, const std::string& path, int repeats) {
    auto a = jetml::load_npy<float>(path);
    if (a.shape.size() != 3 || a.shape[2] != 4) throw std::runtime_error(path + ": expected (N, M, 4)");
    const std::size_t N = a.shape[0], M = a.shape[1];
    jetml::image::params p = jetml::image::preset(preset);
    p.jet_kinematics = false;  // as jetimg without --meta-out
    const std::size_t P = p.pixels();
    const std::size_t ring = 1024;  // output rows reused like one jetimg batch
    std::vector<float, jetml::huge_allocator<float>> out(ring * P);
    jetml::image::workspace ws;
    jetml::image::jet_info info;
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t j = 0; j < N; ++j) jetml::image::make_image(p, a.data.data() + j * M * 4, M, out.data() + (j % ring) * P, info, ws);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < best) best = s;
    }
    std::cout << preset << "," << N << "," << best << "," << double(N) / best << "\n";
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc >= 4 && std::string(argv[1]) == "--compute")
            return compute(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 3);
        if (argc < 6) {
            std::cerr << "usage: bench_jetimg IN.npy OUT.npy C H W [BATCH] | bench_jetimg --compute PRESET IN.npy [REPEATS]\n";
            return 2;
        }
        const std::size_t C = std::strtoul(argv[3], nullptr, 10), H = std::strtoul(argv[4], nullptr, 10),
                          W = std::strtoul(argv[5], nullptr, 10);
        const std::size_t batch = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 256;  // jetimg's default --batch
        jetml::input in(argv[1]);
        jetml::npy_reader r(in);
        const auto& s = r.header().shape;
        const std::size_t N = s[0], M = s[1];
        jetml::output out(argv[2], true);
        jetml::npy_writer w(out, jetml::dtype::f4, {N, C, H, W});
        // the same huge-page buffers as jetimg's batches, so the floor pays no extra first-touch cost
        std::vector<float, jetml::huge_allocator<float>> buf, img(batch * C * H * W, 0.0f);
        buf.reserve(std::max<std::size_t>(batch * M * 4, (std::size_t(1) << 20) / sizeof(float)));  // huge pages, as jetimg
        buf.resize(batch * M * 4);
        while (std::size_t got = r.read_rows(buf.data(), batch)) w.write_rows(img.data(), got);
        w.finish();
    } catch (const std::exception& e) {
        std::cerr << "bench_jetimg: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
