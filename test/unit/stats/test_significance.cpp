// SPDX-License-Identifier: MIT
// Unit tests for jetml/stats/significance: closed forms, an independent numeric profile, tails.
#include <doctest/doctest.h>

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/stats/significance.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
// -ln L of the Gaussian-constrained model at mu = 0 as a function of theta.
double nll0(double th, double n, double b, double s) {
    const double l = b + th;
    return -(n * std::log(l) - l) + 0.5 * th * th / (s * s);
}
// q0 by golden-section minimisation over theta (independent of the closed form).
double q0_golden(double n, double b, double s) {
    double lo = -b * (1 - 1e-12), hi = n + 20 * s;
    const double g = 0.5 * (std::sqrt(5.0) - 1);
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    for (int i = 0; i < 300; ++i) {
        if (nll0(c, n, b, s) < nll0(d, n, b, s)) hi = d;
        else lo = c;
        c = hi - g * (hi - lo);
        d = lo + g * (hi - lo);
    }
    const double best = -(n * std::log(n) - n);  // mu = n - b, theta = 0
    return 2 * (nll0(0.5 * (lo + hi), n, b, s) - best);
}
}  // namespace

TEST_CASE("significance: with sigma_b = 0, Z = sqrt(2((s+b) ln(1+s/b) - s)) for n = s + b") {
    const double cases[][2] = {{10, 100}, {50, 1000}, {5, 1}, {1e4, 1e6}, {0.3, 2}};
    for (auto& c : cases) {
        const double s = c[0], b = c[1];
        const double want = std::sqrt(2 * ((s + b) * std::log1p(s / b) - s));
        // 1e-13: a few roundings of the log and sqrt
        CHECK(profile_significance(s + b, b, 0).z == doctest::Approx(want).epsilon(1e-13));
        CHECK(z_poisson(s + b, b) == doctest::Approx(want).epsilon(1e-13));
        CHECK(onoff_significance(s + b, b, 0).z == doctest::Approx(want).epsilon(1e-13));
        CHECK(z_asimov_onoff(s, b, 0) == doctest::Approx(want).epsilon(1e-13));
    }
    // s << b: Z -> s / sqrt(b); a tiny excess keeps its precision (no cancellation)
    CHECK(z_poisson(1e6 + 1, 1e6) == doctest::Approx(1e-3).epsilon(1e-6));
}

TEST_CASE("significance: sigma_b -> 0 approaches the Poisson case continuously") {
    const double z0 = profile_significance(150, 100, 0).z;
    CHECK(profile_significance(150, 100, 1e-6).z == doctest::Approx(z0).epsilon(1e-10));
    CHECK(profile_significance(150, 100, 1).z < z0);  // an uncertain background lowers Z
    CHECK(profile_significance(150, 100, 10).z < profile_significance(150, 100, 1).z);
}

TEST_CASE("significance: the closed-form Gaussian profile equals a golden-section profile") {
    const double cases[][3] = {{130, 100, 10}, {1200, 1000, 80}, {25, 10, 4}, {12.5, 3.2, 2}, {3, 0.5, 0.4},
                               {2000, 100, 300}, {101, 100, 50}};
    for (auto& c : cases) {
        const auto r = profile_significance(c[0], c[1], c[2]);
        const double q = q0_golden(c[0], c[1], c[2]);
        // the golden section stops at ~1e-16 relative width in theta; NLL is flat there, so q0
        // agrees to ~1e-9 of n (rounding of the NLL sums)
        CHECK(r.q0 == doctest::Approx(q).epsilon(1e-8));
        CHECK(r.lambda0 > c[1]);  // the background is pulled up towards n
        CHECK(r.lambda0 < c[0]);
        CHECK(r.mu_hat == c[0] - c[1]);
    }
}

TEST_CASE("significance: the on/off profile is Cowan's closed form") {
    const double cases[][3] = {{130, 100, 10}, {1200, 1000, 80}, {25, 10, 4}, {3, 0.5, 0.4}};
    for (auto& c : cases) {
        const double n = c[0], b = c[1], s = c[2];
        const double cow = std::sqrt(2 * (n * std::log(n * (b + s * s) / (b * b + n * s * s)) -
                                          b * b / (s * s) * std::log(1 + s * s * (n - b) / (b * (b + s * s)))));
        CHECK(onoff_significance(n, b, s).z == doctest::Approx(cow).epsilon(1e-11));
        CHECK(z_asimov_onoff(n - b, b, s) == doctest::Approx(cow).epsilon(1e-11));
    }
    // the two models agree when sigma_b << sqrt(b) (1.3 % here) and not when sigma_b is large
    CHECK(profile_significance(1100, 1000, 3).z == doctest::Approx(onoff_significance(1100, 1000, 3).z).epsilon(2e-3));
    CHECK(std::fabs(profile_significance(25, 10, 8).z - onoff_significance(25, 10, 8).z) > 0.05);
}

TEST_CASE("significance: deficits and n = b give Z = 0 and p0 = 0.5") {
    for (double s : {0.0, 1.0, 30.0}) {
        auto r = profile_significance(90, 100, s);
        CHECK(r.z == 0);
        CHECK(r.q0 == 0);
        CHECK(r.p0 == 0.5);
        CHECK(r.mu_hat == 0);
        CHECK(profile_significance(100, 100, s).z == 0);
        CHECK(onoff_significance(0, 100, s).z == 0);
    }
    CHECK_THROWS_AS(profile_significance(-1, 100, 1), error);
    CHECK_THROWS_AS(profile_significance(10, 0, 1), error);
    CHECK_THROWS_AS(profile_significance(10, 5, -1), error);
    CHECK_THROWS_AS(profile_significance(10, 5, std::nan("")), error);
}

TEST_CASE("significance: normal tail probabilities by hand and in the far tail") {
    CHECK(normal_sf(0) == 0.5);
    // 1 - Phi(1) = 0.15865525393145707, Phi(-1.96) etc. (scipy.stats.norm.sf)
    CHECK(normal_sf(1) == doctest::Approx(0.15865525393145707).epsilon(1e-15));
    CHECK(normal_sf(5) == doctest::Approx(2.866515718791933e-07).epsilon(1e-14));
    CHECK(normal_sf(30) == doctest::Approx(4.906713927147908e-198).epsilon(1e-12));
    for (double z : {-2.0, 0.0, 0.5, 1.0, 3.0, 5.0, 8.0, 20.0}) CHECK(normal_isf(normal_sf(z)) == doctest::Approx(z).epsilon(1e-12));
    CHECK(std::isnan(normal_isf(0)));
}
