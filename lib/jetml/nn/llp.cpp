// SPDX-License-Identifier: MIT
// jetml/nn/llp.cpp - the label-proportion loss (see llp.hpp).
#include "jetml/nn/llp.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "jetml/core/error.hpp"

namespace jetml::nn {

double llp_loss::eval(const loss_batch& b, float* grad, std::size_t) const {
    if (b.d != 1) throw error("the llp loss needs one output per sample, got " + std::to_string(b.d));
    if (b.side.empty() || !b.side[0]) throw error("the llp loss needs the bag id as side column 0");
    struct bag {
        double w = 0, wp = 0, f = 0;
    };
    // bags in order of first appearance in the batch (std::map keyed by id: a bag's sums are
    // accumulated in row order, so results do not depend on anything but the batch)
    std::map<float, bag> bags;
    for (std::size_t i = 0; i < b.n; ++i) {
        const double wi = b.w ? b.w[i] : 1.0;
        const double p = 1.0 / (1.0 + std::exp(-double(b.z[i])));
        bag& g = bags[b.side[0][i]];
        g.w += wi;
        g.wp += wi * p;
        g.f = b.y[i];
    }
    constexpr double eps = 1e-7;
    const double inv_n = b.n ? 1.0 / double(b.n) : 0.0;
    double total = 0;
    for (auto& [id, g] : bags) {
        if (!(g.w > 0)) continue;
        const double pb = std::clamp(g.wp / g.w, eps, 1 - eps);
        total += g.w * -(g.f * std::log(pb) + (1 - g.f) * std::log(1 - pb));
        // dL/dp_b for the rows' chain rule: W_b/n * (p_b - f)/(p_b (1 - p_b)), and dp_b/dz_i
        // = w_i sigma'(z_i) / W_b; the clamp's flat ends give zero
        const double raw = g.wp / g.w;
        g.wp = (raw > eps && raw < 1 - eps) ? (pb - g.f) / (pb * (1 - pb)) : 0.0;
    }
    if (grad)
        for (std::size_t i = 0; i < b.n; ++i) {
            const double wi = b.w ? b.w[i] : 1.0;
            const double p = 1.0 / (1.0 + std::exp(-double(b.z[i])));
            const bag& g = bags[b.side[0][i]];
            grad[i] = float(inv_n * g.wp * wi * p * (1 - p));
        }
    return total * inv_n;
}

}  // namespace jetml::nn
