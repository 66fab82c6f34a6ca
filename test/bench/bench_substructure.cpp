// SPDX-License-Identifier: MIT
// bench_substructure: time per jet of N-subjettiness (tau_1..tau_4, each axes choice), the
// energy correlators (C2, D2 at beta = 1 and 2), soft drop and trimming, on an NPY
// (N, M, 4) constituent file. Prints CSV lines name,n,threads,seconds,rate,unit,ratio_to_peer.
// Usage: bench_substructure FILE.npy [REPEATS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "jetml/io/npy.hpp"
#include "jetml/jets/substructure.hpp"

using namespace jetml;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_substructure FILE.npy [REPEATS]\n");
        return 2;
    }
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
    auto a = load_npy<float>(argv[1]);
    const std::size_t n = a.shape[0], m = a.shape[1];
    std::vector<std::vector<fourvec>> jets(n);
    double nsum = 0;
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t i = 0; i < m; ++i) {
            const float* r = a.data.data() + (j * m + i) * 4;
            if (r[0] > 0) jets[j].push_back(fourvec::from_pt_eta_phi_m(r[0], r[1], r[2], r[3]));
        }
        nsum += double(jets[j].size());
    }
    std::fprintf(stderr, "bench_substructure: %zu jets, mean %.1f constituents\n", n, nsum / double(n));
    volatile double sink = 0;
    auto run = [&](const char* name, const std::function<double(const std::vector<fourvec>&)>& f) {
        double best = 1e300;
        for (int r = 0; r < repeats; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            double s = 0;
            for (const auto& c : jets) s += f(c);
            sink = sink + s;
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::printf("%s,%zu,1,%.4f,%.2f,us/jet,\n", name, n, best, 1e6 * best / double(n));
    };
    for (auto ax : {nsub_axes::kt, nsub_axes::wta_kt, nsub_axes::onepass_kt, nsub_axes::onepass_wta_kt}) {
        nsub_params p;
        p.axes = ax;
        const std::string name = "tau1to4_" + to_string(ax);
        run(name.c_str(), [&](const std::vector<fourvec>& c) { return nsubjettiness_up_to(c, 4, p)[1]; });
    }
    run("ecf_c2d2_beta1and2", [](const std::vector<fourvec>& c) {
        auto e = energy_correlators(c, std::vector<double>{1.0, 2.0});
        return e[0].d2() + e[1].d2();
    });
    run("ecf_c2d2_beta1", [](const std::vector<fourvec>& c) { return energy_correlators(c, 1.0).d2(); });
    soft_drop_params sd;
    run("soft_drop", [&](const std::vector<fourvec>& c) { return soft_drop(c, sd).jet.m(); });
    trim_params tp;
    run("trimming", [&](const std::vector<fourvec>& c) { return trim(c, 300.0, tp).jet.m(); });
    return sink == 12345.0;
}
