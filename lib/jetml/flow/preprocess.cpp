// SPDX-License-Identifier: MIT
// jetml/flow/preprocess.cpp - min-max, logit and standardisation with the Jacobian, and the mask.
#include "jetml/flow/preprocess.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "jetml/core/error.hpp"

namespace jetml::flow {

preprocessing preprocessing::fit(const float* xc, std::size_t n, std::size_t dim, std::size_t cond, double eps) {
    if (n == 0) throw error("flow preprocessing: no training rows");
    if (!(eps > 0 && eps < 0.5)) throw usage_error("flow preprocessing: the logit epsilon must be in (0, 0.5)");
    preprocessing p;
    p.dim = dim, p.cond = cond, p.eps = eps;
    const std::size_t R = dim + cond;
    p.lo.assign(dim, INFINITY);
    p.hi.assign(dim, -INFINITY);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < dim; ++j) {
            const double v = xc[i * R + j];
            if (!std::isfinite(v))
                throw error("flow preprocessing: variable " + std::to_string(j) + " is not finite at row " + std::to_string(i));
            p.lo[j] = std::min(p.lo[j], v);
            p.hi[j] = std::max(p.hi[j], v);
        }
    for (std::size_t j = 0; j < dim; ++j)
        if (!(p.hi[j] > p.lo[j]))
            throw error("flow preprocessing: variable " + std::to_string(j) + " has the same value " +
                        std::to_string(p.lo[j]) + " in every training row");
    // mean and std of the logits (two passes, double); std floored so a constant logit cannot divide by 0
    p.mean.assign(dim, 0.0);
    p.std.assign(dim, 0.0);
    std::vector<double> l(n * dim);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < dim; ++j) {
            const double y = eps + (1 - 2 * eps) * (double(xc[i * R + j]) - p.lo[j]) / (p.hi[j] - p.lo[j]);
            l[i * dim + j] = std::log(y) - std::log1p(-y);
            p.mean[j] += l[i * dim + j];
        }
    for (auto& m : p.mean) m /= double(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < dim; ++j) p.std[j] += (l[i * dim + j] - p.mean[j]) * (l[i * dim + j] - p.mean[j]);
    for (auto& s : p.std) s = std::max(std::sqrt(s / double(n)), 1e-6);
    // the conditions: range, mean and standard deviation (floored as above)
    p.clo.assign(cond, INFINITY), p.chi.assign(cond, -INFINITY), p.cmean.assign(cond, 0.0), p.cstd.assign(cond, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < cond; ++k) {
            const double v = xc[i * R + dim + k];
            if (!std::isfinite(v))
                throw error("flow preprocessing: condition " + std::to_string(k) + " is not finite at row " + std::to_string(i));
            p.clo[k] = std::min(p.clo[k], v), p.chi[k] = std::max(p.chi[k], v), p.cmean[k] += v;
        }
    for (auto& m : p.cmean) m /= double(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < cond; ++k) {
            const double d = double(xc[i * R + dim + k]) - p.cmean[k];
            p.cstd[k] += d * d;
        }
    for (std::size_t k = 0; k < cond; ++k) p.cstd[k] = std::max(std::sqrt(p.cstd[k] / double(n)), 1e-6 * std::max(1.0, std::abs(p.cmean[k])));
    return p;
}

std::size_t preprocessing::apply(const float* xc, std::size_t n, float* out, double* logjac,
                                 std::vector<std::uint8_t>& inside) const {
    const std::size_t R = dim + cond;
    inside.assign(n, 1);
    std::size_t outside = 0;
    double c0 = 0;
    for (std::size_t j = 0; j < dim; ++j) c0 += std::log1p(-2 * eps) - std::log(hi[j] - lo[j]) - std::log(std[j]);
    for (std::size_t i = 0; i < n; ++i) {
        const float* x = xc + i * R;
        float* o = out + i * R;
        bool ok = true;
        for (std::size_t j = 0; j < dim; ++j)
            if (!(x[j] >= lo[j] && x[j] <= hi[j])) ok = false;  // NaN fails too
        if (!ok) {
            inside[i] = 0;
            ++outside;
            std::memset(o, 0, R * sizeof(float));
            if (logjac) logjac[i] = NAN;
            continue;
        }
        double lj = c0;
        for (std::size_t j = 0; j < dim; ++j) {
            const double y = eps + (1 - 2 * eps) * (double(x[j]) - lo[j]) / (hi[j] - lo[j]);
            o[j] = float(((std::log(y) - std::log1p(-y)) - mean[j]) / std[j]);
            lj -= std::log(y) + std::log1p(-y);
        }
        apply_conditions(x + dim, 1, o + dim);
        if (logjac) logjac[i] = lj;
    }
    return outside;
}

void preprocessing::invert(const float* s, std::size_t n, float* x) const {
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < dim; ++j) {
            const double l = double(s[i * dim + j]) * std[j] + mean[j];
            const double y = l >= 0 ? 1.0 / (1.0 + std::exp(-l)) : std::exp(l) / (1.0 + std::exp(l));
            x[i * dim + j] = float(lo[j] + (y - eps) / (1 - 2 * eps) * (hi[j] - lo[j]));
        }
}

void preprocessing::apply_conditions(const float* c, std::size_t n, float* out) const {
    const bool scaled = cmean.size() == cond;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < cond; ++k)
            out[i * cond + k] = scaled ? float((double(c[i * cond + k]) - cmean[k]) / cstd[k]) : c[i * cond + k];
}

std::size_t preprocessing::first_condition_outside(const float* c, std::size_t n) const {
    if (clo.size() != cond) return n;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < cond; ++k)
            if (!(c[i * cond + k] >= clo[k] && c[i * cond + k] <= chi[k])) return i;  // NaN fails too
    return n;
}

masked_result preprocessed_log_prob(maf& m, const preprocessing& p, const float* xc, std::size_t n, double* out) {
    if (p.dim != m.dim() || p.cond != m.cond()) throw error("flow preprocessing: fitted for other dimensions than the flow");
    masked_result r;
    const std::size_t R = m.row();
    std::vector<float> s(n * R);
    std::vector<double> lj(n);
    r.outside = p.apply(xc, n, s.data(), lj.data(), r.inside);
    // score only the rows inside, packed
    std::vector<float> packed;
    packed.reserve((n - r.outside) * R);
    for (std::size_t i = 0; i < n; ++i)
        if (r.inside[i]) packed.insert(packed.end(), s.begin() + long(i * R), s.begin() + long((i + 1) * R));
    std::vector<double> lp(n - r.outside);
    if (!lp.empty()) m.log_prob(packed.data(), lp.size(), lp.data());
    for (std::size_t i = 0, k = 0; i < n; ++i) out[i] = r.inside[i] ? lp[k++] + lj[i] : NAN;
    return r;
}

}  // namespace jetml::flow
