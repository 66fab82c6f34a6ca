// SPDX-License-Identifier: MIT
// jetml/nn/kernels.cpp - fast dense and conv2d kernels: im2col + GEMM (gemm.hpp: AVX-512
// kernel, or single-threaded OpenBLAS) into preallocated buffers; one OpenMP region per call,
// the batch split into contiguous per-thread shares; weight gradients reduced in a fixed
// thread order so a run is bitwise reproducible for a given thread count.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "jetml/error.hpp"
#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"

namespace jetml::nn {

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

int threads_for(std::size_t items, double work) {
    int nth = omp_get_max_threads();
    // Below ~1M multiply-adds (~20 us on one core) waking the team and splitting a small
    // GEMM costs more than it saves (PyTorch's 4-64-64-64-1 net is faster on 1 thread too).
    if (work < 1048576.0) nth = 1;
    return std::max(1, std::min<int>(nth, int(std::max<std::size_t>(items, 1))));
}

}  // namespace

void conv2d_forward(const conv_params& p, const float* x, const float* w, const float* b, float* y,
                    conv_workspace& ws) {
    const std::size_t K = p.k(), rps = p.oh * p.ow, nb = block_samples(p);
    const bool direct = is_pointwise(p);
    const int nth = threads_for(p.n, double(p.n) * rps * K * p.cout);
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    if (!direct)
        for (int t = 0; t < nth; ++t) ws.col[t].resize(nb * rps * K);
    ws.wt.resize(K * p.cout);
    for (std::size_t co = 0; co < p.cout; ++co)
        for (std::size_t kk = 0; kk < K; ++kk) ws.wt[kk * p.cout + co] = w[co * K + kk];
    const float* wt = ws.wt.data();
#pragma omp parallel num_threads(nth)
    {
        std::size_t s_begin, s_end;
        split_range(p.n, omp_get_thread_num(), omp_get_num_threads(), s_begin, s_end);
        float* col = direct ? nullptr : ws.col[omp_get_thread_num()].data();
        for (std::size_t s0 = s_begin; s0 < s_end; s0 += nb) {
            const std::size_t ns = std::min(nb, s_end - s0), rows = ns * rps;
            const float* a = x + s0 * p.in_size();
            if (!direct) {
                im2col(p, x, s0, ns, col);
                a = col;
            }
            float* ys = y + s0 * rps * p.cout;
            gemm(rows, p.cout, K, a, K, 1, wt, p.cout, 0.0f, ys, p.cout);
            if (b)
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < p.cout; ++c) ys[r * p.cout + c] += b[c];
        }
    }
}

void conv2d_backward(const conv_params& p, const float* x, const float* w, const float* dy,
                     float* dx, float* dw, float* db, conv_workspace& ws) {
    const std::size_t K = p.k(), rps = p.oh * p.ow, nb = block_samples(p), nw = p.cout * K;
    const bool direct = is_pointwise(p);
    const int nth = threads_for(p.n, double(p.n) * rps * K * p.cout);
    if (ws.col.size() < std::size_t(nth)) ws.col.resize(nth);
    if (ws.dw.size() < std::size_t(nth)) ws.dw.resize(nth), ws.db.resize(nth);
    for (int t = 0; t < nth; ++t) {
        if (!direct) ws.col[t].resize(nb * rps * K);
        ws.dw[t].resize(nw);
        ws.db[t].resize(p.cout);
    }
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        std::size_t s_begin, s_end;
        split_range(p.n, ith, nt, s_begin, s_end);
        float* col = direct ? nullptr : ws.col[ith].data();
        float* pdw = ws.dw[ith].data();
        float* pdb = ws.db[ith].data();
        std::fill(pdw, pdw + nw, 0.0f);
        std::fill(pdb, pdb + p.cout, 0.0f);
        if (dx) std::fill(dx + s_begin * p.in_size(), dx + s_end * p.in_size(), 0.0f);
        for (std::size_t s0 = s_begin; s0 < s_end; s0 += nb) {
            const std::size_t ns = std::min(nb, s_end - s0), rows = ns * rps;
            const float* dys = dy + s0 * rps * p.cout;
            const float* a = x + s0 * p.in_size();
            if (!direct) {
                im2col(p, x, s0, ns, col);
                a = col;
            }
            // dW (cout x K) += dY^T (cout x rows) . col (rows x K)
            gemm(p.cout, K, rows, dys, 1, p.cout, a, K, 1.0f, pdw, K);
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < p.cout; ++c) pdb[c] += dys[r * p.cout + c];
            if (dx) {
                // dcol (rows x K) = dY (rows x cout) . W (cout x K)
                float* dcol = direct ? dx + s0 * p.in_size() : col;
                gemm(rows, K, p.cout, dys, p.cout, 1, w, K, 0.0f, dcol, K);
                if (!direct) col2im_add(p, col, s0, ns, dx);
            }
        }
#pragma omp barrier
        // Reduce the per-thread partials in thread order (deterministic), elements split.
        std::size_t e0, e1;
        split_range(nw, ith, nt, e0, e1);
        for (std::size_t e = e0; e < e1; ++e) {
            float acc = ws.dw[0][e];
            for (int t = 1; t < nt; ++t) acc += ws.dw[t][e];
            dw[e] = acc;
        }
        if (db && ith == 0)
            for (std::size_t c = 0; c < p.cout; ++c) {
                float acc = ws.db[0][c];
                for (int t = 1; t < nt; ++t) acc += ws.db[t][c];
                db[c] = acc;
            }
    }
}

void dense_forward(std::size_t n, std::size_t in, std::size_t out, const float* x, const float* w,
                   const float* b, float* y) {
    const int nth = threads_for(n, double(n) * in * out);
    // The AVX-512 kernel (gemm.hpp) wants B row-major, i.e. w^T (in x out): transpose once per
    // call (in*out copies against n*in*out multiply-adds) into a per-caller-thread buffer.
    const bool own = gemm_uses_avx512() && out >= 16;
    thread_local std::vector<float> wt_buf;
    const float* wt = nullptr;
    if (own) {
        wt_buf.resize(in * out);
        for (std::size_t o = 0; o < out; ++o)
            for (std::size_t i = 0; i < in; ++i) wt_buf[i * out + o] = w[o * in + i];
        wt = wt_buf.data();
    }
#pragma omp parallel num_threads(nth)
    {
        std::size_t r0, r1;
        split_range(n, omp_get_thread_num(), omp_get_num_threads(), r0, r1);
        if (r1 > r0) {
            if (own)
                gemm(r1 - r0, out, in, x + r0 * in, in, 1, wt, out, 0.0f, y + r0 * out, out);
            else if (out == 1)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, int(r1 - r0), int(in), 1.0f, x + r0 * in,
                            int(in), w, 1, 0.0f, y + r0, 1);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(r1 - r0), int(out), int(in),
                            1.0f, x + r0 * in, int(in), w, int(in), 0.0f, y + r0 * out, int(out));
            if (b)
                for (std::size_t r = r0; r < r1; ++r)
                    for (std::size_t o = 0; o < out; ++o) y[r * out + o] += b[o];
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
        // reduction is needed. gemm() picks the AVX-512 kernel or OpenBLAS.
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

}  // namespace jetml::nn
