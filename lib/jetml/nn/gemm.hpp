// SPDX-License-Identifier: MIT
// jetml/nn/gemm.hpp - the small, skinny single-threaded GEMM that convolutions reduce to
// (one side 8..128 wide), with AVX-512 and AVX2 + FMA register-blocked kernels chosen at run
// time and OpenBLAS SGEMM as the fallback. Callers split work across threads themselves.
// With the register-blocked kernels (gemm_row_exact), a row of C depends only on its row of A
// and on B, bit for bit: never on m or on the row's place in the call.
#pragma once
#include <cstddef>
#include <cstdint>

namespace jetml::nn {

/// C = beta*C + A.B for an (m x n) row-major C with leading dimension ldc, where
/// A(i, k) = a[i*a_row + k*a_col] (so a_col = 1 is a row-major A, a_row = 1 a transposed one)
/// and B is row-major (k x n) with leading dimension ldb. beta is 0 or 1.
void gemm(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
          std::size_t a_col, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

/// gemm() plus bias[j] added to every row of C and then, if relu, max(., 0) (a NaN gives 0),
/// both in the kernel's store (no separate pass); bias may be null.
void gemm_bias(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
               std::size_t a_col, const float* b, std::size_t ldb, float beta, const float* bias,
               float* c, std::size_t ldc, bool relu = false);

/// Implicit GEMM ("im2col without the copy"): C (m x n, ldc) = beta*C + A.B, plus bias[j] on
/// every row when bias is not null and then max(., 0) if relu, where A(i, kk) = a[roff[i] + koff[kk]] (every row of A has
/// its own offset, every column an offset shared by all rows) and B is row-major (k x n, ldb).
/// A convolution over a zero-padded input is one such product. The AVX-512 kernel serves it
/// when gemm_uses_avx512(); otherwise plain loops (correct, slow: callers avoid that case).
void gemm_gather(std::size_t m, std::size_t n, std::size_t k, const float* a,
                 const std::int32_t* roff, const std::int32_t* koff, const float* b,
                 std::size_t ldb, float beta, const float* bias, float* c, std::size_t ldc,
                 bool relu = false);

/// True when the AVX-512 kernel is in use (the CPU has AVX-512F and it is not disabled);
/// it then serves products with n >= 16 columns, OpenBLAS the narrower ones. Otherwise the
/// AVX2 + FMA kernel serves every product where the CPU has AVX2 and FMA, else OpenBLAS.
bool gemm_uses_avx512();
/// True when products with n columns of C go to a register-blocked kernel (AVX-512 or AVX2),
/// whose rows are independent of m; false when they go to OpenBLAS, whose rows are not.
bool gemm_row_exact(std::size_t n);
/// Enables or disables the AVX-512 kernel (tests run both paths: disabled, the AVX2 kernel or
/// OpenBLAS serves); returns the previous state.
bool gemm_set_avx512(bool on);

}  // namespace jetml::nn
