// SPDX-License-Identifier: MIT
// jetml/nn/kernels_dense.cpp - fast dense kernels (GEMM into preallocated buffers, a fixed-order
// narrow path) and the vectorised Adam update.
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/nn/kernels_util.hpp"

namespace jetml::nn {

using kernel_detail::threads_for;
using kernel_detail::transpose8;

namespace {

// wt (in x out) rows [i0, i1) = transpose of w (out x in): 8 x 8 register blocks (the AVX-512
// dense path only runs where AVX2 exists too), plain loops on the edges.
void transpose(const float* w, std::size_t out, std::size_t in, std::size_t i0, std::size_t i1, float* wt) {
    const std::size_t o8 = out / 8 * 8;
    std::size_t i = i0;
    for (; i + 8 <= i1; i += 8) {
        for (std::size_t o = 0; o < o8; o += 8) transpose8(w + o * in + i, in, wt + i * out + o, out);
        for (std::size_t ii = i; ii < i + 8; ++ii)
            for (std::size_t o = o8; o < out; ++o) wt[ii * out + o] = w[o * in + ii];
    }
    for (; i < i1; ++i)
        for (std::size_t o = 0; o < out; ++o) wt[i * out + o] = w[o * in + i];
}

}  // namespace

void dense_prepare(std::size_t in, std::size_t out, const float* w, buffer& wt) {
    if (!(gemm_row_exact(out) && out >= 16)) {
        wt.resize(0);
        return;
    }
    wt.resize(in * out);
    transpose(w, out, in, 0, in, wt.data());
}

// y (rows, out) = x w^T + b, then the ReLU if asked, for narrow layers (out < 16, such as the
// final score): one dot product per (row, output) in 16 partial sums and a fixed reduction
// tree, so a row's output never depends on the rows that come with it. (OpenBLAS's sgemv
// treats the tail rows of a call differently, which made a score depend on the thread split.)
static void dense_narrow(std::size_t rows, std::size_t in, std::size_t out, const float* x, const float* w,
                         const float* b, bool relu, float* y) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * in;
        for (std::size_t o = 0; o < out; ++o) {
            const float* wo = w + o * in;
            float acc[16] = {};
            std::size_t k = 0;
            for (; k + 16 <= in; k += 16)
                for (std::size_t l = 0; l < 16; ++l) acc[l] += xr[k + l] * wo[k + l];
            for (std::size_t l = 0; k + l < in; ++l) acc[l] += xr[k + l] * wo[k + l];
            for (std::size_t h = 8; h >= 1; h /= 2)
                for (std::size_t l = 0; l < h; ++l) acc[l] += acc[l + h];
            const float v = acc[0] + (b ? b[o] : 0.0f);
            y[r * out + o] = relu ? (v > 0.0f ? v : 0.0f) : v;
        }
    }
}

void dense_forward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                   const float* b, float* y, const float* wt_given, bool relu) {
    const int nth = threads_for(n, double(n) * in * out);
    // The register-blocked kernels (gemm.hpp) want B row-major, i.e. w^T (in x out): unless the caller
    // made it once (dense_prepare), transposed on every call (in*out copies against n*in*out
    // multiply-adds) in 8 x 8 blocks, split across the team, into a per-caller-thread buffer;
    // the bias is added in the kernel's store.
    const bool own = gemm_row_exact(out) && out >= 16;
    const bool given = own && wt_given;
    thread_local std::vector<float> wt_buf;
    if (own && !given && wt_buf.size() < in * out) wt_buf.resize(in * out);
    float* wt_own = own && !given ? wt_buf.data() : nullptr;  // the caller's buffer, for the team
    const float* wt = given ? wt_given : wt_own;
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        if (own && !given) {
            std::size_t i0, i1;
            split_range((in + 7) / 8, ith, nt, i0, i1);
            transpose(w, out, in, i0 * 8, std::min(in, i1 * 8), wt_own);
#pragma omp barrier
        }
        std::size_t r0, r1;
        split_range(n, ith, nt, r0, r1);
        if (r1 > r0) {
            if (own) {
                gemm_bias(r1 - r0, out, in, x + r0 * in, in, 1, wt, out, 0.0f, b, y + r0 * out, out, relu);
            } else if (out < 16) {
                dense_narrow(r1 - r0, in, out, x + r0 * in, w, b, relu, y + r0 * out);
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(r1 - r0), int(out), int(in),
                            1.0f, x + r0 * in, int(in), w, int(in), 0.0f, y + r0 * out, int(out));
                if (b || relu)
                    for (std::size_t r = r0; r < r1; ++r)
                        for (std::size_t o = 0; o < out; ++o) {
                            const float v = y[r * out + o] + (b ? b[o] : 0.0f);
                            y[r * out + o] = relu ? (v > 0.0f ? v : 0.0f) : v;
                        }
            }
        }
    }
}

void dense_backward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                    const float* dy, float* dx, float* dw, float* db) {
    const int nth = threads_for(std::max(in, out), double(n) * in * out);
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        // Weight gradient dW (out x in) = dY^T (out x n) . X (n x in), a skinny product
        // (depth = batch): split its output across threads along the longer side, so no
        // reduction is needed. gemm() picks the AVX-512 or AVX2 kernel, or OpenBLAS.
        if (out >= std::size_t(16 * nt)) {
            std::size_t o0, o1;
            split_range(out, ith, nt, o0, o1);
            if (o1 > o0) gemm(o1 - o0, in, n, dy + o0, 1, out, x, in, 0.0f, dw + o0 * in, in);
        } else {
            std::size_t i0, i1;
            split_range(in, ith, nt, i0, i1);
            if (i1 > i0) gemm(out, i1 - i0, n, dy, 1, out, x + i0, in, 0.0f, dw + i0, in);
        }
        if (db) {
            std::size_t o0, o1;
            split_range(out, ith, nt, o0, o1);
            for (std::size_t o = o0; o < o1; ++o) {
                float acc = 0;
                for (std::size_t s = 0; s < n; ++s) acc += dy[s * out + o];
                db[o] = acc;
            }
        }
        if (dx) {
            std::size_t r0, r1;
            split_range(n, ith, nt, r0, r1);
            if (r1 > r0) {
                if (out == 1) {
                    for (std::size_t r = r0; r < r1; ++r)
                        for (std::size_t i = 0; i < in; ++i) dx[r * in + i] = dy[r] * w[i];
                } else {  // dX (rows x in) = dY (rows x out) . W (out x in)
                    gemm(r1 - r0, in, out, dy + r0 * out, out, 1, w, in, 0.0f, dx + r0 * in, in);
                }
            }
        }
    }
}

namespace {

// The same float operations as adam_update_ref, 16 lanes at a time (maskz_sqrt: the plain
// _mm512_sqrt_ps trips a GCC 12 maybe-uninitialized false positive); fp-contract=off keeps GCC
// from fusing a multiply and an add into an FMA (a different rounding), so the two agree bitwise.
__attribute__((target("avx512f"), optimize("fp-contract=off"))) std::size_t adam_avx512(
    const adam_params& a, std::size_t n, float* x, float* m, float* v, const float* g) {
    const __m512 b1 = _mm512_set1_ps(a.b1), b2 = _mm512_set1_ps(a.b2);
    const __m512 c1 = _mm512_set1_ps(1.0f - a.b1), c2 = _mm512_set1_ps(1.0f - a.b2);
    const __m512 step = _mm512_set1_ps(a.step), isc2 = _mm512_set1_ps(a.isc2);
    const __m512 eps = _mm512_set1_ps(a.eps), l2 = _mm512_set1_ps(a.l2), decay = _mm512_set1_ps(a.decay);
    std::size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 xj = _mm512_loadu_ps(x + j), gj = _mm512_loadu_ps(g + j);
        if (a.decoupled) xj = _mm512_mul_ps(xj, decay);
        else gj = _mm512_add_ps(gj, _mm512_mul_ps(l2, xj));
        const __m512 mj = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m + j)), _mm512_mul_ps(c1, gj));
        const __m512 vj = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(v + j)),
                                        _mm512_mul_ps(_mm512_mul_ps(c2, gj), gj));
        const __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_sqrt_ps(0xFFFF, vj), isc2), eps);
        xj = _mm512_sub_ps(xj, _mm512_div_ps(_mm512_mul_ps(step, mj), den));
        _mm512_storeu_ps(m + j, mj);
        _mm512_storeu_ps(v + j, vj);
        _mm512_storeu_ps(x + j, xj);
    }
    return j;
}

}  // namespace

void adam_update(const adam_params& a, std::size_t n, float* x, float* m, float* v, const float* g) {
    std::size_t done = 0;
    if (gemm_uses_avx512()) done = adam_avx512(a, n, x, m, v, g);
    if (done < n) adam_update_ref(a, n - done, x + done, m + done, v + done, g + done);
}

}  // namespace jetml::nn
