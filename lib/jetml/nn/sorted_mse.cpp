// SPDX-License-Identifier: MIT
// jetml/nn/sorted_mse.cpp - the loss on sorted intensities (see sorted_mse.hpp).
#include "jetml/nn/sorted_mse.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace jetml::nn {

double sorted_mse_loss::eval(const loss_batch& b, float* grad, std::size_t norm) const {
    const std::size_t n = b.n, d = b.d;
    const double inv_n = 1.0 / double(norm ? norm : n);
    std::vector<std::size_t> order(d);
    std::vector<float> ys(d);
    double total = 0;
    for (std::size_t s = 0; s < n; ++s) {
        const float* z = b.z + s * d;
        const float* y = b.y + s * d;
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::stable_sort(order.begin(), order.end(), [z](std::size_t a, std::size_t c) { return z[a] < z[c]; });
        std::copy(y, y + d, ys.begin());
        std::sort(ys.begin(), ys.end());
        const double ws = b.w ? b.w[s] : 1.0;
        double l = 0;
        for (std::size_t j = 0; j < d; ++j) {
            const double r = double(z[order[j]]) - ys[j];
            l += r * r / double(d);
            if (grad) grad[s * d + order[j]] = float(ws * inv_n * 2.0 * r / double(d));
        }
        total += ws * l;
    }
    return total * inv_n;
}

}  // namespace jetml::nn
