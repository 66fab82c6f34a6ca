// SPDX-License-Identifier: MIT
// Unit tests for jetml/stats/fit: Levenberg-Marquardt against closed forms (linear least
// squares), the covariance (J^T W J)^-1, failure reasons, chi^2 tail probabilities.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/stats/fit.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
fit_model line() {
    fit_model m;
    m.npar = 2;
    m.eval = [](double x, const double* p, double* g) {
        if (g) g[0] = 1, g[1] = x;
        return p[0] + p[1] * x;
    };
    return m;
}
fit_model exponential() {  // a exp(-x / t): nonlinear in t
    fit_model m;
    m.npar = 2;
    m.eval = [](double x, const double* p, double* g) {
        const double e = std::exp(-x / p[1]);
        if (g) g[0] = e, g[1] = p[0] * e * x / (p[1] * p[1]);
        return p[0] * e;
    };
    return m;
}
}  // namespace

TEST_CASE("fit: a weighted straight line equals the closed-form weighted least squares") {
    const std::vector<double> x = {0, 1, 2, 3, 4}, y = {1.1, 2.9, 5.2, 7.1, 8.8}, s = {0.1, 0.2, 0.1, 0.3, 0.2};
    // normal equations by hand: S = sum w, Sx, Sxx, Sy, Sxy with w = 1/s^2
    double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
    for (int i = 0; i < 5; ++i) {
        const double w = 1 / (s[i] * s[i]);
        S += w, Sx += w * x[i], Sxx += w * x[i] * x[i], Sy += w * y[i], Sxy += w * x[i] * y[i];
    }
    const double D = S * Sxx - Sx * Sx;
    const double a = (Sxx * Sy - Sx * Sxy) / D, b = (S * Sxy - Sx * Sy) / D;
    auto r = fit_least_squares(line(), x, y, s, {0, 0});
    REQUIRE(r.converged);
    CHECK(r.reason.empty());
    // 1e-12: the SVD solution and the normal equations differ by rounding only
    CHECK(r.par[0] == doctest::Approx(a).epsilon(1e-12));
    CHECK(r.par[1] == doctest::Approx(b).epsilon(1e-12));
    CHECK(r.covariance(0, 0) == doctest::Approx(Sxx / D).epsilon(1e-12));
    CHECK(r.covariance(1, 1) == doctest::Approx(S / D).epsilon(1e-12));
    CHECK(r.covariance(0, 1) == doctest::Approx(-Sx / D).epsilon(1e-12));
    CHECK(r.covariance(1, 0) == r.covariance(0, 1));
    double chi2 = 0;
    for (int i = 0; i < 5; ++i) chi2 += std::pow((y[i] - a - b * x[i]) / s[i], 2);
    CHECK(r.chi2 == doctest::Approx(chi2).epsilon(1e-10));
    CHECK(r.ndf == 3);
    CHECK(r.error(1) == doctest::Approx(std::sqrt(S / D)).epsilon(1e-12));
}

TEST_CASE("fit: an exponential decay with parameters 1e6 apart recovers noiseless truth from far away") {
    std::vector<double> x, y, s;
    for (int i = 0; i < 20; ++i) {
        x.push_back(i * 1e-6);
        y.push_back(3e5 * std::exp(-x.back() / 4e-6));
        s.push_back(0.01 * y.back() + 1);
    }
    auto r = fit_least_squares(exponential(), x, y, s, {1e3, 1e-5});
    REQUIRE(r.converged);
    CHECK(r.par[0] == doctest::Approx(3e5).epsilon(1e-10));
    CHECK(r.par[1] == doctest::Approx(4e-6).epsilon(1e-10));
    CHECK(r.chi2 < 1e-15);
}

TEST_CASE("fit: the covariance has curve_fit's absolute_sigma meaning: the spread of refits on noise") {
    // 400 noisy replicas of the exponential: the sample covariance of the fitted parameters must
    // match the reported covariance (statistical test: 400 replicas give ~7 % on a variance;
    // 25 % is > 3 standard deviations)
    const double a = 100, t = 2;
    std::vector<double> x, s;
    for (int i = 0; i < 15; ++i) x.push_back(0.4 * i), s.push_back(1.5);
    double m0 = 0, m1 = 0, v0 = 0, v1 = 0;
    const int R = 400;
    std::vector<double> c;
    for (int k = 0; k < R; ++k) {
        rng g(11, k);
        std::vector<double> y;
        for (double xi : x) y.push_back(a * std::exp(-xi / t) + 1.5 * g.normal());
        auto r = fit_least_squares(exponential(), x, y, s, {50, 1});
        REQUIRE(r.converged);
        m0 += r.par[0], m1 += r.par[1], v0 += r.par[0] * r.par[0], v1 += r.par[1] * r.par[1];
        if (k == 0) c = r.cov;
    }
    m0 /= R, m1 /= R;
    v0 = v0 / R - m0 * m0, v1 = v1 / R - m1 * m1;
    CHECK(v0 == doctest::Approx(c[0]).epsilon(0.25));
    CHECK(v1 == doctest::Approx(c[3]).epsilon(0.25));
}

TEST_CASE("fit: failures come back with a reason instead of a wrong answer") {
    const std::vector<double> x = {1, 2, 3, 4}, y = {2, 4, 6, 8}, s = {1, 1, 1, 1};
    SUBCASE("a parameter the data do not constrain") {
        fit_model m;
        m.npar = 2;
        m.eval = [](double xx, const double* p, double* g) {  // (p0 + p1) x: only the sum matters
            if (g) g[0] = xx, g[1] = xx;
            return (p[0] + p[1]) * xx;
        };
        auto r = fit_least_squares(m, x, y, s, {0.5, 0.5});
        CHECK(!r.converged);
        CHECK(r.reason.find("not constrained by the data") != std::string::npos);
    }
    SUBCASE("too few iterations") {
        lsq_options o;
        o.max_iterations = 1;
        auto r = fit_least_squares(exponential(), x, y, s, {1, 1}, o);
        CHECK(!r.converged);
        CHECK(r.reason.find("did not converge in 1 iterations") == 0);
    }
    SUBCASE("a model that is not finite at the start") {
        fit_model m = line();
        m.eval = [](double, const double* p, double*) { return std::log(p[0]); };
        auto r = fit_least_squares(m, x, y, s, {-1, 0});
        CHECK(!r.converged);
        CHECK(r.reason == "the model is not finite at the starting values");
    }
    CHECK_THROWS_AS(fit_least_squares(line(), {1}, {1}, {1}, {0, 0}), error);
    CHECK_THROWS_AS(fit_least_squares(line(), x, y, {1, 0, 1, 1}, {0, 0}), error);
    CHECK_THROWS_AS(fit_least_squares(line(), x, y, s, {0}), error);
}

TEST_CASE("fit: J C J^T by hand and chi2 tail probabilities") {
    // g = (p0 + p1, 2 p0): J = [[1, 1], [2, 0]], C = [[4, 1], [1, 9]]
    auto v = propagate_covariance({1, 1, 2, 0}, 2, {4, 1, 1, 9}, 2);
    CHECK(v == std::vector<double>{15, 10, 10, 16});
    // scipy.stats.chi2.sf: (3.84, 1) -> 0.05004352124870519, (10, 10) -> 0.44049328506521257,
    // (30, 12) -> 0.0027924293327009145, ndf 2: exp(-chi2/2)
    CHECK(chi2_sf(3.84, 1) == doctest::Approx(0.05004352124870519).epsilon(1e-12));
    CHECK(chi2_sf(10, 10) == doctest::Approx(0.44049328506521257).epsilon(1e-12));
    CHECK(chi2_sf(30, 12) == doctest::Approx(0.0027924293327009145).epsilon(1e-10));
    CHECK(chi2_sf(7, 2) == doctest::Approx(std::exp(-3.5)).epsilon(1e-13));
    CHECK(chi2_sf(0, 4) == 1.0);
}
