// SPDX-License-Identifier: MIT
// jetml/nn/kernels.cpp - fast conv2d kernels: implicit GEMM (gemm_gather) or
// im2col + GEMM (gemm.hpp: AVX-512 or AVX2 kernel, or single-threaded OpenBLAS) into preallocated
// buffers; one OpenMP region per call (none inside a caller's region), the batch split into
// contiguous per-thread shares; weight gradients reduced in a fixed thread order so a run is
// bitwise reproducible for a given thread count. The conv2d half; dense and Adam are in kernels_dense.cpp.
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

void conv_geometry(conv_params& p, bool same) {
    if (p.stride == 0) throw error("conv: stride must be positive");
    if (same) {
        p.oh = (p.h + p.stride - 1) / p.stride;
        p.ow = (p.w + p.stride - 1) / p.stride;
        std::size_t th = (p.oh - 1) * p.stride + p.kh, tw = (p.ow - 1) * p.stride + p.kw;
        p.pad_top = th > p.h ? (th - p.h) / 2 : 0;
        p.pad_left = tw > p.w ? (tw - p.w) / 2 : 0;
    } else {
        if (p.h < p.kh || p.w < p.kw)
            throw error("conv: kernel " + std::to_string(p.kh) + "x" + std::to_string(p.kw) +
                        " larger than its " + std::to_string(p.h) + "x" + std::to_string(p.w) +
                        " input with valid padding");
        p.oh = (p.h - p.kh) / p.stride + 1;
        p.ow = (p.w - p.kw) / p.stride + 1;
        p.pad_top = p.pad_left = 0;
    }
}

namespace {

// Samples per im2col block: about 1 MiB of column matrix, so the block written by im2col is
// still in cache when SGEMM reads it.
std::size_t block_samples(const conv_params& p) {
    std::size_t per = p.oh * p.ow * p.k() * sizeof(float);
    std::size_t nb = (std::size_t(1) << 20) / std::max<std::size_t>(per, 1);
    return std::clamp<std::size_t>(nb, 1, std::max<std::size_t>(p.n, 1));
}

bool is_pointwise(const conv_params& p) {
    return p.kh == 1 && p.kw == 1 && p.stride == 1 && p.pad_top == 0 && p.pad_left == 0;
}

// Rows (s, oy, ox) x columns (ky, kx, ci) of the samples [s0, s0+ns).
void im2col(const conv_params& p, const float* x, std::size_t s0, std::size_t ns, float* col) {
    const std::size_t K = p.k(), span = p.kw * p.cin;
    float* row = col;
    for (std::size_t s = s0; s < s0 + ns; ++s) {
        const float* xs = x + s * p.in_size();
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox, row += K) {
                float* r = row;
                const long ix0 = long(ox * p.stride) - long(p.pad_left);
                const long lo = std::max<long>(0, -ix0);
                const long hi = std::min<long>(long(p.kw), long(p.w) - ix0);  // kx in [lo, hi)
                for (std::size_t ky = 0; ky < p.kh; ++ky, r += span) {
                    const long iy = long(oy * p.stride + ky) - long(p.pad_top);
                    if (iy < 0 || iy >= long(p.h) || hi <= lo) {
                        for (std::size_t i = 0; i < span; ++i) r[i] = 0.0f;
                        continue;
                    }
                    // Short spans (a few floats when cin is small): plain loops beat memcpy calls.
                    const std::size_t zl = std::size_t(lo) * p.cin, len = std::size_t(hi - lo) * p.cin;
                    const float* src = xs + (std::size_t(iy) * p.w + std::size_t(ix0 + lo)) * p.cin;
                    for (std::size_t i = 0; i < zl; ++i) r[i] = 0.0f;
                    for (std::size_t i = 0; i < len; ++i) r[zl + i] = src[i];
                    for (std::size_t i = zl + len; i < span; ++i) r[i] = 0.0f;
                }
            }
    }
}

// dx += scatter of the column-matrix gradient (the adjoint of im2col).
void col2im_add(const conv_params& p, const float* col, std::size_t s0, std::size_t ns, float* dx) {
    const std::size_t K = p.k(), span = p.kw * p.cin;
    const float* row = col;
    for (std::size_t s = s0; s < s0 + ns; ++s) {
        float* xs = dx + s * p.in_size();
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            for (std::size_t ox = 0; ox < p.ow; ++ox, row += K) {
                const float* r = row;
                const long ix0 = long(ox * p.stride) - long(p.pad_left);
                const long lo = std::max<long>(0, -ix0);
                const long hi = std::min<long>(long(p.kw), long(p.w) - ix0);
                for (std::size_t ky = 0; ky < p.kh; ++ky, r += span) {
                    const long iy = long(oy * p.stride + ky) - long(p.pad_top);
                    if (iy < 0 || iy >= long(p.h) || hi <= lo) continue;
                    float* dst = xs + (std::size_t(iy) * p.w + std::size_t(ix0 + lo)) * p.cin;
                    const float* src = r + lo * p.cin;
                    const std::size_t len = std::size_t(hi - lo) * p.cin;
                    for (std::size_t i = 0; i < len; ++i) dst[i] += src[i];
                }
            }
    }
}

// Implicit-GEMM convolution (gemm_gather): the input of a block of samples is copied once
// into a zero-padded buffer (Hp x Wp per sample) and every filter tap is an offset into it, so
// no im2col matrix is written or read. Used with the AVX-512 kernel and >= 16 output columns.
struct implicit_geom {
    std::size_t hp, wp, xps;      // padded input rows, columns, floats per sample
    std::size_t hq, wq, dys, P, Q;  // padded output gradient (input-gradient pass, stride 1)
    std::size_t nb;               // samples per block
};

bool use_implicit(const conv_params& p) { return gemm_uses_avx512() && p.cout >= 16 && !is_pointwise(p); }
bool use_implicit_dx(const conv_params& p) {
    return gemm_uses_avx512() && p.cin >= 16 && p.stride == 1 && !is_pointwise(p);
}

implicit_geom implicit_setup(const conv_params& p, conv_workspace& ws, int nth, bool dx) {
    implicit_geom g;
    g.hp = (p.oh - 1) * p.stride + p.kh;
    g.wp = (p.ow - 1) * p.stride + p.kw;
    g.xps = g.hp * g.wp * p.cin;
    g.hq = p.h + p.kh - 1, g.wq = p.w + p.kw - 1, g.dys = g.hq * g.wq * p.cout;
    g.P = p.kh - 1 - p.pad_top, g.Q = p.kw - 1 - p.pad_left;
    // About 512 KiB of padded input, output (gradient) and input gradient per block: the block
    // stays in L2 while the kernel sweeps it once per 8-row tile. The size depends on the
    // geometry only, so forward and backward share one block size and one set of tables.
    const bool gx = use_implicit_dx(p);
    const std::size_t per = (g.xps + p.oh * p.ow * p.cout + (gx ? g.dys + p.in_size() : 0)) * sizeof(float);
    g.nb = std::clamp<std::size_t>((std::size_t(512) << 10) / std::max<std::size_t>(per, 1), 1,
                                   std::max<std::size_t>(p.n, 1));
    const std::vector<std::size_t> key = {p.h, p.w, p.cin, p.kh, p.kw, p.cout, p.stride,
                                          p.pad_top, p.pad_left, g.nb};
    if (ws.key != key) {
        ws.key = key;
        const std::size_t rps = p.oh * p.ow;
        ws.roff.resize(g.nb * rps);
        for (std::size_t s = 0; s < g.nb; ++s)
            for (std::size_t oy = 0; oy < p.oh; ++oy)
                for (std::size_t ox = 0; ox < p.ow; ++ox)
                    ws.roff[(s * p.oh + oy) * p.ow + ox] =
                        std::int32_t(s * g.xps + (oy * p.stride * g.wp + ox * p.stride) * p.cin);
        ws.koff.resize(p.k());
        for (std::size_t ky = 0; ky < p.kh; ++ky)
            for (std::size_t kx = 0; kx < p.kw; ++kx)
                for (std::size_t ci = 0; ci < p.cin; ++ci)
                    ws.koff[(ky * p.kw + kx) * p.cin + ci] = std::int32_t((ky * g.wp + kx) * p.cin + ci);
        ws.droff.resize(g.nb * p.h * p.w);
        for (std::size_t s = 0; s < g.nb; ++s)
            for (std::size_t iy = 0; iy < p.h; ++iy)
                for (std::size_t ix = 0; ix < p.w; ++ix)
                    ws.droff[(s * p.h + iy) * p.w + ix] = std::int32_t(s * g.dys + (iy * g.wq + ix) * p.cout);
        ws.dkoff.resize(p.kh * p.kw * p.cout);
        for (std::size_t ky = 0; ky < p.kh; ++ky)
            for (std::size_t kx = 0; kx < p.kw; ++kx)
                for (std::size_t co = 0; co < p.cout; ++co)
                    ws.dkoff[(ky * p.kw + kx) * p.cout + co] = std::int32_t((ky * g.wq + kx) * p.cout + co);
        // New geometry: the padded buffers are zeroed once; later blocks only write interiors.
        for (auto& b : ws.xp) b.fill(0.0f);
        for (auto& b : ws.dyp) b.fill(0.0f);
    }
    if (ws.xp.size() < std::size_t(nth)) ws.xp.resize(nth);
    for (int t = 0; t < nth; ++t) ws.xp[t].resize(g.nb * g.xps);  // growth is zero-filled
    if (dx) {
        if (ws.dyp.size() < std::size_t(nth)) ws.dyp.resize(nth);
        for (int t = 0; t < nth; ++t) ws.dyp[t].resize(g.nb * g.dys);
    }
    return g;
}

// Copies samples [s0, s0+ns) of x into the interior of the padded block xp.
void pad_input(const conv_params& p, const implicit_geom& g, const float* x, std::size_t s0,
               std::size_t ns, float* xp) {
    const std::size_t cols = std::min(p.w, g.wp - std::min(g.wp, p.pad_left));
    for (std::size_t s = 0; s < ns; ++s) {
        const float* xs = x + (s0 + s) * p.in_size();
        float* ps = xp + s * g.xps;
        for (std::size_t iy = 0; iy < p.h && iy + p.pad_top < g.hp; ++iy)
            std::memcpy(ps + ((iy + p.pad_top) * g.wp + p.pad_left) * p.cin, xs + iy * p.w * p.cin,
                        cols * p.cin * sizeof(float));
    }
}

// Copies the output gradient of samples [s0, s0+ns) into the interior of dyp (offset P, Q).
void pad_grad(const conv_params& p, const implicit_geom& g, const float* dy, std::size_t s0,
              std::size_t ns, float* dyp) {
    for (std::size_t s = 0; s < ns; ++s) {
        const float* ds = dy + (s0 + s) * p.out_size();
        float* ps = dyp + s * g.dys;
        for (std::size_t oy = 0; oy < p.oh; ++oy)
            std::memcpy(ps + ((oy + g.P) * g.wq + g.Q) * p.cout, ds + oy * p.ow * p.cout,
                        p.ow * p.cout * sizeof(float));
    }
}

// Direct convolution for few filters (cout < 16, stride 1, AVX-512): the implicit GEMM
// vectorises over filters and needs >= 16 of them, so here the vector runs over output pixels.
// Each sample is copied into zero-padded channel planes (cin x Hp x Wp, the geometry of the
// implicit path but planar); output pixel (oy, ox) sits at q = oy*Wp + ox, and tap (ky, kx) of
// it reads plane[q + ky*Wp + kx], so 16 consecutive q are one unaligned load per tap, each
// multiplied by every filter's broadcast weight. The q with ox >= ow (the padding columns) are
// computed and dropped. Every output is one sum in a fixed tap order: deterministic.
bool use_few(const conv_params& p) {
    return gemm_uses_avx512() && p.cout < 16 && p.stride == 1 && !is_pointwise(p);
}

struct few_geom {
    std::size_t hp, wp, plane, q;  // padded rows, columns, floats per plane, q range [0, q)
};

// Floats read past the last plane by the last tile (<= 4 vectors of q beyond the range);
// they stay zero and only feed dropped lanes.
constexpr std::size_t few_slack = 64;

few_geom few_setup(const conv_params& p) {
    few_geom g;
    g.hp = p.oh - 1 + p.kh;
    g.wp = p.ow - 1 + p.kw;
    g.plane = g.hp * g.wp;
    g.q = (p.oh - 1) * g.wp + p.ow;
    return g;
}

// Sample xs (h, w, cin) into the interiors of the planes of xq (borders stay zero).
void few_pad(const conv_params& p, const few_geom& g, const float* xs, float* xq) {
    if (p.cin == 1) {
        for (std::size_t iy = 0; iy < p.h; ++iy)
            std::memcpy(xq + (iy + p.pad_top) * g.wp + p.pad_left, xs + iy * p.w, p.w * sizeof(float));
        return;
    }
    for (std::size_t iy = 0; iy < p.h; ++iy) {
        const float* row = xs + iy * p.w * p.cin;
        float* dst = xq + (iy + p.pad_top) * g.wp + p.pad_left;
        for (std::size_t ix = 0; ix < p.w; ++ix)
            for (std::size_t ci = 0; ci < p.cin; ++ci) dst[ci * g.plane + ix] = row[ix * p.cin + ci];
    }
}

// One sample: y (oh, ow, C) = conv of the planes xq with wk ((ci, ky, kx), C) plus bias.
// NV vectors of 16 q per tile; C*NV accumulators + NV loads + 1 broadcast fit in 32 zmm.
template <int C, int NV>
__attribute__((target("avx512f"))) void few_sample(const conv_params& p, const few_geom& g,
                                                   const float* xq, const float* wk, const float* bias,
                                                   bool relu, float* y) {
    constexpr std::size_t T = 16 * NV;
    alignas(64) float tmp[C][T];
    for (std::size_t q0 = 0; q0 < g.q; q0 += T) {
        __m512 acc[C][NV];
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
            const __m512 b0 = _mm512_set1_ps(bias ? bias[c] : 0.0f);
#pragma GCC unroll 4
            for (int j = 0; j < NV; ++j) acc[c][j] = b0;
        }
        const float* wt = wk;
        for (std::size_t ci = 0; ci < p.cin; ++ci)
            for (std::size_t ky = 0; ky < p.kh; ++ky) {
                const float* src = xq + ci * g.plane + ky * g.wp + q0;
                for (std::size_t kx = 0; kx < p.kw; ++kx, wt += C) {
                    __m512 v[NV];
#pragma GCC unroll 4
                    for (int j = 0; j < NV; ++j) v[j] = _mm512_loadu_ps(src + kx + 16 * j);
#pragma GCC unroll 16
                    for (int c = 0; c < C; ++c) {
                        const __m512 wv = _mm512_set1_ps(wt[c]);
#pragma GCC unroll 4
                        for (int j = 0; j < NV; ++j) acc[c][j] = _mm512_fmadd_ps(v[j], wv, acc[c][j]);
                    }
                }
            }
        if (relu) {  // v > 0 ? v : 0, as the ReLU layer (a NaN gives 0)
            const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
            for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
                for (int j = 0; j < NV; ++j)
                    acc[c][j] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(acc[c][j], zero, _CMP_GT_OQ), acc[c][j]);
        }
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c)
#pragma GCC unroll 4
            for (int j = 0; j < NV; ++j) _mm512_store_ps(&tmp[c][16 * j], acc[c][j]);
        std::size_t oy = q0 / g.wp, ox = q0 % g.wp;
        const std::size_t n = std::min(T, g.q - q0);
        if constexpr (C == 8) {  // 8 x 8 transposes: one 8-float store per output pixel
            for (std::size_t t0 = 0; t0 < n; t0 += 8) {
                alignas(32) float blk[8][8];
                transpose8(&tmp[0][t0], T, &blk[0][0], 8);
                for (std::size_t t = t0; t < std::min(n, t0 + 8); ++t) {
                    if (ox < p.ow) _mm256_storeu_ps(y + (oy * p.ow + ox) * C, _mm256_load_ps(blk[t - t0]));
                    if (++ox == g.wp) ox = 0, ++oy;
                }
            }
        } else {
            for (std::size_t t = 0; t < n; ++t) {
                if (ox < p.ow) {
                    float* yp = y + (oy * p.ow + ox) * C;
                    for (int c = 0; c < C; ++c) yp[c] = tmp[c][t];
                }
                if (++ox == g.wp) ox = 0, ++oy;
            }
        }
    }
}

using few_fn = void (*)(const conv_params&, const few_geom&, const float*, const float*, const float*,
                        bool, float*);

template <int C>
constexpr few_fn few_pick() {
    return &few_sample<C, (C <= 4 ? 4 : C <= 14 ? 2 : 1)>;
}

few_fn few_kernel(std::size_t cout) {
    static constexpr few_fn table[15] = {few_pick<1>(),  few_pick<2>(),  few_pick<3>(),  few_pick<4>(),
                                         few_pick<5>(),  few_pick<6>(),  few_pick<7>(),  few_pick<8>(),
                                         few_pick<9>(),  few_pick<10>(), few_pick<11>(), few_pick<12>(),
                                         few_pick<13>(), few_pick<14>(), few_pick<15>()};
    return table[cout - 1];
}

// The per-thread partials of a conv backward (ws.dw, ws.db) summed in thread order
// (deterministic) into dw (cout x K) and db; dw's elements split across the team. Called by
// every thread of the region after a barrier. `transposed`: the partials hold dW^T (K x cout).
void reduce_conv_partials(const conv_params& p, const conv_workspace& ws, bool transposed, int ith, int nt,
                          float* dw, float* db) {
    const std::size_t K = p.k(), nw = p.cout * K;
    std::size_t e0, e1;
    split_range(nw, ith, nt, e0, e1);
    for (std::size_t e = e0; e < e1; ++e) {
        const std::size_t src = transposed ? (e % K) * p.cout + e / K : e;
        float acc = ws.dw[0][src];
        for (int t = 1; t < nt; ++t) acc += ws.dw[t][src];
        dw[e] = acc;
    }
    if (db && ith == 0)
        for (std::size_t c = 0; c < p.cout; ++c) {
            float acc = ws.db[0][c];
            for (int t = 1; t < nt; ++t) acc += ws.db[t][c];
            db[c] = acc;
        }
}

// Weight gradient of the few-filter path, vectorised over output pixels like the forward.
// The output gradient of a sample sits in planes dyz[co] with the q layout of the forward
// (q = oy*Wp + ox, zero at ox >= ow and past the last pixel, rounded up to whole vectors), so
//   dW[co, ky, kx, ci] = sum_q dyz[co][q] * xq[ci plane][q + ky*Wp + kx],
// a dot product of two contiguous runs: the zeros of dyz drop the padding columns. One call
// covers NC filters x NK taps kx for one (ci, ky): NC*NK accumulators, NC + NK loads per
// NC*NK FMAs; the vector sums are added to per-thread vector partials vdw (16 lanes per
// weight), summed horizontally once per call of conv2d_backward.
template <int NC, int NK>
__attribute__((target("avx512f"))) void few_dw_block(std::size_t nvec, const float* dyz, std::size_t lp,
                                                     const float* src, float* vacc, std::size_t vco,
                                                     std::size_t vkx) {
    __m512 acc[NC][NK];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c)
#pragma GCC unroll 4
        for (int k = 0; k < NK; ++k) acc[c][k] = _mm512_setzero_ps();
    for (std::size_t i = 0, q = 0; i < nvec; ++i, q += 16) {
        __m512 d[NC];
#pragma GCC unroll 4
        for (int c = 0; c < NC; ++c) d[c] = _mm512_loadu_ps(dyz + c * lp + q);
#pragma GCC unroll 4
        for (int k = 0; k < NK; ++k) {
            const __m512 xv = _mm512_loadu_ps(src + k + q);
#pragma GCC unroll 4
            for (int c = 0; c < NC; ++c) acc[c][k] = _mm512_fmadd_ps(d[c], xv, acc[c][k]);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c)
#pragma GCC unroll 4
        for (int k = 0; k < NK; ++k) {
            float* v = vacc + c * vco + k * vkx;
            _mm512_storeu_ps(v, _mm512_add_ps(_mm512_loadu_ps(v), acc[c][k]));
        }
}

using few_dw_fn = void (*)(std::size_t, const float*, std::size_t, const float*, float*, std::size_t,
                           std::size_t);

few_dw_fn few_dw_kernel(std::size_t nc, std::size_t nk) {
    static constexpr few_dw_fn table[4][4] = {
        {few_dw_block<1, 1>, few_dw_block<1, 2>, few_dw_block<1, 3>, few_dw_block<1, 4>},
        {few_dw_block<2, 1>, few_dw_block<2, 2>, few_dw_block<2, 3>, few_dw_block<2, 4>},
        {few_dw_block<3, 1>, few_dw_block<3, 2>, few_dw_block<3, 3>, few_dw_block<3, 4>},
        {few_dw_block<4, 1>, few_dw_block<4, 2>, few_dw_block<4, 3>, few_dw_block<4, 4>}};
    return table[nc - 1][nk - 1];
}

// The few-filter backward serves the weight gradient whenever the forward is direct, and the
// input gradient when it has < 16 channels too: it is then a forward of the same kind (the
// full correlation of dY with the flipped weights, cin filters over cout channels).
// The conv that gives dX: input dY (oh, ow, cout), cin filters, padding k-1-pad before.
conv_params few_dx_params(const conv_params& p) {
    conv_params q = p;
    q.h = p.oh, q.w = p.ow, q.cin = p.cout, q.cout = p.cin;
    q.pad_top = p.kh - 1 - p.pad_top, q.pad_left = p.kw - 1 - p.pad_left;
    q.oh = p.h, q.ow = p.w;
    return q;
}

void few_backward(const conv_params& p, const float* x, const float* w, const float* dy, float* dx,
                  float* dw, float* db, conv_workspace& ws) {
    const std::size_t K = p.k(), nw = p.cout * K, rps = p.oh * p.ow;
    const int nth = threads_for(p.n, 2.0 * double(p.n) * rps * K * p.cout);
    const few_geom g = few_setup(p);
    const std::size_t nvec = (g.q + 15) / 16, lp = nvec * 16;  // dyz plane: whole vectors
    const conv_params pd = few_dx_params(p);
    const few_geom gd = few_setup(pd);
    if (ws.xq.size() < std::size_t(nth)) ws.xq.resize(nth);
    if (ws.dyp.size() < std::size_t(nth)) ws.dyp.resize(nth);
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    if (ws.dw.size() < std::size_t(nth)) ws.dw.resize(nth), ws.db.resize(nth);
    for (int t = 0; t < nth; ++t) {
        ws.xq[t].resize(p.cin * g.plane + few_slack);
        ws.xq[t].fill(0.0f);  // borders and slack; interiors are rewritten per sample
        ws.col[t].resize(p.cout * lp);
        ws.col[t].fill(0.0f);  // dyz: the padding columns and the tail stay zero
        ws.dw[t].resize(16 * nw);
        ws.db[t].resize(p.cout);
        if (dx) {
            ws.dyp[t].resize(pd.cin * gd.plane + few_slack);
            ws.dyp[t].fill(0.0f);
        }
    }
    if (dx) {  // wf[((co*kh + ky)*kw + kx)*cin + ci] = w[co, kh-1-ky, kw-1-kx, ci]
        ws.wf.resize(K * p.cout);
        for (std::size_t co = 0; co < p.cout; ++co)
            for (std::size_t ky = 0; ky < p.kh; ++ky)
                for (std::size_t kx = 0; kx < p.kw; ++kx)
                    std::memcpy(ws.wf.data() + ((co * p.kh + ky) * p.kw + kx) * p.cin,
                                w + ((co * p.kh + (p.kh - 1 - ky)) * p.kw + (p.kw - 1 - kx)) * p.cin,
                                p.cin * sizeof(float));
    }
    const few_fn dx_fn = dx ? few_kernel(p.cin) : nullptr;
    const std::size_t vco = 16 * K, vkx = 16 * p.cin;  // vdw strides of a filter and of a tap kx
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        std::size_t s_begin, s_end;
        split_range(p.n, ith, nt, s_begin, s_end);
        float* xq = ws.xq[ith].data();
        float* dyz = ws.col[ith].data();
        float* vdw = ws.dw[ith].data();
        float* pdb = ws.db[ith].data();
        std::fill(vdw, vdw + 16 * nw, 0.0f);
        std::fill(pdb, pdb + p.cout, 0.0f);
        for (std::size_t s = s_begin; s < s_end; ++s) {
            const float* dys = dy + s * p.out_size();
            few_pad(p, g, x + s * p.in_size(), xq);
            for (std::size_t oy = 0; oy < p.oh; ++oy)
                for (std::size_t ox = 0; ox < p.ow; ++ox) {
                    const float* d = dys + (oy * p.ow + ox) * p.cout;
                    for (std::size_t co = 0; co < p.cout; ++co) {
                        dyz[co * lp + oy * g.wp + ox] = d[co];
                        pdb[co] += d[co];
                    }
                }
            for (std::size_t co = 0; co < p.cout; co += 4) {
                const std::size_t nc = std::min<std::size_t>(4, p.cout - co);
                for (std::size_t kx = 0; kx < p.kw; kx += 4) {
                    const std::size_t nk = std::min<std::size_t>(4, p.kw - kx);
                    const few_dw_fn fn = few_dw_kernel(nc, nk);
                    for (std::size_t ci = 0; ci < p.cin; ++ci)
                        for (std::size_t ky = 0; ky < p.kh; ++ky)
                            fn(nvec, dyz + co * lp, lp, xq + ci * g.plane + ky * g.wp + kx,
                               vdw + co * vco + ((ky * p.kw + kx) * p.cin + ci) * 16, vco, vkx);
                }
            }
            if (dx) {
                float* dyq = ws.dyp[ith].data();
                few_pad(pd, gd, dys, dyq);
                dx_fn(pd, gd, dyq, ws.wf.data(), nullptr, false, dx + s * p.in_size());
            }
        }
        // this thread's vector partials -> one float per weight (in place, lanes in order)
        for (std::size_t e = 0; e < nw; ++e) {
            float acc = 0.0f;
            for (std::size_t l = 0; l < 16; ++l) acc += vdw[16 * e + l];
            vdw[e] = acc;
        }
#pragma omp barrier
        reduce_conv_partials(p, ws, false, ith, nt, dw, db);
    }
}

}  // namespace

void conv2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                    conv_workspace& ws, bool relu) {
    const std::size_t K = p.k(), rps = p.oh * p.ow, nb = block_samples(p);
    const int nth = threads_for(p.n, double(p.n) * rps * K * p.cout);
    if (use_few(p)) {
        const few_geom g = few_setup(p);
        const std::size_t span = p.cin * g.plane + few_slack;
        if (ws.xq.size() < std::size_t(nth)) ws.xq.resize(nth);
        for (int t = 0; t < nth; ++t) {
            ws.xq[t].resize(span);
            ws.xq[t].fill(0.0f);  // borders and slack; interiors are rewritten per sample
        }
        ws.wt.resize(K * p.cout);  // wk[((ci*kh + ky)*kw + kx)*cout + co]
        for (std::size_t co = 0; co < p.cout; ++co)
            for (std::size_t ky = 0; ky < p.kh; ++ky)
                for (std::size_t kx = 0; kx < p.kw; ++kx)
                    for (std::size_t ci = 0; ci < p.cin; ++ci)
                        ws.wt[((ci * p.kh + ky) * p.kw + kx) * p.cout + co] =
                            w[((co * p.kh + ky) * p.kw + kx) * p.cin + ci];
        const few_fn fn = few_kernel(p.cout);
        const float* wk = ws.wt.data();
#pragma omp parallel num_threads(nth)
        {
            const int ith = omp_get_thread_num();
            std::size_t s_begin, s_end;
            split_range(p.n, ith, omp_get_num_threads(), s_begin, s_end);
            float* xq = ws.xq[ith].data();
            for (std::size_t s = s_begin; s < s_end; ++s) {
                few_pad(p, g, x + s * p.in_size(), xq);
                fn(p, g, xq, wk, b, relu, y + s * p.out_size());
            }
        }
        return;
    }
    const bool direct = is_pointwise(p), implicit = use_implicit(p);
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    implicit_geom g{};
    if (implicit) g = implicit_setup(p, ws, nth, false);
    else if (!direct)
        for (int t = 0; t < nth; ++t) ws.col[t].resize(nb * rps * K);
    ws.wt.resize(K * p.cout);
    for (std::size_t co = 0; co < p.cout; ++co)
        for (std::size_t kk = 0; kk < K; ++kk) ws.wt[kk * p.cout + co] = w[co * K + kk];
    const float* wt = ws.wt.data();
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num();
        std::size_t s_begin, s_end;
        split_range(p.n, ith, omp_get_num_threads(), s_begin, s_end);
        if (implicit) {
            float* xp = ws.xp[ith].data();
            for (std::size_t s0 = s_begin; s0 < s_end; s0 += g.nb) {
                const std::size_t ns = std::min(g.nb, s_end - s0);
                pad_input(p, g, x, s0, ns, xp);
                gemm_gather(ns * rps, p.cout, K, xp, ws.roff.data(), ws.koff.data(), wt, p.cout,
                            0.0f, b, y + s0 * rps * p.cout, p.cout, relu);
            }
        } else {
            float* col = direct ? nullptr : ws.col[ith].data();
            for (std::size_t s0 = s_begin; s0 < s_end; s0 += nb) {
                const std::size_t ns = std::min(nb, s_end - s0), rows = ns * rps;
                const float* a = x + s0 * p.in_size();
                if (!direct) {
                    im2col(p, x, s0, ns, col);
                    a = col;
                }
                float* ys = y + s0 * rps * p.cout;
                gemm(rows, p.cout, K, a, K, 1, wt, p.cout, 0.0f, ys, p.cout);
                if (b || relu)
                    for (std::size_t r = 0; r < rows; ++r)
                        for (std::size_t c = 0; c < p.cout; ++c) {
                            float v = ys[r * p.cout + c];
                            if (b) v += b[c];
                            ys[r * p.cout + c] = relu ? (v > 0.0f ? v : 0.0f) : v;
                        }
            }
        }
    }
}

namespace {
void backward_gemm(const conv_params& p, const float* x, const float* w, const float* dy, float* dx,
                   float* dw, float* db, conv_workspace& ws);
}  // namespace

void conv2d_backward(const conv_params& p, const float* x, const float* w, const float* dy,
                     float* dx, float* dw, float* db, conv_workspace& ws) {
    if (!use_few(p)) {
        backward_gemm(p, x, w, dy, dx, dw, db, ws);
        return;
    }
    // The weight gradient always by the direct kernel, so it does not depend on whether dx
    // is wanted; the input gradient of >= 16 channels by the GEMM paths, whose weight
    // gradient is then discarded (a rare shape: few filters after a wide layer).
    const bool few_dx = dx && p.cin < 16;
    few_backward(p, x, w, dy, few_dx ? dx : nullptr, dw, db, ws);
    if (dx && !few_dx) {
        ws.discard.resize(p.cout * p.k());
        backward_gemm(p, x, w, dy, dx, ws.discard.data(), nullptr, ws);
    }
}

namespace {

void backward_gemm(const conv_params& p, const float* x, const float* w, const float* dy, float* dx,
                   float* dw, float* db, conv_workspace& ws) {
    const std::size_t K = p.k(), rps = p.oh * p.ow, nw = p.cout * K;
    const bool direct = is_pointwise(p), implicit = use_implicit(p);
    const bool implicit_dx = dx && use_implicit_dx(p);
    // The im2col block is needed by the explicit weight gradient and by the explicit input
    // gradient (as its dcol); the implicit passes need none.
    const bool need_col = !direct && (!implicit || (dx && !implicit_dx));
    const std::size_t nb = block_samples(p);
    const int nth = threads_for(p.n, double(p.n) * rps * K * p.cout);
    implicit_geom g{};
    if (implicit || implicit_dx) g = implicit_setup(p, ws, nth, implicit_dx);
    // The implicit and explicit paths block the batch differently; a block is one or the other.
    const std::size_t blk = (implicit || implicit_dx) ? g.nb : nb;
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    if (ws.dw.size() < std::size_t(nth)) ws.dw.resize(nth), ws.db.resize(nth);
    for (int t = 0; t < nth; ++t) {
        if (need_col) ws.col[t].resize(blk * rps * K);
        ws.dw[t].resize(nw);
        ws.db[t].resize(p.cout);
    }
    if (implicit_dx) {  // wf[(ky', kx', co), ci] = w[co, kh-1-ky', kw-1-kx', ci]
        ws.wf.resize(p.kh * p.kw * p.cout * p.cin);
        for (std::size_t ky = 0; ky < p.kh; ++ky)
            for (std::size_t kx = 0; kx < p.kw; ++kx)
                for (std::size_t co = 0; co < p.cout; ++co)
                    std::memcpy(ws.wf.data() + ((ky * p.kw + kx) * p.cout + co) * p.cin,
                                w + ((co * p.kh + (p.kh - 1 - ky)) * p.kw + (p.kw - 1 - kx)) * p.cin,
                                p.cin * sizeof(float));
    }
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        std::size_t s_begin, s_end;
        split_range(p.n, ith, nt, s_begin, s_end);
        float* col = need_col ? ws.col[ith].data() : nullptr;
        float* xp = implicit ? ws.xp[ith].data() : nullptr;
        float* pdw = ws.dw[ith].data();
        float* pdb = ws.db[ith].data();
        std::fill(pdw, pdw + nw, 0.0f);
        std::fill(pdb, pdb + p.cout, 0.0f);
        if (dx && !implicit_dx && !direct)
            std::fill(dx + s_begin * p.in_size(), dx + s_end * p.in_size(), 0.0f);
        for (std::size_t s0 = s_begin; s0 < s_end; s0 += blk) {
            const std::size_t ns = std::min(blk, s_end - s0), rows = ns * rps;
            const float* dys = dy + s0 * rps * p.cout;
            const float* a = x + s0 * p.in_size();
            if (implicit) {
                // dW^T (K x cout) += A^T dY with A^T(kk, pixel) = xp[koff[kk] + roff[pixel]]
                pad_input(p, g, x, s0, ns, xp);
                gemm_gather(K, p.cout, rows, xp, ws.koff.data(), ws.roff.data(), dys, p.cout, 1.0f,
                            nullptr, pdw, p.cout);
            } else {
                if (!direct) {
                    im2col(p, x, s0, ns, col);
                    a = col;
                }
                // dW (cout x K) += dY^T (cout x rows) . col (rows x K)
                gemm(p.cout, K, rows, dys, 1, p.cout, a, K, 1.0f, pdw, K);
            }
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < p.cout; ++c) pdb[c] += dys[r * p.cout + c];
            if (implicit_dx) {
                // dX = full correlation of the padded dY with the flipped weights
                float* dyp = ws.dyp[ith].data();
                pad_grad(p, g, dy, s0, ns, dyp);
                gemm_gather(ns * p.h * p.w, p.cin, p.kh * p.kw * p.cout, dyp, ws.droff.data(),
                            ws.dkoff.data(), ws.wf.data(), p.cin, 0.0f, nullptr,
                            dx + s0 * p.in_size(), p.cin);
            } else if (dx) {
                // dcol (rows x K) = dY (rows x cout) . W (cout x K)
                float* dcol = direct ? dx + s0 * p.in_size() : col;
                gemm(rows, K, p.cout, dys, p.cout, 1, w, K, 0.0f, dcol, K);
                if (!direct) col2im_add(p, col, s0, ns, dx);
            }
        }
#pragma omp barrier
        reduce_conv_partials(p, ws, implicit, ith, nt, dw, db);  // the implicit partials are dW^T
    }
}

}  // namespace

void conv2d_backward_data(const conv_params& p, const float* w, const float* dy, const float* bias, float* dx,
                          conv_workspace& ws) {
    // Stride 1 with the usual paddings (at most k-1 before, the input reaching the last
    // window): dX is the full correlation of dY with the flipped weights, a forward conv.
    if (p.stride == 1 && p.pad_top < p.kh && p.pad_left < p.kw && p.oh <= p.h + p.pad_top &&
        p.ow <= p.w + p.pad_left) {
        conv_params q = few_dx_params(p);
        q.n = p.n;
        // wf[((ci*kh + ky)*kw + kx)*cout + co] = w[co, kh-1-ky, kw-1-kx, ci]: cin filters over cout channels
        ws.wf.resize(p.k() * p.cout);
        for (std::size_t co = 0; co < p.cout; ++co)
            for (std::size_t ky = 0; ky < p.kh; ++ky)
                for (std::size_t kx = 0; kx < p.kw; ++kx)
                    for (std::size_t ci = 0; ci < p.cin; ++ci)
                        ws.wf[((ci * p.kh + ky) * p.kw + kx) * p.cout + co] =
                            w[((co * p.kh + (p.kh - 1 - ky)) * p.kw + (p.kw - 1 - kx)) * p.cin + ci];
        conv2d_forward(q, dy, ws.wf.data(), bias, dx, ws, false);
        return;
    }
    // Any geometry: dcol = dY.W per block of samples, scattered into dX by the adjoint of im2col.
    const std::size_t K = p.k(), rps = p.oh * p.ow, nb = block_samples(p);
    const int nth = threads_for(p.n, double(p.n) * rps * K * p.cout);
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    for (int t = 0; t < nth; ++t) ws.col[t].resize(nb * rps * K);
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num();
        std::size_t s_begin, s_end;
        split_range(p.n, ith, omp_get_num_threads(), s_begin, s_end);
        float* col = ws.col[ith].data();
        for (std::size_t s = s_begin; s < s_end; ++s) {
            float* ds = dx + s * p.in_size();
            for (std::size_t px = 0; px < p.h * p.w; ++px)
                for (std::size_t c = 0; c < p.cin; ++c) ds[px * p.cin + c] = bias ? bias[c] : 0.0f;
        }
        for (std::size_t s0 = s_begin; s0 < s_end; s0 += nb) {
            const std::size_t ns = std::min(nb, s_end - s0);
            gemm(ns * rps, K, p.cout, dy + s0 * rps * p.cout, p.cout, 1, w, K, 0.0f, col, K);
            col2im_add(p, col, s0, ns, dx);
        }
    }
}

}  // namespace jetml::nn
