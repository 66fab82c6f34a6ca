// SPDX-License-Identifier: MIT
// jetml/nn/gemm.cpp - register-blocked kernels: AVX-512 (8 rows x 32 columns of C in 16 zmm
// accumulators; one broadcast of A and two loads of B per 16 FMAs) and AVX2 + FMA (6 rows x 16
// columns in 12 ymm accumulators), each compiled with a target attribute so the library stays
// portable, and an OpenBLAS fallback for CPUs with neither.
//
// Both kernels compute every element of C as one chain of fused multiply-adds over k in order,
// in a register of its own, and fill a tile's missing rows by repeating its last valid row: a
// row of C depends only on its row of A and on B, never on m or on where the row falls in the
// tiling. That is what makes a network's outputs independent of the batch, chunk and thread
// split (OpenBLAS's results for a row change with m: its tail rows take other micro-kernels).
#include "jetml/nn/gemm.hpp"

#include <cblas.h>
#include <immintrin.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace jetml::nn {

namespace {

std::atomic<bool> use_avx512{__builtin_cpu_supports("avx512f") != 0};
const bool has_avx2 = __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;

// One 8 x (16*NV) tile of C (NV = 1 or 2 vectors of 16 columns) from the row pointers
// ar[0..7] of A; column kk of A lies koff(kk) floats after each row pointer. Rows r >= mr (the
// tail) repeat the last valid row of A and are not stored. The accumulators are named
// variables: GCC keeps those in registers, while an array of __m512 would be spilled to the
// stack on every k step. The store adds C (beta = 1), the bias and then applies max(., 0) when
// relu is set: v > 0 ? v : 0, as the ReLU layer does (NaN and -0 give +0).
template <int NV, class KOff>
__attribute__((target("avx512f"))) void tile8(std::size_t k, const float* const* ar, KOff koff,
                                              std::size_t mr, const float* b, std::size_t ldb, float beta,
                                              const float* bias, bool relu, float* c, std::size_t ldc,
                                              __mmask16 m0, __mmask16 m1) {
    static_assert(NV == 1 || NV == 2, "one or two vectors per row");
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5],
                *a6 = ar[6], *a7 = ar[7];
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
           c70 = c00, c71 = c00;
    for (std::size_t kk = 0; kk < k; ++kk) {
        const std::ptrdiff_t off = koff(kk);
        const float* bk = b + kk * ldb;
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, bk);
        const __m512 b1 = NV == 2 ? _mm512_maskz_loadu_ps(m1, bk + 16) : b0;
#define JETML_ROW(R)                                                  \
    {                                                                 \
        const __m512 av = _mm512_set1_ps(a##R[off]);                  \
        c##R##0 = _mm512_fmadd_ps(av, b0, c##R##0);                   \
        if constexpr (NV == 2) c##R##1 = _mm512_fmadd_ps(av, b1, c##R##1); \
    }
        JETML_ROW(0) JETML_ROW(1) JETML_ROW(2) JETML_ROW(3) JETML_ROW(4) JETML_ROW(5) JETML_ROW(6) JETML_ROW(7)
#undef JETML_ROW
    }
    const __m512 acc[16] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71};
    const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 bias1 = bias && NV == 2 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    const __m512 zero = _mm512_setzero_ps();
    for (std::size_t r = 0; r < mr; ++r) {
        float* cr = c + r * ldc;
        __m512 v0 = acc[2 * r], v1 = acc[2 * r + 1];
        if (beta != 0.0f) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            if (NV == 2) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        if (bias) {
            v0 = _mm512_add_ps(v0, bias0);
            v1 = _mm512_add_ps(v1, bias1);
        }
        if (relu) {
            v0 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v0, zero, _CMP_GT_OQ), v0);
            v1 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v1, zero, _CMP_GT_OQ), v1);
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        if (NV == 2) _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

// The column masks of a tile of w <= 32 columns, and the vectors it needs.
struct col_masks {
    __mmask16 m0, m1;
    int nv;
};
col_masks masks_for(std::size_t w) {
    col_masks m;
    m.m0 = w >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << w) - 1);
    m.m1 = w >= 32 ? __mmask16(0xFFFF) : w > 16 ? __mmask16((1u << (w - 16)) - 1) : __mmask16(0);
    m.nv = w > 16 ? 2 : 1;
    return m;
}

// One 8 x 48 tile (24 accumulators, three loads of B and eight broadcasts of A per 24 FMAs),
// for full 48-column panels of wide products (the dense layers); no column masks.
__attribute__((target("avx512f"))) void tile8x48(std::size_t k, const float* a, std::size_t a_row,
                                                 std::size_t a_col, std::size_t mr, const float* b,
                                                 std::size_t ldb, float beta, const float* bias,
                                                 bool relu, float* c, std::size_t ldc) {
    const float* ar[8];
    for (std::size_t r = 0; r < 8; ++r) ar[r] = a + (r < mr ? r : mr - 1) * a_row;
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5],
                *a6 = ar[6], *a7 = ar[7];
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
           c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00,
           c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00, c70 = c00,
           c71 = c00, c72 = c00;
    for (std::size_t kk = 0, off = 0; kk < k; ++kk, off += a_col) {
        const float* bk = b + kk * ldb;
        const __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16), b2 = _mm512_loadu_ps(bk + 32);
#define JETML_ROW(R)                                       \
    {                                                      \
        const __m512 av = _mm512_set1_ps(a##R[off]);       \
        c##R##0 = _mm512_fmadd_ps(av, b0, c##R##0);        \
        c##R##1 = _mm512_fmadd_ps(av, b1, c##R##1);        \
        c##R##2 = _mm512_fmadd_ps(av, b2, c##R##2);        \
    }
        JETML_ROW(0) JETML_ROW(1) JETML_ROW(2) JETML_ROW(3) JETML_ROW(4) JETML_ROW(5) JETML_ROW(6) JETML_ROW(7)
#undef JETML_ROW
    }
    const __m512 acc[24] = {c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32,
                            c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72};
    for (std::size_t r = 0; r < mr; ++r) {
        float* cr = c + r * ldc;
        for (std::size_t q = 0; q < 3; ++q) {
            __m512 v = acc[3 * r + q];
            if (beta != 0.0f) v = _mm512_add_ps(v, _mm512_loadu_ps(cr + 16 * q));
            if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias + 16 * q));
            if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), v);
            _mm512_storeu_ps(cr + 16 * q, v);
        }
    }
}

__attribute__((target("avx512f"))) void gemm_avx512(std::size_t m, std::size_t n, std::size_t k,
                                                    const float* a, std::size_t a_row, std::size_t a_col,
                                                    const float* b, std::size_t ldb, float beta,
                                                    const float* bias, bool relu, float* c, std::size_t ldc) {
    constexpr std::size_t MR = 8, NR = 32, NW = 48;
    std::size_t jw = 0;  // full 48-column panels first, then 32- or 16-column (masked) tiles
    for (; n >= 64 && jw + NW <= n; jw += NW)
        for (std::size_t i0 = 0; i0 < m; i0 += MR)
            tile8x48(k, a + i0 * a_row, a_row, a_col, m - i0 < MR ? m - i0 : MR, b + jw, ldb, beta,
                     bias ? bias + jw : nullptr, relu, c + i0 * ldc + jw, ldc);
    const auto koff = [a_col](std::size_t kk) { return std::ptrdiff_t(kk * a_col); };
    for (std::size_t j0 = jw; j0 < n; j0 += NR) {
        const col_masks cm = masks_for(n - j0 < NR ? n - j0 : NR);
        for (std::size_t i0 = 0; i0 < m; i0 += MR) {
            const std::size_t mr = m - i0 < MR ? m - i0 : MR;
            const float* ar[MR];
            for (std::size_t r = 0; r < MR; ++r) ar[r] = a + (i0 + (r < mr ? r : mr - 1)) * a_row;
            if (cm.nv == 2)
                tile8<2>(k, ar, koff, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu, c + i0 * ldc + j0,
                         ldc, cm.m0, cm.m1);
            else
                tile8<1>(k, ar, koff, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu, c + i0 * ldc + j0,
                         ldc, cm.m0, cm.m1);
        }
    }
}

__attribute__((target("avx512f"))) void gather_avx512(std::size_t m, std::size_t n, std::size_t k,
                                                      const float* a, const std::int32_t* roff,
                                                      const std::int32_t* koff, const float* b,
                                                      std::size_t ldb, float beta, const float* bias,
                                                      bool relu, float* c, std::size_t ldc) {
    constexpr std::size_t MR = 8, NR = 32;
    const auto ko = [koff](std::size_t kk) { return std::ptrdiff_t(koff[kk]); };
    for (std::size_t j0 = 0; j0 < n; j0 += NR) {
        const col_masks cm = masks_for(n - j0 < NR ? n - j0 : NR);
        for (std::size_t i0 = 0; i0 < m; i0 += MR) {
            // row r of A is a + roff[r], column kk adds koff[kk]
            const std::size_t mr = m - i0 < MR ? m - i0 : MR;
            const float* ar[MR];
            for (std::size_t r = 0; r < MR; ++r) ar[r] = a + roff[i0 + (r < mr ? r : mr - 1)];
            if (cm.nv == 2)
                tile8<2>(k, ar, ko, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu,
                         c + i0 * ldc + j0, ldc, cm.m0, cm.m1);
            else
                tile8<1>(k, ar, ko, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu,
                         c + i0 * ldc + j0, ldc, cm.m0, cm.m1);
        }
    }
}

// The AVX2 + FMA kernel: one 6 x (8*NV) tile (NV = 1 or 2 vectors of 8 columns; m0, m1 the
// column masks of a partial tile, all ones otherwise), rows as in tile8. 12 accumulators, two
// vectors of B and one broadcast: 15 of the 16 ymm registers.
template <int NV, class KOff>
__attribute__((target("avx2,fma"))) void tile6(std::size_t k, const float* const* ar, KOff koff,
                                               std::size_t mr, const float* b, std::size_t ldb, float beta,
                                               const float* bias, bool relu, float* c, std::size_t ldc,
                                               __m256i m0, __m256i m1, bool full) {
    static_assert(NV == 1 || NV == 2, "one or two vectors per row");
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5];
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#define JETML_ROW(R)                                                  \
    {                                                                 \
        const __m256 av = _mm256_broadcast_ss(a##R + off);            \
        c##R##0 = _mm256_fmadd_ps(av, b0, c##R##0);                   \
        if constexpr (NV == 2) c##R##1 = _mm256_fmadd_ps(av, b1, c##R##1); \
    }
    if (full) {
        for (std::size_t kk = 0; kk < k; ++kk) {
            const std::ptrdiff_t off = koff(kk);
            const float* bk = b + kk * ldb;
            const __m256 b0 = _mm256_loadu_ps(bk);
            const __m256 b1 = NV == 2 ? _mm256_loadu_ps(bk + 8) : b0;
            JETML_ROW(0) JETML_ROW(1) JETML_ROW(2) JETML_ROW(3) JETML_ROW(4) JETML_ROW(5)
        }
    } else {
        for (std::size_t kk = 0; kk < k; ++kk) {
            const std::ptrdiff_t off = koff(kk);
            const float* bk = b + kk * ldb;
            const __m256 b0 = _mm256_maskload_ps(bk, m0);
            const __m256 b1 = NV == 2 ? _mm256_maskload_ps(bk + 8, m1) : b0;
            JETML_ROW(0) JETML_ROW(1) JETML_ROW(2) JETML_ROW(3) JETML_ROW(4) JETML_ROW(5)
        }
    }
#undef JETML_ROW
    const __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    const __m256 zero = _mm256_setzero_ps();
    const __m256 bias0 = bias ? _mm256_maskload_ps(bias, m0) : zero;
    const __m256 bias1 = bias && NV == 2 ? _mm256_maskload_ps(bias + 8, m1) : zero;
    for (std::size_t r = 0; r < mr; ++r) {
        float* cr = c + r * ldc;
        __m256 v0 = acc[2 * r], v1 = acc[2 * r + 1];
        if (beta != 0.0f) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(cr, m0));
            if (NV == 2) v1 = _mm256_add_ps(v1, _mm256_maskload_ps(cr + 8, m1));
        }
        if (bias) {
            v0 = _mm256_add_ps(v0, bias0);
            v1 = _mm256_add_ps(v1, bias1);
        }
        if (relu) {  // v > 0 ? v : 0 (NaN and -0 give +0), as the ReLU layer
            v0 = _mm256_and_ps(v0, _mm256_cmp_ps(v0, zero, _CMP_GT_OQ));
            v1 = _mm256_and_ps(v1, _mm256_cmp_ps(v1, zero, _CMP_GT_OQ));
        }
        _mm256_maskstore_ps(cr, m0, v0);
        if (NV == 2) _mm256_maskstore_ps(cr + 8, m1, v1);
    }
}

// All-ones lanes for the first w of 8 columns.
__attribute__((target("avx2"))) __m256i lanes(std::size_t w) {
    alignas(32) std::int32_t m[8];
    for (std::size_t l = 0; l < 8; ++l) m[l] = l < w ? -1 : 0;
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(m));
}

// C (m x n) in 6 x 16 tiles (the last one 8 or 16 columns, masked); rowp(i) is row i of A and
// koff(kk) the offset of its column kk.
template <class RowP, class KOff>
__attribute__((target("avx2,fma"))) void gemm_avx2(std::size_t m, std::size_t n, std::size_t k, RowP rowp,
                                                   KOff koff, const float* b, std::size_t ldb, float beta,
                                                   const float* bias, bool relu, float* c, std::size_t ldc) {
    constexpr std::size_t MR = 6, NR = 16;
    for (std::size_t j0 = 0; j0 < n; j0 += NR) {
        const std::size_t w = n - j0 < NR ? n - j0 : NR;
        const __m256i m0 = lanes(w), m1 = lanes(w > 8 ? w - 8 : 0);
        const bool full = w == NR || w == 8;
        for (std::size_t i0 = 0; i0 < m; i0 += MR) {
            const std::size_t mr = m - i0 < MR ? m - i0 : MR;
            const float* ar[MR];
            for (std::size_t r = 0; r < MR; ++r) ar[r] = rowp(i0 + (r < mr ? r : mr - 1));
            if (w > 8)
                tile6<2>(k, ar, koff, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu,
                         c + i0 * ldc + j0, ldc, m0, m1, full);
            else
                tile6<1>(k, ar, koff, mr, b + j0, ldb, beta, bias ? bias + j0 : nullptr, relu,
                         c + i0 * ldc + j0, ldc, m0, m1, full);
        }
    }
}

// Which kernel serves a product with n columns of C.
enum class kernel { avx512, avx2, blas };
kernel pick(std::size_t n) {
    if (use_avx512.load(std::memory_order_relaxed)) return n >= 16 ? kernel::avx512 : kernel::blas;
    return has_avx2 ? kernel::avx2 : kernel::blas;
}

void gemm_avx2_strided(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
                       std::size_t a_col, const float* b, std::size_t ldb, float beta, const float* bias,
                       bool relu, float* c, std::size_t ldc) {
    gemm_avx2(m, n, k, [a, a_row](std::size_t i) { return a + i * a_row; },
              [a_col](std::size_t kk) { return std::ptrdiff_t(kk * a_col); }, b, ldb, beta, bias, relu, c, ldc);
}

}  // namespace

void gemm_bias(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
               std::size_t a_col, const float* b, std::size_t ldb, float beta, const float* bias,
               float* c, std::size_t ldc, bool relu) {
    if (m == 0 || n == 0) return;
    const kernel kn = pick(n);
    if (kn == kernel::avx512) {
        gemm_avx512(m, n, k, a, a_row, a_col, b, ldb, beta, bias, relu, c, ldc);
        return;
    }
    if (kn == kernel::avx2) {
        gemm_avx2_strided(m, n, k, a, a_row, a_col, b, ldb, beta, bias, relu, c, ldc);
        return;
    }
    gemm(m, n, k, a, a_row, a_col, b, ldb, beta, c, ldc);
    if (bias || relu)
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                float v = c[i * ldc + j] + (bias ? bias[j] : 0.0f);
                if (relu) v = v > 0.0f ? v : 0.0f;
                c[i * ldc + j] = v;
            }
}

void gemm_gather(std::size_t m, std::size_t n, std::size_t k, const float* a,
                 const std::int32_t* roff, const std::int32_t* koff, const float* b,
                 std::size_t ldb, float beta, const float* bias, float* c, std::size_t ldc, bool relu) {
    if (m == 0 || n == 0) return;
    if (gemm_uses_avx512()) {
        gather_avx512(m, n, k, a, roff, koff, b, ldb, beta, bias, relu, c, ldc);
        return;
    }
    if (has_avx2) {
        gemm_avx2(m, n, k, [a, roff](std::size_t i) { return a + roff[i]; },
                  [koff](std::size_t kk) { return std::ptrdiff_t(koff[kk]); }, b, ldb, beta, bias, relu, c, ldc);
        return;
    }
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            float acc = 0;
            for (std::size_t kk = 0; kk < k; ++kk) acc += a[roff[i] + koff[kk]] * b[kk * ldb + j];
            float v = (beta != 0.0f ? c[i * ldc + j] : 0.0f) + acc + (bias ? bias[j] : 0.0f);
            if (relu) v = v > 0.0f ? v : 0.0f;
            c[i * ldc + j] = v;
        }
}

bool gemm_uses_avx512() { return use_avx512.load(std::memory_order_relaxed); }

bool gemm_row_exact(std::size_t n) { return pick(n) != kernel::blas; }

bool gemm_set_avx512(bool on) {
    const bool supported = __builtin_cpu_supports("avx512f") != 0;
    return use_avx512.exchange(on && supported);
}

void gemm(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
          std::size_t a_col, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
    if (m == 0 || n == 0) return;
    // The 8 x 32 tile wastes most lanes when C is narrower than 16 columns; OpenBLAS is
    // faster there (measured with `bench_nn 1 1 128 ab`).
    if (pick(n) != kernel::blas) {  // the register-blocked kernels, dispatched in gemm_bias
        gemm_bias(m, n, k, a, a_row, a_col, b, ldb, beta, nullptr, c, ldc, false);
        return;
    }
    if (a_col == 1 && (a_row >= k || m == 1)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, a,
                    int(m == 1 ? (k ? k : 1) : a_row), b, int(ldb), beta, c, int(ldc));
    } else if (a_row == 1 && (a_col >= m || k == 1)) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, a,
                    int(k == 1 ? m : a_col), b, int(ldb), beta, c, int(ldc));
    } else {  // general strides: plain loops
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                float acc = 0;
                for (std::size_t kk = 0; kk < k; ++kk) acc += a[i * a_row + kk * a_col] * b[kk * ldb + j];
                c[i * ldc + j] = (beta != 0.0f ? c[i * ldc + j] : 0.0f) + acc;
            }
    }
}

}  // namespace jetml::nn
