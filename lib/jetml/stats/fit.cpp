// SPDX-License-Identifier: MIT
// jetml/stats/fit.cpp - Levenberg-Marquardt on an SVD of the scaled, weighted Jacobian.
//
// With residuals r_i = (y_i - f_i) / sigma_i and J_ij = (df_i/dp_j) / sigma_i, the columns of J
// are divided by scales d_j (the largest column norms seen so far), J_s = J diag(1/d) = U S V^T,
// and the damped step in scaled parameters is V diag(s / (s^2 + lambda)) U^T r: lambda = 0 is
// Gauss-Newton, large lambda a short gradient step. lambda shrinks after a step that lowers
// chi^2 and grows after one that does not. Near the minimum the last steps are pure
// Gauss-Newton, which is what pins the parameters down to rounding. The covariance at the end is
// diag(1/d) V diag(1/s^2) V^T diag(1/d) = (J^T J)^-1, curve_fit's pcov with absolute_sigma.
#include "jetml/stats/fit.hpp"

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"

namespace jetml::stats {

namespace {

std::string fmt(const char* f, double v) { return format_number(f, v); }

struct problem {
    const fit_model& m;
    const std::vector<double>& x;
    const std::vector<double>& y;
    std::vector<double> w;  // 1 / sigma
    int evaluations = 0;

    // chi^2 at p (inf when the model is not finite somewhere).
    double chi2(const std::vector<double>& p) {
        ++evaluations;
        double s = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double r = (y[i] - m.eval(x[i], p.data(), nullptr)) * w[i];
            s += r * r;
        }
        return std::isfinite(s) ? s : std::numeric_limits<double>::infinity();
    }
    // Residuals r and weighted Jacobian J (rows points, columns parameters); false when not finite.
    bool linearise(const std::vector<double>& p, std::vector<double>& r, xt::xtensor<double, 2>& J) {
        const std::size_t n = m.npar;
        std::vector<double> g(n);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double f = m.eval(x[i], p.data(), g.data());
            r[i] = (y[i] - f) * w[i];
            if (!std::isfinite(r[i])) return false;
            for (std::size_t j = 0; j < n; ++j) {
                J(i, j) = g[j] * w[i];
                if (!std::isfinite(J(i, j))) return false;
            }
        }
        return true;
    }
};

struct svd_t {
    xt::xtensor<double, 2> U, Vt;
    xt::xtensor<double, 1> s;
};

svd_t svd_of(const xt::xtensor<double, 2>& A) {
    auto t = xt::linalg::svd(A, false, true);
    svd_t r;
    r.U = std::get<0>(t);
    r.s = std::get<1>(t);
    r.Vt = std::get<2>(t);
    return r;
}

}  // namespace

double lsq_result::error(std::size_t i) const { return std::sqrt(cov[i * par.size() + i]); }

lsq_result fit_least_squares(const fit_model& model, const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>& sigma, std::vector<double> p, const lsq_options& opt) {
    const std::size_t n = model.npar, m = x.size();
    if (!model.eval || n == 0) throw error("fit: the model has no parameters");
    if (p.size() != n)
        throw error("fit: " + std::to_string(p.size()) + " starting values for " + std::to_string(n) + " parameters");
    if (y.size() != m || sigma.size() != m)
        throw error("fit: x, y and sigma have different lengths (" + std::to_string(m) + ", " + std::to_string(y.size()) +
                    ", " + std::to_string(sigma.size()) + ")");
    if (m < n)
        throw error("fit: " + std::to_string(m) + " points cannot constrain " + std::to_string(n) + " parameters");
    problem pr{model, x, y, std::vector<double>(m)};
    for (std::size_t i = 0; i < m; ++i) {
        if (!(sigma[i] > 0) || !std::isfinite(sigma[i]))
            throw error("fit: sigma of point " + std::to_string(i) + " is " + fmt("%g", sigma[i]) + ", expected > 0");
        if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
            throw error("fit: point " + std::to_string(i) + " is not finite");
        pr.w[i] = 1.0 / sigma[i];
    }
    for (std::size_t j = 0; j < n; ++j)
        if (!std::isfinite(p[j])) throw error("fit: starting value of parameter " + std::to_string(j) + " is not finite");

    lsq_result res;
    res.ndf = int(m) - int(n);
    std::vector<double> r(m), d(n, 0.0), pn(n), g(n), a(n);
    xt::xtensor<double, 2> J = xt::zeros<double>({m, n});
    double chi2 = pr.chi2(p);
    if (!std::isfinite(chi2) || !pr.linearise(p, r, J)) {
        res.par = p;
        res.chi2 = chi2;
        res.cov.assign(n * n, std::numeric_limits<double>::quiet_NaN());
        res.reason = "the model is not finite at the starting values";
        return res;
    }
    double lambda = -1;
    int polish = 0;  // Gauss-Newton steps taken after a convergence test passed
    bool done = false;
    std::string why;
    while (!done) {
        if (res.iterations >= opt.max_iterations) {
            why = "did not converge in " + std::to_string(opt.max_iterations) + " iterations (chi2 = " + fmt("%.6g", chi2) + ")";
            break;
        }
        ++res.iterations;
        for (std::size_t j = 0; j < n; ++j) {
            double c = 0;
            for (std::size_t i = 0; i < m; ++i) c += J(i, j) * J(i, j);
            d[j] = std::max(d[j], std::sqrt(c));
            if (!(d[j] > 0)) d[j] = 1;  // a flat direction: the SVD below reports it
        }
        xt::xtensor<double, 2> Js = J;
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) Js(i, j) /= d[j];
        svd_t sv = svd_of(Js);
        const double smax = sv.s(0);
        if (!(smax > 0)) {
            why = "the model does not depend on its parameters here (zero Jacobian)";
            break;
        }
        for (std::size_t k = 0; k < n; ++k) {
            double t = 0;
            for (std::size_t i = 0; i < m; ++i) t += sv.U(i, k) * r[i];
            g[k] = t;
        }
        // Gradient test: the scaled gradient J_s^T r is V S g; its components relative to |r|.
        double rn = 0, gmax = 0, pnorm = 0;
        for (double v : r) rn += v * v;
        rn = std::sqrt(rn);
        for (std::size_t j = 0; j < n; ++j) {
            double t = 0;
            for (std::size_t k = 0; k < n; ++k) t += sv.Vt(k, j) * sv.s(k) * g[k];
            gmax = std::max(gmax, std::fabs(t));
            pnorm += (d[j] * p[j]) * (d[j] * p[j]);
        }
        pnorm = std::sqrt(pnorm);
        if (rn == 0 || gmax <= opt.gtol * rn) {
            done = true;
            break;
        }
        if (lambda < 0) lambda = opt.lambda0 * smax * smax;
        const bool full_rank = sv.s(n - 1) > opt.rcond * smax;
        // Try steps until one lowers chi^2 (or lambda runs away).
        for (;;) {
            const double lam = polish && full_rank ? 0.0 : lambda;
            double pred = 0, step2 = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const double s = sv.s(k);
                a[k] = (s > opt.rcond * smax) ? s * g[k] / (s * s + lam) : 0.0;
                pred += 2 * s * g[k] * a[k] - s * s * a[k] * a[k];
            }
            for (std::size_t j = 0; j < n; ++j) {
                double t = 0;
                for (std::size_t k = 0; k < n; ++k) t += sv.Vt(k, j) * a[k];
                step2 += t * t;
                pn[j] = p[j] + t / d[j];
            }
            const double cn = pr.chi2(pn);
            if (cn <= chi2) {
                const double actual = chi2 - cn;
                const bool small_f = actual <= opt.ftol * cn && pred <= opt.ftol * cn;
                const bool small_x = std::sqrt(step2) <= opt.xtol * (pnorm + opt.xtol);
                p = pn;
                chi2 = cn;
                if (!pr.linearise(p, r, J)) {
                    why = "the model's derivatives are not finite at p";
                    done = false;
                    goto out;
                }
                lambda = std::max(lambda * 0.3, 1e-30 * smax * smax);
                if (small_f || small_x || polish) {
                    // Converged by a step test; finish with Gauss-Newton steps until they stop helping.
                    if (polish >= 3 || actual == 0) done = true;
                    ++polish;
                }
                break;
            }
            if (polish) {  // a Gauss-Newton polish step did not help: the minimum is reached
                done = true;
                break;
            }
            lambda *= 10;
            if (lambda > 1e30 * smax * smax) {
                if (gmax <= 1e-8 * rn) done = true;  // no lower chi^2 within rounding: a minimum
                else why = "no step lowers chi2 (" + fmt("%.6g", chi2) + ") from here; try other starting values";
                goto out;
            }
        }
    }
out:
    res.par = p;
    res.chi2 = chi2;
    res.evaluations = pr.evaluations;
    res.cov.assign(n * n, std::numeric_limits<double>::quiet_NaN());
    if (!pr.linearise(p, r, J)) {
        res.reason = why.empty() ? "the model's derivatives are not finite at the fitted parameters" : why;
        return res;
    }
    // Covariance at the result, scaled by the current column norms for conditioning.
    for (std::size_t j = 0; j < n; ++j) {
        double c = 0;
        for (std::size_t i = 0; i < m; ++i) c += J(i, j) * J(i, j);
        d[j] = c > 0 ? std::sqrt(c) : 1.0;
    }
    xt::xtensor<double, 2> Js = J;
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) Js(i, j) /= d[j];
    svd_t sv = svd_of(Js);
    if (!(sv.s(n - 1) > opt.rcond * sv.s(0))) {
        std::size_t worst = 0;
        for (std::size_t j = 1; j < n; ++j)
            if (std::fabs(sv.Vt(n - 1, j)) > std::fabs(sv.Vt(n - 1, worst))) worst = j;
        res.reason = "parameter " + std::to_string(worst + 1) + " is not constrained by the data (singular Jacobian)";
        return res;
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double c = 0;
            for (std::size_t k = 0; k < n; ++k) c += sv.Vt(k, i) * sv.Vt(k, j) / (sv.s(k) * sv.s(k));
            res.cov[i * n + j] = c / (d[i] * d[j]);
        }
    res.converged = done && why.empty();
    res.reason = res.converged ? "" : why;
    return res;
}

std::vector<double> propagate_covariance(const std::vector<double>& jac, std::size_t nout, const std::vector<double>& cov,
                                         std::size_t npar) {
    if (jac.size() != nout * npar || cov.size() != npar * npar) throw error("propagate_covariance: shapes do not match");
    std::vector<double> t(nout * npar, 0.0), out(nout * nout, 0.0);
    for (std::size_t a = 0; a < nout; ++a)
        for (std::size_t j = 0; j < npar; ++j) {
            double s = 0;
            for (std::size_t i = 0; i < npar; ++i) s += jac[a * npar + i] * cov[i * npar + j];
            t[a * npar + j] = s;
        }
    for (std::size_t a = 0; a < nout; ++a)
        for (std::size_t b = 0; b < nout; ++b) {
            double s = 0;
            for (std::size_t j = 0; j < npar; ++j) s += t[a * npar + j] * jac[b * npar + j];
            out[a * nout + b] = s;
        }
    return out;
}

double chi2_sf(double chi2, int ndf) {
    if (ndf <= 0) return std::numeric_limits<double>::quiet_NaN();
    if (!(chi2 > 0)) return 1.0;
    const double a = 0.5 * ndf, x = 0.5 * chi2;
    const double lg = std::lgamma(a);
    if (x < a + 1) {  // series for P(a, x), then Q = 1 - P
        double term = 1.0 / a, sum = term;
        for (int k = 1; k < 100000; ++k) {
            term *= x / (a + k);
            sum += term;
            if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
        }
        return 1.0 - sum * std::exp(-x + a * std::log(x) - lg);
    }
    // Lentz's continued fraction for Q(a, x)
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd;
    for (int i = 1; i < 100000; ++i) {
        const double an = -i * (i - a);
        b += 2;
        dd = an * dd + b;
        if (std::fabs(dd) < tiny) dd = tiny;
        c = b + an / c;
        if (std::fabs(c) < tiny) c = tiny;
        dd = 1 / dd;
        const double del = dd * c;
        h *= del;
        if (std::fabs(del - 1) < 1e-16) break;
    }
    return std::exp(-x + a * std::log(x) - lg) * h;
}

}  // namespace jetml::stats
