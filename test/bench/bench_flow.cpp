// SPDX-License-Identifier: MIT
// test/bench/bench_flow.cpp - training and sampling samples/s of the conditional MAF (ANODE/CATHODE
// default: 4 variables, 1 condition, 15 blocks x 128, batch 256, Adam). One CSV line per case:
// name,n,threads,seconds,samples_per_s,cpu_seconds (the process CPU time: on a loaded machine
// samples/s of one thread ~ n / cpu_seconds is what it would reach alone).  Usage: bench_flow [threads] [train_batches]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/flow/maf.hpp"

static double cpu() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int batches = argc > 2 ? std::atoi(argv[2]) : 400;
    jetml::set_threads(threads);
    jetml::flow::maf m(jetml::flow::maf_config{}, 1);
    const std::size_t B = jetml::flow::maf_defaults::batch, n = B * 16;
    std::vector<float> xc(n * 5);
    jetml::rng r(2);
    for (auto& v : xc) v = float(r.normal());
    jetml::nn::optimizer opt(jetml::flow::maf_defaults::optimizer());
    using clk = std::chrono::steady_clock;
    for (int i = 0; i < 20; ++i) m.train_step(xc.data() + (i % 16) * B * 5, nullptr, B, &opt, 1e-4);  // warm-up
    auto t0 = clk::now();
    double c0 = cpu();
    for (int i = 0; i < batches; ++i) m.train_step(xc.data() + (i % 16) * B * 5, nullptr, B, &opt, 1e-4);
    double s = std::chrono::duration<double>(clk::now() - t0).count();
    std::printf("maf_train_15x128_b256,%zu,%d,%.4f,%.0f,%.4f\n", std::size_t(batches) * B, threads, s, double(batches) * B / s, cpu() - c0);
    m.recompute_statistics(xc.data(), n);
    std::vector<float> c(n), x(n * 4);
    for (std::size_t i = 0; i < n; ++i) c[i] = xc[i * 5 + 4];
    m.sample(c.data(), n, 3, x.data());
    t0 = clk::now();
    c0 = cpu();
    const int reps = 5;
    for (int i = 0; i < reps; ++i) m.sample(c.data(), n, 3 + i, x.data());
    s = std::chrono::duration<double>(clk::now() - t0).count();
    std::printf("maf_sample_15x128,%zu,%d,%.4f,%.0f,%.4f\n", n * reps, threads, s, double(n) * reps / s, cpu() - c0);
    std::vector<double> lp(n);
    t0 = clk::now();
    c0 = cpu();
    for (int i = 0; i < reps; ++i) m.log_prob(xc.data(), n, lp.data());
    s = std::chrono::duration<double>(clk::now() - t0).count();
    std::printf("maf_logp_15x128,%zu,%d,%.4f,%.0f,%.4f\n", n * reps, threads, s, double(n) * reps / s, cpu() - c0);
    return 0;
}
