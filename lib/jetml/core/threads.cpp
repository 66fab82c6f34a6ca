// SPDX-License-Identifier: MIT
// jetml/core/threads.cpp
#include "jetml/core/threads.hpp"

#include <omp.h>

extern "C" void openblas_set_num_threads(int);

namespace jetml {

void set_threads(int n) {
    if (n <= 0) n = omp_get_num_procs();
    omp_set_num_threads(n);
    openblas_set_num_threads(1);
}

int max_threads() { return omp_get_max_threads(); }

void set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }

}  // namespace jetml
