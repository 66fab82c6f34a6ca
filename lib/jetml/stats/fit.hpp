// SPDX-License-Identifier: MIT
// jetml/stats/fit.hpp - weighted nonlinear least squares (Levenberg-Marquardt) with the
// parameter covariance of scipy's curve_fit(absolute_sigma=True): C = (J^T W J)^-1 at the
// minimum, W = diag(1 / sigma^2), J the model's derivatives wrt the parameters.
//
// Built for curves like the dijet function whose parameters span many orders of magnitude:
// the step is taken in parameters scaled by the Jacobian's column norms (Marquardt's diagonal
// scaling, kept at the largest norms seen, as MINPACK does), so the fit does not depend on the
// units of each parameter; every step comes from an SVD of the scaled, weighted Jacobian
// (LAPACK through xtensor-blas), which also gives the covariance and detects parameters the
// data do not constrain.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace jetml::stats {

/// A model y = f(x; p). eval returns f and, when grad is not null, writes df/dp_j to grad[j]
/// (npar values). It must be deterministic; it may return a non-finite value where p is
/// unphysical (the fit then rejects the step).
struct fit_model {
    std::size_t npar = 0;
    std::function<double(double x, const double* p, double* grad)> eval;
};

/// Stopping rules of fit_least_squares.
struct lsq_options {
    int max_iterations = 500;     ///< accepted or rejected LM steps before giving up
    double ftol = 1e-14;          ///< relative chi^2 decrease below which an accepted step counts as converged
    double xtol = 1e-12;          ///< relative parameter change (scaled) below which a step counts as converged
    double gtol = 1e-12;          ///< converged when the scaled gradient's largest cosine with the residuals is below this
    double lambda0 = 1e-3;        ///< initial damping, relative to the largest squared singular value
    double rcond = 1e-14;         ///< singular values below rcond * the largest make the fit degenerate
};

/// Result of a fit. With converged false, `reason` says why in a phrase a tool can print
/// ("did not converge in 500 iterations (chi2 = 12.3)"); par then holds the best point found.
struct lsq_result {
    std::vector<double> par;   ///< fitted parameters
    std::vector<double> cov;   ///< npar x npar covariance, row major; absolute_sigma semantics
    double chi2 = 0;           ///< sum ((y - f) / sigma)^2 at par
    int ndf = 0;               ///< points - parameters
    int iterations = 0;        ///< LM iterations used (each one SVD)
    int evaluations = 0;       ///< model evaluations over all points (chi^2 computations)
    bool converged = false;
    std::string reason;        ///< empty when converged; else why not
    std::size_t npar() const { return par.size(); }
    double covariance(std::size_t i, std::size_t j) const { return cov[i * par.size() + j]; }
    double error(std::size_t i) const;                 ///< sqrt(cov_ii)
    double chi2_per_ndf() const { return ndf > 0 ? chi2 / ndf : 0.0; }
};

/// Minimises chi^2 = sum_i ((y_i - f(x_i; p)) / sigma_i)^2 from start p0. Needs at least npar
/// points with sigma_i > 0 and finite x, y (jetml::error otherwise). The covariance is computed at the
/// returned parameters; when the Jacobian there is rank deficient, converged is false and the
/// reason names the unconstrained direction's largest parameter.
lsq_result fit_least_squares(const fit_model& model, const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>& sigma, std::vector<double> p0, const lsq_options& opt = {});

/// Covariance J C J^T of derived values g_k(p) from their Jacobian rows (nout x npar, row
/// major) and the parameter covariance (npar x npar): nout x nout, row major.
std::vector<double> propagate_covariance(const std::vector<double>& jac, std::size_t nout, const std::vector<double>& cov,
                                         std::size_t npar);

/// Upper-tail probability of chi^2 with ndf degrees of freedom (the goodness-of-fit p-value),
/// Q(ndf/2, chi2/2) by series or continued fraction.
double chi2_sf(double chi2, int ndf);

}  // namespace jetml::stats
