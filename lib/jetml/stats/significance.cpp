// SPDX-License-Identifier: MIT
// jetml/stats/significance.cpp - closed-form profiles of the counting experiments.
#include "jetml/stats/significance.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "jetml/core/error.hpp"

namespace jetml::stats {

namespace {
void check_inputs(double n, double b, double sigma_b) {
    char buf[160];
    if (!(std::isfinite(n) && n >= 0)) {
        std::snprintf(buf, sizeof buf, "significance: observed count %g, expected a finite count >= 0", n);
        throw error(buf);
    }
    if (!(std::isfinite(b) && b > 0)) {
        std::snprintf(buf, sizeof buf, "significance: background %g, expected a finite value > 0", b);
        throw error(buf);
    }
    if (!(std::isfinite(sigma_b) && sigma_b >= 0)) {
        std::snprintf(buf, sizeof buf, "significance: background uncertainty %g, expected a finite value >= 0", sigma_b);
        throw error(buf);
    }
}

// n ln(n / l) - (n - l), accurate when n is close to l.
double poisson_term(double n, double l) {
    if (n == 0) return l;
    const double r = (n - l) / l;
    if (std::fabs(r) < 1e-4)  // n ln(1 + r) - r l with the log's series, to avoid cancellation
        return l * ((1 + r) * std::log1p(r) - r);
    return n * std::log(n / l) - (n - l);
}

significance_result finish(significance_result r) {
    if (r.q0 < 0) r.q0 = 0;  // rounding only: the unconstrained maximum is never below the constrained one
    r.z = std::sqrt(r.q0);
    r.p0 = normal_sf(r.z);
    return r;
}
}  // namespace

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double normal_isf(double p) {
    if (!(p > 0 && p < 1)) return std::nan("");
    if (p > 0.5) return -normal_isf(1 - p);
    // Abramowitz & Stegun 26.2.23 as the first guess (|error| < 4.5e-4), then Newton steps on
    // log(sf), which keep their accuracy far in the tail.
    const double t = std::sqrt(-2 * std::log(p));
    double z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    const double inv_sqrt_2pi = 0.39894228040143267794;
    for (int i = 0; i < 50; ++i) {
        const double s = normal_sf(z), pdf = inv_sqrt_2pi * std::exp(-0.5 * z * z);
        const double step = (std::log(s) - std::log(p)) * s / pdf;  // d log(sf) / dz = -pdf / sf
        z += step;
        if (std::fabs(step) < 1e-15 * (1 + std::fabs(z))) break;
    }
    return z;
}

double z_poisson(double n, double b) {
    check_inputs(n, b, 0);
    if (!(n > b)) return 0;
    return std::sqrt(2 * poisson_term(n, b));
}

significance_result profile_significance(double n, double b, double sigma_b) {
    check_inputs(n, b, sigma_b);
    significance_result r;
    r.mu_hat = n > b ? n - b : 0;
    r.lambda0 = b;
    if (!(n > b)) return finish(r);
    if (sigma_b == 0) {
        r.q0 = 2 * poisson_term(n, b);
        return finish(r);
    }
    const double s2 = sigma_b * sigma_b, c = b - s2, disc = std::sqrt(c * c + 4 * n * s2);
    // the positive root of lambda^2 - c lambda - n s2 = 0, without cancellation for either sign of c
    const double l0 = c >= 0 ? 0.5 * (c + disc) : 2 * n * s2 / (disc - c);
    r.lambda0 = l0;
    const double th = l0 - b;
    r.q0 = 2 * (poisson_term(n, l0) + th * th / (2 * s2));
    return finish(r);
}

significance_result onoff_significance(double n, double b, double sigma_b) {
    check_inputs(n, b, sigma_b);
    significance_result r;
    r.mu_hat = n > b ? n - b : 0;
    r.lambda0 = b;
    if (!(n > b)) return finish(r);
    if (sigma_b == 0) {
        r.q0 = 2 * poisson_term(n, b);
        return finish(r);
    }
    // -ln L = -(n ln(mu + beta) - mu - beta) - (m ln(tau beta) - tau beta); under mu = 0,
    // beta = (n + m) / (1 + tau). At the free maximum mu = n - m / tau, beta = m / tau = b.
    const double tau = b / (sigma_b * sigma_b), m = tau * b;
    const double beta0 = (n + m) / (1 + tau);
    r.lambda0 = beta0;
    r.q0 = 2 * (poisson_term(n, beta0) + poisson_term(m, tau * beta0));
    return finish(r);
}

double z_asimov_onoff(double s, double b, double sigma_b) {
    check_inputs(s + b, b, sigma_b);
    if (!(s > 0)) return 0;
    if (sigma_b == 0) return z_poisson(s + b, b);
    const double n = s + b, s2 = sigma_b * sigma_b;
    const double q = 2 * (n * std::log(n * (b + s2) / (b * b + n * s2)) - b * b / s2 * std::log1p(s2 * s / (b * (b + s2))));
    return std::sqrt(q > 0 ? q : 0);
}

}  // namespace jetml::stats
