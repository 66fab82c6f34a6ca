// SPDX-License-Identifier: MIT
// jetml/stats/dijet.cpp - dijet functions, their starting values, and the SR prediction.
#include "jetml/stats/dijet.hpp"

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "jetml/core/error.hpp"

namespace jetml::stats {

dijet_form parse_dijet_form(const std::string& s) {
    if (s == "3" || s == "three") return dijet_form::three;
    if (s == "4" || s == "four") return dijet_form::four;
    throw usage_error("unknown dijet function '" + s + "', expected 3 or 4 (parameters)");
}

std::size_t dijet_npar(dijet_form f) { return f == dijet_form::three ? 3 : 4; }

double dijet_function::operator()(double mjj, const double* p, double* grad) const {
    const double x = mjj / sqrt_s;
    const std::size_t n = npar();
    if (!(x > 0 && x < 1)) {
        if (grad) std::fill(grad, grad + n, std::numeric_limits<double>::quiet_NaN());
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double l1 = std::log1p(-x), lx = std::log(x);
    double expo = p[1] * l1 - p[2] * lx;
    if (form == dijet_form::four) expo -= p[3] * lx * lx;
    const double shape = std::exp(expo), f = p[0] * shape;
    if (grad) {
        grad[0] = shape;
        grad[1] = f * l1;
        grad[2] = -f * lx;
        if (form == dijet_form::four) grad[3] = -f * lx * lx;
    }
    return f;
}

fit_model dijet_function::model() const {
    fit_model m;
    m.npar = npar();
    const dijet_function self = *this;
    m.eval = [self](double x, const double* p, double* g) { return self(x, p, g); };
    return m;
}

std::vector<double> dijet_start(const dijet_function& f, const std::vector<double>& m, const std::vector<double>& y,
                                const std::vector<double>& sigma) {
    const std::size_t n = f.npar();
    std::vector<double> p(n, 0.0);
    p[1] = 10;
    p[2] = 5;
    // Weighted log-linear fit: ln y = c0 + p2 ln(1-x) - p3 ln x [- p4 ln^2 x], sigma(ln y) = sigma / y.
    std::vector<std::size_t> use;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const double x = m[i] / f.sqrt_s;
        if (y[i] > 0 && sigma[i] > 0 && x > 0 && x < 1) use.push_back(i);
    }
    if (use.size() >= n) {
        xt::xtensor<double, 2> A = xt::zeros<double>({use.size(), n});
        xt::xtensor<double, 1> b = xt::zeros<double>({use.size()});
        for (std::size_t k = 0; k < use.size(); ++k) {
            const std::size_t i = use[k];
            const double x = m[i] / f.sqrt_s, w = y[i] / sigma[i], lx = std::log(x);
            A(k, 0) = w;
            A(k, 1) = w * std::log1p(-x);
            A(k, 2) = -w * lx;
            if (n == 4) A(k, 3) = -w * lx * lx;
            b(k) = w * std::log(y[i]);
        }
        try {
            auto sol = xt::linalg::lstsq(A, b);
            const auto& c = std::get<0>(sol);
            const int rank = int(std::get<2>(sol));
            bool finite = rank == int(n);
            for (std::size_t j = 0; j < n; ++j) finite = finite && std::isfinite(c(j));
            if (finite)
                for (std::size_t j = 1; j < n; ++j) p[j] = c(j);
        } catch (const std::exception&) {
            // keep the fallback shape
        }
    }
    // p1 for this shape: minimise sum ((y - p1 g) / sigma)^2, linear in p1.
    std::vector<double> grad(n);
    double num = 0, den = 0;
    p[0] = 1;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const double g = f(m[i], p.data(), grad.data());
        if (!std::isfinite(g) || !(sigma[i] > 0)) continue;
        num += y[i] * g / (sigma[i] * sigma[i]);
        den += g * g / (sigma[i] * sigma[i]);
    }
    p[0] = den > 0 && num > 0 ? num / den : 1.0;
    return p;
}

double dijet_bin_count(const dijet_function& f, const std::vector<double>& p, double lo, double hi, double per,
                       bin_count_rule rule, double* grad) {
    const std::size_t n = f.npar();
    std::vector<double> g(n);
    const double width = hi - lo;
    if (rule == bin_count_rule::centre_times_width) {
        const double v = f(0.5 * (lo + hi), p.data(), g.data());
        if (grad)
            for (std::size_t j = 0; j < n; ++j) grad[j] = g[j] * width / per;
        return v * width / per;
    }
    // 8-point Gauss-Legendre nodes and weights on [-1, 1]
    static const double node[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
    static const double wt[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
    const double mid = 0.5 * (lo + hi), half = 0.5 * width;
    double s = 0;
    if (grad) std::fill(grad, grad + n, 0.0);
    for (int k = 0; k < 4; ++k)
        for (int sign = -1; sign <= 1; sign += 2) {
            const double v = f(mid + sign * half * node[k], p.data(), g.data());
            s += wt[k] * v;
            if (grad)
                for (std::size_t j = 0; j < n; ++j) grad[j] += wt[k] * g[j] * half / per;
        }
    return s * half / per;
}

background_prediction predict_background(const histogram& h, const signal_region& sr, const background_fit_options& opt) {
    if (sr.bins == 0 || sr.first < sr.sideband || sr.high_end() > h.size())
        throw usage_error("signal region " + sr.description() + " does not fit in the histogram's " +
                          std::to_string(h.size()) + " bins");
    background_prediction bp;
    const dijet_function& f = opt.function;
    const std::size_t npar = f.npar(), nb = h.size();
    bp.bin_expected.assign(nb, std::numeric_limits<double>::quiet_NaN());
    bp.bin_sigma = bp.bin_expected;
    for (std::size_t b = 0; b < nb; ++b) {
        if (sr.contains(b)) {
            bp.observed += h.sumw[b];
            continue;
        }
        if (opt.sidebands_only && !sr.in_window(b)) continue;
        bp.fit_bins.push_back(b);
        bp.fit_events += h.sumw[b];
    }
    const auto dens = densities(h, opt.per), derr = density_errors(h, opt.per, opt.sigma_offset);
    std::vector<double> x, y, s;
    std::size_t nonempty = 0;
    for (auto b : bp.fit_bins) {
        x.push_back(h.centre(b));
        y.push_back(dens[b]);
        s.push_back(derr[b]);
        nonempty += h.sumw[b] > 0;
    }
    const std::string where = opt.sidebands_only ? "in the sidebands" : "outside the signal region";
    if (bp.fit_bins.size() < npar + 1) {
        bp.reason = std::to_string(bp.fit_bins.size()) + " bins " + where + ", need at least " + std::to_string(npar + 1) +
                    " for " + std::to_string(npar) + " parameters";
        return bp;
    }
    if (nonempty < npar || bp.fit_events < opt.min_fit_events) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%.6g events in %zu non-empty bins %s, need at least %.6g events in %zu bins",
                      bp.fit_events, nonempty, where.c_str(), opt.min_fit_events, npar);
        bp.reason = buf;
        return bp;
    }
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!(s[i] > 0) || !std::isfinite(s[i])) {
            bp.reason = "bin " + std::to_string(bp.fit_bins[i]) + " has no uncertainty (use a density error offset > 0)";
            return bp;
        }
    const std::vector<double> p0 = dijet_start(f, x, y, s);
    bp.fit = fit_least_squares(f.model(), x, y, s, p0, opt.lsq);
    if (!bp.fit.converged) {
        bp.reason = bp.fit.reason;
        return bp;
    }
    // Predictions and their uncertainties: J C J^T, J rows = gradients of the bin counts.
    std::vector<double> jac(nb * npar), jsr(npar, 0.0);
    for (std::size_t b = 0; b < nb; ++b) {
        bp.bin_expected[b] = dijet_bin_count(f, bp.fit.par, h.edges[b], h.edges[b + 1], opt.per, opt.rule, &jac[b * npar]);
        if (sr.contains(b)) {
            bp.expected += bp.bin_expected[b];
            for (std::size_t j = 0; j < npar; ++j) jsr[j] += jac[b * npar + j];
        }
    }
    const auto cb = propagate_covariance(jac, nb, bp.fit.cov, npar);
    for (std::size_t b = 0; b < nb; ++b) bp.bin_sigma[b] = std::sqrt(std::max(0.0, cb[b * nb + b]));
    bp.sigma = std::sqrt(std::max(0.0, propagate_covariance(jsr, 1, bp.fit.cov, npar)[0]));
    if (!std::isfinite(bp.expected) || !std::isfinite(bp.sigma)) {
        bp.reason = "the fitted function is not finite in the signal region";
        return bp;
    }
    bp.ok = true;
    return bp;
}

}  // namespace jetml::stats
