// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/kernels: the fast conv2d/dense kernels (im2col + SGEMM, threads)
// against their plain reference twins, on the shapes the presets use and on edge cases.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/core/rng.hpp"

#include "support.hpp"

using namespace jetml::nn;

namespace {

// float32 sums of up to ~10^4 products of O(1) numbers, in a different order than the
// double reference: relative error per value ~ sqrt(K) * 6e-8 <= 1e-5, i.e. NMSE <= 1e-10;
// an indexing error gives NMSE of order 1.
constexpr double tol = 1e-9;

void compare_conv(conv_params p, bool same, int threads) {
    conv_geometry(p, same);
    CAPTURE(p.n); CAPTURE(p.h); CAPTURE(p.cin); CAPTURE(p.kh); CAPTURE(p.cout); CAPTURE(p.stride);
    CAPTURE(same); CAPTURE(threads);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    auto x = support::random_floats(p.n * p.in_size(), 1), w = support::random_floats(p.cout * p.k(), 2), b = support::random_floats(p.cout, 3);
    auto dy = support::random_floats(p.n * p.out_size(), 4);
    std::vector<float> y(p.n * p.out_size(), 7.0f), yr(y.size());
    conv_workspace ws;
    conv2d_forward(p, x.data(), w.data(), b.data(), y.data(), ws);
    conv2d_forward_ref(p, x.data(), w.data(), b.data(), yr.data());
    CHECK(support::nmse(y, yr) < tol);
    std::vector<float> dx(x.size(), 7.0f), dxr(x.size()), dw(w.size(), 7.0f), dwr(w.size()),
        db(b.size(), 7.0f), dbr(b.size());
    // twice: the second call must overwrite, not accumulate
    for (int rep = 0; rep < 2; ++rep)
        conv2d_backward(p, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws);
    conv2d_backward_ref(p, x.data(), w.data(), dy.data(), dxr.data(), dwr.data(), dbr.data());
    CHECK(support::nmse(dx, dxr) < tol);
    CHECK(support::nmse(dw, dwr) < tol);
    CHECK(support::nmse(db, dbr) < tol);
    // dx may be skipped (first layer) without changing dw
    std::vector<float> dw2(w.size());
    conv2d_backward(p, x.data(), w.data(), dy.data(), nullptr, dw2.data(), db.data(), ws);
    CHECK(dw2 == dw);
    omp_set_num_threads(saved);
}

conv_params geom(std::size_t n, std::size_t h, std::size_t w, std::size_t cin, std::size_t k,
                 std::size_t cout, std::size_t stride) {
    conv_params p;
    p.n = n, p.h = h, p.w = w, p.cin = cin, p.kh = p.kw = k, p.cout = cout, p.stride = stride;
    return p;
}

}  // namespace

TEST_CASE("nn kernels: fast conv2d equals the reference twin") {
    // both GEMM paths: the AVX-512 kernel (where the CPU has it) and OpenBLAS
    for (bool avx512 : {true, false})
    for (int threads : {1, 2, 3}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        compare_conv(geom(8, 25, 25, 1, 11, 32, 1), true, threads);  // W-tag first layer, several blocks
        compare_conv(geom(5, 12, 12, 32, 3, 32, 1), true, threads);  // W-tag second layer
        compare_conv(geom(3, 40, 40, 1, 4, 8, 1), true, threads);    // DeepTop, even kernel
        compare_conv(geom(3, 20, 20, 8, 4, 8, 1), true, threads);
        compare_conv(geom(4, 9, 7, 3, 3, 5, 2), true, threads);      // stride 2, non-square
        compare_conv(geom(4, 9, 7, 3, 3, 5, 2), false, threads);
        compare_conv(geom(3, 6, 6, 4, 1, 3, 1), true, threads);      // pointwise (no im2col)
        compare_conv(geom(1, 5, 5, 2, 5, 2, 1), false, threads);     // kernel = input
        compare_conv(geom(1, 4, 4, 2, 7, 2, 1), true, threads);      // kernel > input, same
        compare_conv(geom(9, 7, 7, 3, 3, 40, 1), true, threads);     // 40 filters: a masked 32+8 tile
        // implicit-GEMM paths (>= 16 filters for the forward and weight gradient, >= 16 input
        // channels and stride 1 for the input gradient), with odd sizes and both paddings
        compare_conv(geom(7, 9, 11, 17, 3, 16, 1), true, threads);
        compare_conv(geom(7, 9, 11, 17, 3, 33, 1), false, threads);
        compare_conv(geom(5, 10, 9, 16, 4, 20, 1), true, threads);   // even kernel, uneven padding
        compare_conv(geom(5, 11, 10, 16, 3, 24, 2), true, threads);  // stride 2: explicit dx
        compare_conv(geom(2, 4, 4, 16, 7, 16, 1), true, threads);    // kernel > input, same
        compare_conv(geom(130, 6, 6, 24, 3, 16, 1), true, threads);  // many blocks per thread
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: few-filter direct conv2d forward equals the reference twin") {
    // The forward of < 16 filters at stride 1 runs the direct kernel (vectors over output
    // pixels) when the CPU has AVX-512; 16 filters or stride 2 stay on the GEMM paths (the
    // dispatch boundary). Odd sizes (H, W not multiples of 16; q ranges with partial tiles),
    // both paddings, even and odd kernels, non-square kernels, 1, 3, 8 input channels.
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        for (std::size_t cout = 1; cout <= 16; ++cout) {
            const int threads = 1 + int(cout % 3);
            compare_conv(geom(3, 17, 19, 1, 4, cout, 1), true, threads);
            compare_conv(geom(2, 13, 33, 3, 3, cout, 1), false, threads);
            compare_conv(geom(2, 7, 5, 8, 5, cout, 1), true, threads);
            compare_conv(geom(3, 9, 7, 3, 3, cout, 2), true, threads);  // stride 2: GEMM path
        }
        compare_conv(geom(3, 40, 40, 1, 4, 8, 1), false, 2);
        compare_conv(geom(3, 20, 20, 8, 4, 8, 1), true, 2);
        // the backward: taps kx in blocks of 4 (kernel 11: 4 + 4 + 3), filters in blocks of 4
        // (7: 4 + 3); 16 or more input channels keep the input gradient on the GEMM paths
        compare_conv(geom(3, 25, 25, 1, 11, 7, 1), true, 2);
        compare_conv(geom(2, 9, 10, 16, 3, 5, 1), true, 2);
        compare_conv(geom(2, 9, 10, 20, 4, 9, 1), false, 3);
        compare_conv(geom(5, 6, 6, 15, 2, 15, 1), true, 1);
        conv_params p = geom(4, 11, 23, 2, 3, 6, 1);  // non-square kernel 2 x 5
        p.kh = 2, p.kw = 5;
        compare_conv(p, true, 2);
        compare_conv(p, false, 1);
        // deterministic and independent of the thread count: bitwise equal outputs
        p = geom(9, 20, 20, 8, 4, 8, 1);
        conv_geometry(p, true);
        auto x = support::random_floats(p.n * p.in_size(), 1), w = support::random_floats(p.cout * p.k(), 2), b = support::random_floats(p.cout, 3);
        std::vector<float> y1(p.n * p.out_size()), y2(y1.size());
        const int saved_th = omp_get_max_threads();
        conv_workspace ws1, ws2;
        omp_set_num_threads(1);
        conv2d_forward(p, x.data(), w.data(), b.data(), y1.data(), ws1);
        omp_set_num_threads(2);
        conv2d_forward(p, x.data(), w.data(), b.data(), y2.data(), ws2);
        CHECK(y1 == y2);
        conv2d_forward(p, x.data(), w.data(), b.data(), y2.data(), ws2);
        CHECK(y1 == y2);
        omp_set_num_threads(saved_th);
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: fast dense equals the reference twin") {
    struct dims {
        std::size_t n, in, out;
    } cases[] = {{128, 625, 300}, {128, 300, 1}, {128, 4, 64}, {7, 64, 64}, {3, 5, 17}, {1, 10, 40}, {130, 288, 64}, {5, 33, 96}};  // 96: two full 48-column panels
    // both GEMM paths: the AVX-512 kernel (when the CPU has it) and OpenBLAS
    for (bool avx512 : {true, false})
    for (int threads : {1, 2, 3})
        for (auto c : cases) {
            const bool saved_avx = gemm_set_avx512(avx512);
            CAPTURE(avx512); CAPTURE(c.n); CAPTURE(c.in); CAPTURE(c.out); CAPTURE(threads);
            const int saved = omp_get_max_threads();
            omp_set_num_threads(threads);
            auto x = support::random_floats(c.n * c.in, 1), w = support::random_floats(c.out * c.in, 2), b = support::random_floats(c.out, 3),
                 dy = support::random_floats(c.n * c.out, 4);
            std::vector<float> y(c.n * c.out, 7.0f), yr(y.size());
            dense_forward(c.n, c.in, c.out, x.data(), w.data(), b.data(), y.data());
            dense_forward_ref(c.n, c.in, c.out, x.data(), w.data(), b.data(), yr.data());
            CHECK(support::nmse(y, yr) < tol);
            std::vector<float> dx(x.size(), 7.0f), dxr(x.size()), dw(w.size(), 7.0f), dwr(w.size()),
                db(c.out, 7.0f), dbr(c.out);
            dense_backward(c.n, c.in, c.out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
            dense_backward_ref(c.n, c.in, c.out, x.data(), w.data(), dy.data(), dxr.data(), dwr.data(), dbr.data());
            CHECK(support::nmse(dx, dxr) < tol);
            CHECK(support::nmse(dw, dwr) < tol);
            CHECK(support::nmse(db, dbr) < tol);
            omp_set_num_threads(saved);
            gemm_set_avx512(saved_avx);
        }
}

TEST_CASE("nn kernels: gemm with general strides and tails equals plain loops") {
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        for (std::size_t m : {1, 7, 8, 13})
            for (std::size_t n : {1, 8, 9, 16, 17, 24, 33, 64})
                for (std::size_t k : {1, 5, 40})
                    for (bool trans : {false, true})
                        for (float beta : {0.0f, 1.0f}) {
                            CAPTURE(m); CAPTURE(n); CAPTURE(k); CAPTURE(trans); CAPTURE(beta);
                            auto a = support::random_floats(m * k, 1), b = support::random_floats(k * n, 2), c = support::random_floats(m * n, 3);
                            std::vector<float> ref(m * n);
                            for (std::size_t i = 0; i < m; ++i)
                                for (std::size_t j = 0; j < n; ++j) {
                                    double acc = beta * c[i * n + j];
                                    for (std::size_t kk = 0; kk < k; ++kk)
                                        acc += double(trans ? a[kk * m + i] : a[i * k + kk]) * b[kk * n + j];
                                    ref[i * n + j] = float(acc);
                                }
                            if (trans) gemm(m, n, k, a.data(), 1, m, b.data(), n, beta, c.data(), n);
                            else gemm(m, n, k, a.data(), k, 1, b.data(), n, beta, c.data(), n);
                            CHECK(support::nmse(c, ref) < tol);
                        }
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: a row of the GEMM does not depend on m or on its place in the call") {
    // What makes predict's scores independent of the chunk and thread split, and equal to the
    // training-time scores: row i of C from one call of m rows equals, bitwise, the same row
    // computed in calls of fewer rows starting anywhere. OpenBLAS broke this (its tail rows
    // take other micro-kernels), so it holds wherever gemm_row_exact(n) says so.
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        for (std::size_t n : {1, 5, 8, 13, 16, 24, 32, 40, 64, 100})
            for (std::size_t k : {1, 9, 48, 300})
                for (bool trans : {false, true}) {
                    if (!gemm_row_exact(n)) continue;
                    CAPTURE(n); CAPTURE(k); CAPTURE(trans);
                    const std::size_t m = 29;
                    auto a = support::random_floats(m * k, 1), b = support::random_floats(k * n, 2), bias = support::random_floats(n, 3);
                    const auto run = [&](std::size_t i0, std::size_t rows, float* c, bool fused) {
                        const float* ap = trans ? a.data() + i0 : a.data() + i0 * k;
                        const std::size_t ar = trans ? 1 : k, ac = trans ? m : 1;
                        if (fused) gemm_bias(rows, n, k, ap, ar, ac, b.data(), n, 0.0f, bias.data(), c, n, true);
                        else gemm(rows, n, k, ap, ar, ac, b.data(), n, 0.0f, c, n);
                    };
                    for (bool fused : {false, true}) {
                        std::vector<float> whole(m * n), parts(m * n, -1.0f);
                        run(0, m, whole.data(), fused);
                        for (std::size_t step : {1, 2, 5, 7}) {
                            for (std::size_t i0 = 0; i0 < m; i0 += step)
                                run(i0, std::min(step, m - i0), parts.data() + i0 * n, fused);
                            CHECK(std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(float)) == 0);
                        }
                    }
                }
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: implicit GEMM (gathered rows of A) equals plain loops") {
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        for (std::size_t n : {1, 8, 11, 16, 37})
            for (float beta : {0.0f, 1.0f}) {
                CAPTURE(n); CAPTURE(beta);
                const std::size_t m = 13, k = 10, stride = 23;
                auto a = support::random_floats(m * stride + 2 * k, 1), b = support::random_floats(k * n, 2);
                auto c = support::random_floats(m * n, 3), bias = support::random_floats(n, 4);
                std::vector<std::int32_t> roff(m), koff(k);
                for (std::size_t i = 0; i < m; ++i) roff[i] = std::int32_t((i * 7) % m * stride);
                for (std::size_t kk = 0; kk < k; ++kk) koff[kk] = std::int32_t(2 * kk);
                std::vector<float> ref(m * n);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) {
                        double acc = beta * c[i * n + j] + bias[j];
                        for (std::size_t kk = 0; kk < k; ++kk) acc += double(a[roff[i] + koff[kk]]) * b[kk * n + j];
                        ref[i * n + j] = float(acc);
                    }
                gemm_gather(m, n, k, a.data(), roff.data(), koff.data(), b.data(), n, beta, bias.data(), c.data(), n);
                CHECK(support::nmse(c, ref) < tol);
            }
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: the bias and ReLU in the GEMM store equal a separate pass bitwise") {
    // the fused ReLU of inference must give exactly what the ReLU layer gives, v > 0 ? v : 0
    // (a NaN becomes 0); tile widths 16, 32 and 48 and their masked tails
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        CAPTURE(avx512);
        for (std::size_t m : {1, 9})
            for (std::size_t n : {16, 20, 33, 64, 100}) {
                CAPTURE(m); CAPTURE(n);
                const std::size_t k = 11;
                auto a = support::random_floats(m * k, 1), b = support::random_floats(k * n, 2), bias = support::random_floats(n, 3);
                bias[0] = std::nanf("");  // a NaN output
                std::vector<float> c(m * n), ref(m * n);
                gemm(m, n, k, a.data(), k, 1, b.data(), n, 0.0f, ref.data(), n);
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) {
                        const float v = ref[i * n + j] + bias[j];
                        ref[i * n + j] = v > 0.0f ? v : 0.0f;
                    }
                gemm_bias(m, n, k, a.data(), k, 1, b.data(), n, 0.0f, bias.data(), c.data(), n, true);
                CHECK(std::memcmp(c.data(), ref.data(), c.size() * sizeof(float)) == 0);
                CHECK(c[0] == 0.0f);  // the NaN column
                std::size_t neg = 0, pos = 0;  // the ReLU had work on both sides
                for (float v : c) (v > 0.0f ? pos : neg) += 1;
                CHECK(neg > m);
                CHECK(pos > m);
            }
        gemm_set_avx512(saved);
    }
}

TEST_CASE("nn kernels: dense forward with prepared weights and a fused ReLU") {
    struct dims {
        std::size_t n, in, out;
    } cases[] = {{37, 625, 300}, {5, 33, 96}, {8, 10, 1}, {9, 20, 15}, {4, 7, 16}};
    for (bool avx512 : {true, false})
        for (auto c : cases) {
            const bool saved = gemm_set_avx512(avx512);
            CAPTURE(avx512); CAPTURE(c.n); CAPTURE(c.in); CAPTURE(c.out);
            auto x = support::random_floats(c.n * c.in, 1), w = support::random_floats(c.out * c.in, 2), b = support::random_floats(c.out, 3);
            std::vector<float> y(c.n * c.out), yr(y.size()), yp(y.size(), 7.0f);
            dense_forward(c.n, c.in, c.out, x.data(), w.data(), b.data(), y.data());
            dense_forward_ref(c.n, c.in, c.out, x.data(), w.data(), b.data(), yr.data());
            CHECK(support::nmse(y, yr) < tol);
            for (auto& v : y) v = v > 0.0f ? v : 0.0f;
            buffer wt;
            dense_prepare(c.in, c.out, w.data(), wt);
            CHECK(wt.size() == (gemm_row_exact(c.out) && c.out >= 16 ? c.in * c.out : 0));
            dense_forward(c.n, c.in, c.out, x.data(), w.data(), b.data(), yp.data(),
                          wt.size() ? wt.data() : nullptr, true);
            CHECK(std::memcmp(yp.data(), y.data(), y.size() * sizeof(float)) == 0);
            gemm_set_avx512(saved);
        }
}

TEST_CASE("nn kernels: fast Adam update equals the reference twin bitwise") {
    // Same float operations in the same order (no fused multiply-add), so equality is exact.
    for (bool avx512 : {true, false})
        for (bool decoupled : {false, true})
            for (std::size_t n : {1, 15, 16, 47, 1000}) {
                CAPTURE(avx512); CAPTURE(decoupled); CAPTURE(n);
                const bool saved = gemm_set_avx512(avx512);
                adam_params a;
                a.step = 1e-3f / 0.19f, a.isc2 = 1.0f / std::sqrt(0.002f), a.decoupled = decoupled;
                a.l2 = decoupled ? 0.0f : 0.01f, a.decay = decoupled ? 0.9999f : 1.0f;
                auto x = support::random_floats(n, 1), m = support::random_floats(n, 2), v = support::random_floats(n, 3), g = support::random_floats(n, 4);
                for (auto& e : v) e = std::fabs(e);
                auto xr = x, mr = m, vr = v;
                for (int it = 0; it < 3; ++it) {
                    adam_update(a, n, x.data(), m.data(), v.data(), g.data());
                    adam_update_ref(a, n, xr.data(), mr.data(), vr.data(), g.data());
                }
                CHECK(x == xr);
                CHECK(m == mr);
                CHECK(v == vr);
                gemm_set_avx512(saved);
            }
}

TEST_CASE("nn kernels: the test measure detects a wrong result") {
    std::vector<float> a = {1, 2, 3}, b = {1, 2, 3.01f};
    CHECK(support::nmse(a, b) > tol);
}
