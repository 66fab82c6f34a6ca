// SPDX-License-Identifier: MIT
// Unit tests for jetml/stats/dijet: the functions by hand, analytic derivatives against finite
// differences, starting values, and the SR background prediction with its J C J^T.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/stats/dijet.hpp"
#include "support.hpp"

using namespace jetml;
using namespace jetml::stats;

TEST_CASE("dijet: the 3- and 4-parameter functions by hand (x = mjj / 13 TeV)") {
    dijet_function f3;
    const double p3[] = {2.0, 8.0, 5.0};
    const double x = 3250.0 / 13000.0;  // 0.25
    CHECK(f3(3250, p3) == doctest::Approx(2.0 * std::pow(0.75, 8) * std::pow(0.25, -5)).epsilon(1e-14));
    dijet_function f4{dijet_form::four, 13000};
    const double p4[] = {2.0, 8.0, 5.0, 0.5};
    CHECK(f4(3250, p4) == doctest::Approx(2.0 * std::pow(0.75, 8) * std::pow(x, -(5 + 0.5 * std::log(x)))).epsilon(1e-14));
    CHECK(std::isnan(f3(13000, p3)));
    CHECK(std::isnan(f3(-5, p3)));
    dijet_function f8{dijet_form::three, 8000};  // sqrt(s) is a setting
    CHECK(f8(2000, p3) == doctest::Approx(2.0 * std::pow(0.75, 8) * std::pow(0.25, -5)).epsilon(1e-14));
    CHECK(parse_dijet_form("4") == dijet_form::four);
    CHECK_THROWS_AS(parse_dijet_form("5"), usage_error);
}

TEST_CASE("dijet: analytic derivatives match central differences") {
    // h = 1e-6 relative: truncation ~h^2 f''' and rounding ~eps/h, both below 1e-8 relative
    support::gradient_check chk{0, 1e-7};
    for (auto form : {dijet_form::three, dijet_form::four}) {
        dijet_function f{form, 13000};
        std::vector<double> p = {3e-3, 9.5, 4.7, 0.31};
        for (double m : {1800.0, 3000.0, 5200.0}) {
            std::vector<double> g(4);
            f(m, p.data(), g.data());
            for (std::size_t j = 0; j < f.npar(); ++j) {
                const double h = 1e-6 * std::fabs(p[j]);
                auto q = p;
                q[j] = p[j] + h;
                const double up = f(m, q.data());
                q[j] = p[j] - h;
                const double dn = f(m, q.data());
                chk("dp", j, (up - dn) / (2 * h), g[j]);
            }
        }
    }
    CHECK(chk.bad == 0);
}

TEST_CASE("dijet: the bin integral rule is exact against a closed form") {
    // p2 = 0: f = p1 x^-p3, integral over [lo, hi] in m = p1 s^p3 (lo^(1-p3) - hi^(1-p3)) / (p3 - 1)
    dijet_function f;
    const std::vector<double> p = {1e-3, 0.0, 4.0};
    std::vector<double> g(3);
    const double got = dijet_bin_count(f, p, 2000, 2600, 100, bin_count_rule::integral, g.data());
    const double want = 1e-3 * std::pow(13000.0, 4) * (std::pow(2000.0, -3) - std::pow(2600.0, -3)) / 3 / 100;
    CHECK(got == doctest::Approx(want).epsilon(1e-9));  // 8-point Gauss-Legendre on a smooth power law
    CHECK(g[0] == doctest::Approx(want / 1e-3).epsilon(1e-9));
    const double mid = dijet_bin_count(f, p, 2000, 2600, 100, bin_count_rule::centre_times_width, nullptr);
    CHECK(mid == doctest::Approx(f(2300, p.data()) * 6).epsilon(1e-14));
}

TEST_CASE("dijet: starting values of a noiseless spectrum are the truth (the log fit is exact)") {
    for (auto form : {dijet_form::three, dijet_form::four}) {
        dijet_function f{form, 13000};
        const std::vector<double> truth = {0.02, 7.0, 5.5, 0.2};
        std::vector<double> m, y, s;
        for (int i = 0; i < 12; ++i) {
            m.push_back(2000 + 200 * i);
            y.push_back(f(m.back(), truth.data()));
            s.push_back(std::sqrt(y.back()));
        }
        auto p0 = dijet_start(f, m, y, s);
        for (std::size_t j = 0; j < f.npar(); ++j) CHECK(p0[j] == doctest::Approx(truth[j]).epsilon(1e-8));
    }
}

namespace {
// Poisson counts of 13000^-p3-shaped spectra in the reference bins, expected counts from the integral rule.
histogram toy_histogram(std::uint64_t seed, double scale, const std::vector<double>& p) {
    histogram h = make_histogram(log_edges(15, 2001, 4350, true));
    dijet_function f;
    rng g(seed);
    for (std::size_t b = 0; b < h.size(); ++b) {
        const double mu = scale * dijet_bin_count(f, p, h.edges[b], h.edges[b + 1], 1, bin_count_rule::integral, nullptr);
        h.sumw[b] = h.sumw2[b] = double(g.poisson(mu));
    }
    return h;
}
}  // namespace

TEST_CASE("dijet: the SR prediction follows the truth within its uncertainty, and J C J^T by differences") {
    const std::vector<double> truth = {1.0, 8.0, 5.0};
    histogram h = toy_histogram(5, 2e-1, truth);
    double total = 0;
    for (double c : h.sumw) total += c;
    CHECK(total > 1e5);  // a realistic sample size
    auto sr = make_signal_region(15, 7, 3, 2);
    auto bp = predict_background(h, sr);
    REQUIRE(bp.ok);
    CHECK(bp.fit_bins.size() == 12);
    CHECK(bp.fit.ndf == 9);
    CHECK(bp.observed == h.sumw[6] + h.sumw[7] + h.sumw[8]);
    // truth in the SR (same integral rule as the generation): within 4 sigma of the prediction
    double want = 0;
    for (std::size_t b = 6; b <= 8; ++b)
        want += 2e-1 * dijet_bin_count(dijet_function{}, truth, h.edges[b], h.edges[b + 1], 1, bin_count_rule::integral, nullptr);
    CHECK(std::fabs(bp.expected - want) < 4 * std::hypot(bp.sigma, 0.02 * bp.sigma + 1));
    CHECK(bp.sigma > 0);
    CHECK(bp.sigma < 0.05 * bp.expected);
    // sigma = sqrt(J C J^T) with J by central differences of the SR sum in the parameters
    std::vector<double> J(3);
    for (std::size_t j = 0; j < 3; ++j) {
        auto sum = [&](std::vector<double> p) {
            double s = 0;
            for (std::size_t b = 6; b <= 8; ++b)
                s += dijet_bin_count(dijet_function{}, p, h.edges[b], h.edges[b + 1], 100, bin_count_rule::centre_times_width, nullptr);
            return s;
        };
        auto up = bp.fit.par, dn = bp.fit.par;
        const double hh = 1e-5 * std::fabs(bp.fit.par[j]);
        up[j] += hh;
        dn[j] -= hh;
        J[j] = (sum(up) - sum(dn)) / (2 * hh);
    }
    double var = 0;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) var += J[i] * bp.fit.covariance(i, j) * J[j];
    CHECK(bp.sigma == doctest::Approx(std::sqrt(var)).epsilon(1e-6));
    // sidebands only: 4 fit bins, 1 degree of freedom
    background_fit_options o;
    o.sidebands_only = true;
    auto bs = predict_background(h, sr, o);
    REQUIRE(bs.ok);
    CHECK(bs.fit_bins == std::vector<std::size_t>{4, 5, 9, 10});
    CHECK(bs.fit.ndf == 1);
    CHECK(bs.sigma > bp.sigma);  // fewer bins constrain the SR less
}

TEST_CASE("dijet: too few bins or events and failed fits are reported, not thrown") {
    histogram h = toy_histogram(9, 2e-1, {1.0, 8.0, 5.0});
    background_fit_options o;
    o.sidebands_only = true;
    o.function.form = dijet_form::four;  // 4 sideband bins cannot fit 4 parameters with ndf >= 1
    auto bp = predict_background(h, make_signal_region(15, 7, 3, 2), o);
    CHECK(!bp.ok);
    CHECK(bp.reason == "4 bins in the sidebands, need at least 5 for 4 parameters");
    histogram empty = make_histogram(log_edges(15, 2001, 4350, true));
    empty.sumw[3] = empty.sumw2[3] = 2;
    auto be = predict_background(empty, make_signal_region(15, 7, 3, 2));
    CHECK(!be.ok);
    CHECK(be.reason == "2 events in 1 non-empty bins outside the signal region, need at least 10 events in 3 bins");
    background_fit_options few;
    few.lsq.max_iterations = 1;
    histogram h2 = toy_histogram(3, 2e-1, {1.0, 8.0, 5.0});
    h2.sumw[0] = h2.sumw2[0] = 1e6;  // a wild bin the start cannot match in one step
    auto bf = predict_background(h2, make_signal_region(15, 7, 3, 2), few);
    CHECK(!bf.ok);
    CHECK(bf.reason.find("did not converge in 1 iterations") == 0);
    CHECK_THROWS_AS(predict_background(h, signal_region{13, 3, 2}), usage_error);
}

TEST_CASE("dijet: the fit converges from poor starting values over many orders of magnitude of p1") {
    // Noiseless densities with sigma = sqrt(y) + 1 (Poisson-like weights): chi2 at the truth is 0,
    // so every start must end at the truth. Starts: the generic fallback (1, 10, 5[, 0]).
    for (auto form : {dijet_form::three, dijet_form::four}) {
        dijet_function f{form, 13000};
        for (double p1 : {1e-6, 1e-2, 1e3, 1e8}) {
            const std::vector<double> truth = {p1, 12.0, 4.2, 0.15};
            std::vector<double> m, y, s;
            for (int i = 0; i < 15; ++i) {
                m.push_back(1800 * std::pow(1.1, i));
                y.push_back(f(m.back(), truth.data()));
                s.push_back(std::sqrt(y.back()) + 1e-3 * y.back() + 1e-12);
            }
            std::vector<double> start = {1.0, 10.0, 5.0, 0.0};
            start.resize(f.npar());
            auto r = fit_least_squares(f.model(), m, y, s, start);
            INFO("form " << f.npar() << " p1 " << p1 << ": " << r.reason);
            REQUIRE(r.converged);
            for (std::size_t j = 0; j < f.npar(); ++j) CHECK(r.par[j] == doctest::Approx(truth[j]).epsilon(1e-6));
        }
    }
}
