// SPDX-License-Identifier: MIT
// jetml/nn/gemm.hpp - the small, skinny single-threaded GEMM that convolutions reduce to
// (one side 8..128 wide), with an AVX-512 register-blocked kernel chosen at run time and
// OpenBLAS SGEMM as the fallback. Callers split work across threads themselves.
#pragma once
#include <cstddef>

namespace jetml::nn {

/// C = beta*C + A.B for an (m x n) row-major C with leading dimension ldc, where
/// A(i, k) = a[i*a_row + k*a_col] (so a_col = 1 is a row-major A, a_row = 1 a transposed one)
/// and B is row-major (k x n) with leading dimension ldb. beta is 0 or 1.
void gemm(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
          std::size_t a_col, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

/// True when the AVX-512 kernel is in use (the CPU has AVX-512F and it is not disabled);
/// it then serves products with n >= 16 columns, OpenBLAS the narrower ones.
bool gemm_uses_avx512();
/// Enables or disables the AVX-512 kernel (tests run both paths); returns the previous state.
bool gemm_set_avx512(bool on);

}  // namespace jetml::nn
