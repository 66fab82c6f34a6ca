// SPDX-License-Identifier: MIT
// jetml/nn/kernels_util.hpp - internal to the fast kernels: the thread count of a call, an AVX 8x8 transpose.
#pragma once

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstddef>

namespace jetml::nn::kernel_detail {

/// Threads for a kernel call over `items` (batch rows) doing `work` multiply-adds.
inline int threads_for(std::size_t items, double work) {
    // Inside a caller's parallel region (a batch split across threads by the model) every
    // kernel runs on its calling thread.
    int nth = omp_in_parallel() ? 1 : omp_get_max_threads();
    // Below ~1M multiply-adds (~20 us on one core) waking the team and splitting a small
    // GEMM costs more than it saves (PyTorch's 4-64-64-64-1 net is faster on 1 thread too).
    if (work < 1048576.0) nth = 1;
    return std::max(1, std::min<int>(nth, int(std::max<std::size_t>(items, 1))));
}

/// 8 x 8 block transpose in AVX registers: dst (8 rows, ldd) = src (8 rows, lds)^T.
__attribute__((target("avx2"))) inline void transpose8(const float* src, std::size_t lds, float* dst,
                                                        std::size_t ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds),
           r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds),
           r5 = _mm256_loadu_ps(src + 5 * lds), r6 = _mm256_loadu_ps(src + 6 * lds),
           r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

}  // namespace jetml::nn::kernel_detail
