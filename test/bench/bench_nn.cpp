// SPDX-License-Identifier: MIT
// bench_nn - training and inference samples/s of jetml's networks (the four architectures
// compared with PyTorch in BENCHMARKS.md), and conv2d GFLOP/s against plain OpenBLAS SGEMM.
//
//   bench_nn [threads=2] [seconds=2] [batch=128] [wtag|deeptop|dnn|small|conv|ab|denseab|profile:NAME|train:NAME]
//   (ab, denseab: the AVX-512 GEMM kernel against OpenBLAS, interleaved, for convs / dense nets)
// Prints CSV lines:
//   model,name,input,batch,threads,train_samples_per_s,infer_samples_per_s,train_gflops,
//         infer_samples_per_s_batch8192 (64 batches in one predict call)
//   conv,name,shape,threads,fwd_gflops,bwd_gflops,sgemm_same_shape_gflops
#include <cblas.h>
#include <omp.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"

using namespace jetml::nn;
using clk = std::chrono::steady_clock;

static double since(clk::time_point t0) {
    return std::chrono::duration<double>(clk::now() - t0).count();
}

static double cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

static std::vector<float> randv(std::size_t n, std::uint64_t seed, double lo = 0, double hi = 1) {
    jetml::rng g(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = float(g.uniform(lo, hi));
    return v;
}

static void bench_model(const char* name, const tshape& in, int threads, double secs, std::size_t batch,
                        bool train_only = false) {
    sequential m(name, in, 1);
    const std::size_t nbat = 64;  // distinct batches cycled through, as an epoch would
    auto x = randv(nbat * batch * in.size(), 2);
    std::vector<float> y(nbat * batch);
    jetml::rng g(3);
    for (auto& v : y) v = float(g.below(2));
    optim_config oc;
    optimizer opt(oc);
    m.reserve(batch);
    for (std::size_t i = 0; i < 3; ++i)  // warm-up: first-touch, optimiser state
        m.train_step(x.data(), y.data(), nullptr, batch, loss_kind::bce_logits, opt, 1e-3);
    std::size_t steps = 0;
    const double c0 = cpu_seconds();
    auto t0 = clk::now();
    double t = 0;
    while ((t = since(t0)) < secs) {
        std::size_t b = steps % nbat;
        m.train_step(x.data() + b * batch * in.size(), y.data() + b * batch, nullptr, batch,
                     loss_kind::bce_logits, opt, 1e-3);
        ++steps;
    }
    const double train_rate = double(steps * batch) / t;
    if (train_only) {  // for perf: no inference (its batch-8192 buffers dominate a profile)
        // samples per CPU-second of the process: on a loaded machine a steadier measure of
        // one-thread speed than wall time (with 2 threads it also counts spin-waiting)
        const double cpu = cpu_seconds() - c0;
        std::printf("train,%s,%zu,%d,%.0f,%.0f per cpu-s\n", name, batch, threads, train_rate,
                    double(steps * batch) / cpu);
        return;
    }
    std::vector<float> out(nbat * batch);
    m.predict(x.data(), batch, out.data(), batch);
    std::size_t done = 0;
    t0 = clk::now();
    while ((t = since(t0)) < secs / 2) {
        m.predict(x.data(), nbat * batch, out.data(), batch);
        done += nbat * batch;
    }
    const double infer_rate = double(done) / t;
    // inference in large batches (the PyTorch peer predicts its whole test split in one call)
    const std::size_t big = nbat * batch;
    m.predict(x.data(), big, out.data(), big);
    done = 0;
    t0 = clk::now();
    while ((t = since(t0)) < secs / 2) {
        m.predict(x.data(), big, out.data(), big);
        done += big;
    }
    const double infer_big = double(done) / t;
    // forward + input gradient + weight gradient = 3 GEMMs of 2 flops per multiply-add
    const std::string shape = in.spatial ? std::to_string(in.c) + "x" + std::to_string(in.h) + "x" +
                                               std::to_string(in.w)
                                         : std::to_string(in.size());
    std::printf("model,%s,%s,%zu,%d,%.0f,%.0f,%.1f,%.0f\n", name, shape.c_str(), batch, threads,
                train_rate, infer_rate, train_rate * m.flops() * 6 / 1e9, infer_big);
    std::fflush(stdout);
}

static void bench_conv(const char* name, std::size_t h, std::size_t cin, std::size_t k, std::size_t cout,
                       int threads, double secs, std::size_t batch) {
    conv_params p;
    p.n = batch, p.h = p.w = h, p.cin = cin, p.kh = p.kw = k, p.cout = cout, p.stride = 1;
    conv_geometry(p, true);
    auto x = randv(p.n * p.in_size(), 1, -1, 1), w = randv(p.cout * p.k(), 2, -1, 1);
    auto b = randv(p.cout, 3), dy = randv(p.n * p.out_size(), 4, -1, 1);
    std::vector<float> y(p.n * p.out_size()), dx(x.size()), dw(w.size()), db(cout);
    conv_workspace ws;
    const double flop = 2.0 * p.n * p.oh * p.ow * p.cout * p.k();
    conv2d_forward(p, x.data(), w.data(), b.data(), y.data(), ws);
    std::size_t it = 0;
    auto t0 = clk::now();
    double t;
    while ((t = since(t0)) < secs / 3) conv2d_forward(p, x.data(), w.data(), b.data(), y.data(), ws), ++it;
    const double fwd = flop * it / t / 1e9;
    conv2d_backward(p, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws);
    it = 0;
    t0 = clk::now();
    while ((t = since(t0)) < secs / 3)
        conv2d_backward(p, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws), ++it;
    const double bwd = 2 * flop * it / t / 1e9;
    // The same GEMM as the forward (M = batch*pixels, N = cout, K = k*k*cin), OpenBLAS threads.
    const int M = int(p.n * p.oh * p.ow), N = int(cout), K = int(p.k());
    std::vector<float> A(std::size_t(M) * K, 0.5f), C(std::size_t(M) * N);
    jetml::set_blas_threads(threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A.data(), K, w.data(), K, 0.0f, C.data(), N);
    it = 0;
    t0 = clk::now();
    while ((t = since(t0)) < secs / 3)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A.data(), K, w.data(), K, 0.0f,
                    C.data(), N),
            ++it;
    jetml::set_blas_threads(1);
    const double gemm = flop * it / t / 1e9;
    std::printf("conv,%s,%zux%zux%zu k%zu c%zu,%d,%.1f,%.1f,%.1f\n", name, cin, h, h, k, cout, threads,
                fwd, bwd, gemm);
    std::fflush(stdout);
}

// Per-layer forward/backward milliseconds of one training batch (bench_nn T S B profile:NAME).
static void profile(const std::string& name, const tshape& in, std::size_t batch) {
    sequential m(name, in, 1);
    std::vector<std::vector<float>> act(m.size() + 1), grad(m.size() + 1);
    act[0] = randv(batch * in.size(), 2);
    grad[0].resize(act[0].size());
    for (std::size_t i = 0; i < m.size(); ++i) {
        m.at(i).reserve(batch);
        act[i + 1].resize(batch * m.at(i).out_shape().size());
        grad[i + 1] = randv(act[i + 1].size(), 5, -1, 1);
    }
    const int reps = 20;
    for (std::size_t i = 0; i < m.size(); ++i) {
        layer& l = m.at(i);
        l.forward(act[i].data(), act[i + 1].data(), batch, true);
        auto t0 = clk::now();
        for (int r = 0; r < reps; ++r) l.forward(act[i].data(), act[i + 1].data(), batch, true);
        double tf = since(t0) / reps;
        t0 = clk::now();
        for (int r = 0; r < reps; ++r)
            l.backward(act[i].data(), act[i + 1].data(), grad[i + 1].data(), i ? grad[i].data() : nullptr, batch);
        double tb = since(t0) / reps;
        std::printf("layer,%zu,%s,%.3f ms fwd,%.3f ms bwd,%.1f GFLOP/s fwd\n", i, l.spec().c_str(), tf * 1e3,
                    tb * 1e3, l.flops() > 0 ? 2 * l.flops() * batch / tf / 1e9 : 0.0);
    }
}

static tshape input_of(const std::string& n) {
    return n == "wtag" || n == "dnn" || n == "maxout" ? tshape::image(1, 25, 25)
           : n == "deeptop"                           ? tshape::image(1, 40, 40)
                                                      : tshape::vec(4);
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const double secs = argc > 2 ? std::atof(argv[2]) : 2.0;
    const std::size_t batch = argc > 3 ? std::size_t(std::atoll(argv[3])) : 128;
    const std::string only = argc > 4 ? argv[4] : "";
    jetml::set_threads(threads);
    if (only == "ab") {  // AVX-512 kernel vs OpenBLAS, interleaved so machine load hits both alike
        for (int r = 0; r < 3; ++r)
            for (bool on : {true, false}) {
                gemm_set_avx512(on);
                std::printf("# %s\n", on ? "avx512 kernel" : "openblas");
                bench_conv("wtag1", 25, 1, 11, 32, threads, secs, batch);
                bench_conv("wtag2", 12, 32, 3, 32, threads, secs, batch);
                bench_conv("deeptop1", 40, 1, 4, 8, threads, secs, batch);
                bench_conv("deeptop2", 40, 8, 4, 8, threads, secs, batch);
            }
        return 0;
    }
    if (only == "denseab") {  // dense nets: AVX-512 kernel vs OpenBLAS, interleaved
        for (int r = 0; r < 3; ++r)
            for (bool on : {true, false}) {
                gemm_set_avx512(on);
                std::printf("# %s\n", on ? "avx512 kernel" : "openblas");
                bench_model("dnn", tshape::vec(625), threads, secs, batch);
                bench_model("small", tshape::vec(4), threads, secs, batch);
            }
        return 0;
    }
    if (only.rfind("train:", 0) == 0) {
        const std::string n = only.substr(6);
        bench_model(n.c_str(), input_of(n), threads, secs, batch, true);
        return 0;
    }
    if (only.rfind("profile:", 0) == 0) {
        const std::string n = only.substr(8);
        profile(n, input_of(n), batch);
        return 0;
    }
    std::printf("kind,name,input,batch,threads,train_samples_per_s,infer_samples_per_s,train_gflops,"
                "infer_samples_per_s_batch8192\n");
    if (only.empty() || only == "wtag") bench_model("wtag", tshape::image(1, 25, 25), threads, secs, batch);
    if (only.empty() || only == "deeptop") bench_model("deeptop", tshape::image(1, 40, 40), threads, secs, batch);
    if (only.empty() || only == "dnn") bench_model("dnn", tshape::vec(625), threads, secs, batch);
    if (only.empty() || only == "small") bench_model("small", tshape::vec(4), threads, secs, batch);
    if (only.empty() || only == "conv") {
        std::printf("kind,name,shape,threads,fwd_gflops,bwd_gflops,sgemm_same_shape_gflops\n");
        bench_conv("wtag1", 25, 1, 11, 32, threads, secs, batch);
        bench_conv("wtag2", 12, 32, 3, 32, threads, secs, batch);
        bench_conv("deeptop2", 40, 8, 4, 8, threads, secs, batch);
    }
    return 0;
}
