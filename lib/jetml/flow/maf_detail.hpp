// SPDX-License-Identifier: MIT
// jetml/flow/maf_detail.hpp - small helpers shared by the MAF's passes (not a public API).
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

namespace jetml::flow::detail {

/// Rows of up to this many variables are reordered on the stack.
constexpr std::size_t max_dim_stack = 64;

/// The soft clamp of the log-scale: B tanh(r / B) (r itself for B = 0).
inline float bound(float r, float B) { return B > 0 ? B * std::tanh(r / B) : r; }
/// Its derivative at the clamped value a = bound(r, B): 1 - (a / B)^2.
inline float bound_slope(float a, float B) { return B > 0 ? 1.0f - (a / B) * (a / B) : 1.0f; }

/// log N(z; 0, I) of one row of d values.
inline double log_normal(const float* z, std::size_t d) {
    double s = 0;
    for (std::size_t i = 0; i < d; ++i) s += double(z[i]) * z[i];
    return -0.5 * s - 0.5 * double(d) * 1.8378770664093454836;  // log(2 pi)
}

/// t (cols, rows) = w (rows, cols) transposed.
inline void transpose(const float* w, std::size_t rows, std::size_t cols, std::vector<float>& t) {
    t.resize(rows * cols);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) t[j * rows + i] = w[i * cols + j];
}

}  // namespace jetml::flow::detail
