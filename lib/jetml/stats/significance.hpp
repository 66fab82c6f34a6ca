// SPDX-License-Identifier: MIT
// jetml/stats/significance.hpp - discovery significance of a counting experiment with an
// uncertain background: the profile-likelihood-ratio statistic q0 and Z = sqrt(q0), p0 = 1 - Phi(Z)
// (Cowan, Cranmer, Gross, Vitells, 1007.1727, asymptotics).
//
// The likelihood of the CWoLa hunt's reference code (REFERENCE.md section 3.2): n observed,
// background b from the sideband fit with uncertainty sigma_b as a Gaussian-constrained nuisance,
//   -ln L(mu, theta) = -(n ln lambda - lambda) + theta^2 / (2 sigma_b^2),  lambda = b + theta + mu,
// signal strength mu >= 0 (counts). Both profiles are closed form: with mu free the best fit is
// mu = n - b, theta = 0; under mu = 0, d/dtheta = 0 is a quadratic in lambda whose positive root is
//   lambda0 = ((b - sigma^2) + sqrt((b - sigma^2)^2 + 4 n sigma^2)) / 2,
// so q0 = 2 (n ln(n / lambda0) - (n - lambda0) + (lambda0 - b)^2 / (2 sigma^2)) for n > b, else 0.
//
// Also the on/off (Poisson-constrained) model, whose Asimov value is Cowan's often-quoted
// formula Z = sqrt(2 ((s+b) ln((s+b)(b+s^2)/(b^2+(s+b)s^2)) - b^2/s^2 ln(1 + s^2 s/(b(b+s^2))))),
// written with sigma for the second s. Note: that formula is NOT the Gaussian-constrained model
// (it treats the background as measured in a control region with tau = b / sigma^2); the two
// agree when sigma_b << sqrt(b) and differ at large sigma_b.
#pragma once

namespace jetml::stats {

/// Result of a profile-likelihood significance.
struct significance_result {
    double q0 = 0;        ///< -2 ln(L(0, theta_hat_hat) / L(mu_hat, theta_hat)), 0 for a deficit
    double z = 0;         ///< sqrt(q0)
    double p0 = 0.5;      ///< 1 - Phi(z), from erfc so that it stays accurate far in the tail
    double mu_hat = 0;    ///< fitted signal count, max(n - b, 0)
    double lambda0 = 0;   ///< background expectation b + theta_hat_hat under mu = 0
};

/// Gaussian-constrained counting experiment: n >= 0 observed (may be non-integer, e.g.
/// weighted), b > 0 predicted background, sigma_b >= 0 its uncertainty (0 = known exactly, the
/// Poisson case). Throws jetml::error for negative or non-finite inputs or b <= 0.
significance_result profile_significance(double n, double b, double sigma_b);

/// On/off counting experiment: n ~ Pois(mu + beta) observed, m ~ Pois(tau beta) in a control
/// region with tau = b / sigma_b^2 and m = b^2 / sigma_b^2 (so that beta_hat = b with relative
/// uncertainty sigma_b / b); beta profiled in closed form. sigma_b = 0 is the Poisson case.
significance_result onoff_significance(double n, double b, double sigma_b);

/// Poisson discovery significance with a known background for n observed:
/// sqrt(2 (n ln(n / b) - (n - b))) for n > b, else 0. With n = s + b this is the Asimov
/// significance sqrt(2 ((s+b) ln(1 + s/b) - s)).
double z_poisson(double n, double b);

/// Cowan's closed-form Asimov significance with background uncertainty sigma_b (the on/off
/// model; equals onoff_significance(s + b, b, sigma_b).z). sigma_b = 0 gives z_poisson(s + b, b).
double z_asimov_onoff(double s, double b, double sigma_b);

/// Upper tail 1 - Phi(z) of the standard normal.
double normal_sf(double z);

/// Z such that normal_sf(Z) = p, for 0 < p < 1 (Newton on erfc from a rational first guess).
double normal_isf(double p);

}  // namespace jetml::stats
