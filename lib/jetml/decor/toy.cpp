// SPDX-License-Identifier: MIT
// jetml/decor/toy.cpp - the pivot toy (see toy.hpp).
#include "jetml/decor/toy.hpp"

#include <cmath>

#include "jetml/core/rng.hpp"

namespace jetml::decor {

data::labelled_set pivot_toy(std::size_t n, std::uint64_t seed, double fixed_z) {
    data::labelled_set d;
    d.shape = {2};
    d.size = 2;
    d.n = n;
    d.x.resize(2 * n);
    d.y.resize(n);
    d.w.assign(n, 1.0f);
    std::vector<float> z(n);
    // Cholesky factor of [[1, -0.5], [-0.5, 1]]: L = [[1, 0], [-0.5, sqrt(0.75)]]
    const double l21 = -0.5, l22 = std::sqrt(0.75);
    for (std::size_t i = 0; i < n; ++i) {
        jetml::rng r(seed, i);
        const int y = i % 2 == 0 ? 1 : 0;
        const double zi = std::isfinite(fixed_z) ? fixed_z : r.normal();
        const double u = r.normal(), v = r.normal();
        double x1, x2;
        if (y == 1) {
            x1 = 1 + u;
            x2 = 1 + zi + v;
        } else {
            x1 = u;
            x2 = l21 * u + l22 * v;
        }
        d.x[2 * i] = float(x1), d.x[2 * i + 1] = float(x2);
        d.y[i] = float(y);
        z[i] = float(zi);
    }
    d.side.emplace_back("z", std::move(z));
    return d;
}

}  // namespace jetml::decor
