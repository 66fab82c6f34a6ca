// SPDX-License-Identifier: MIT
// jetml/core/threads.hpp - one place that sets OpenMP and OpenBLAS thread counts.
#pragma once

namespace jetml {

/// Sets the OpenMP thread count (0 = all cores) and keeps OpenBLAS single-threaded, so
/// BLAS calls inside our parallel regions do not fight our own threads.
void set_threads(int n);
/// Threads parallel regions will use.
int max_threads();
/// Lets OpenBLAS use `n` threads (for a big GEMM called outside any parallel region).
void set_blas_threads(int n);

}  // namespace jetml
