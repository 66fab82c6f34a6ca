// SPDX-License-Identifier: MIT
// Unit tests for jetml/jets/dijet_toy: determinism, the mjj spectrum (a good dijet fit to
// background-only events), the injected peak found in its window, feature ranges and checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/jets/dijet_toy.hpp"
#include "jetml/stats/dijet.hpp"
#include "jetml/stats/fit.hpp"
#include "jetml/stats/histogram.hpp"
#include "jetml/stats/significance.hpp"

using namespace jetml;
using namespace jetml::stats;

namespace {
std::vector<double> table(const dijet_toy_params& p, std::uint64_t nb, std::uint64_t ns, std::uint64_t seed) {
    dijet_toy_generator g(p, nb, ns, seed);
    std::vector<double> t(g.size() * dijet_toy_ncols);
    g.rows(0, g.size(), t.data());
    return t;
}
std::vector<double> column(const std::vector<double>& t, std::size_t c) {
    std::vector<double> v;
    for (std::size_t i = c; i < t.size(); i += dijet_toy_ncols) v.push_back(t[i]);
    return v;
}
}  // namespace

TEST_CASE("dijet_toy: rows depend on the seed and event index only, not on batches or threads") {
    dijet_toy_params p;
    auto a = table(p, 3000, 40, 7);
    dijet_toy_generator g(p, 3000, 40, 7);
    std::vector<double> b(g.size() * dijet_toy_ncols);
    g.rows(0, 1234, b.data());
    g.rows(1234, g.size() - 1234, b.data() + 1234 * dijet_toy_ncols);
    CHECK(a == b);
    CHECK(table(p, 3000, 40, 8) != a);
    auto lab = column(a, 6);
    CHECK(std::count(lab.begin(), lab.end(), 1.0) == 40);
    CHECK(std::count(lab.begin(), lab.end(), 0.0) == 3000);
    CHECK_THROWS_AS(g.rows(3000, 41, b.data()), error);
}

TEST_CASE("dijet_toy: columns are consistent and in range") {
    dijet_toy_params p;
    auto t = table(p, 20000, 2000, 3);
    for (std::size_t i = 0; i < t.size(); i += dijet_toy_ncols) {
        const double* r = &t[i];
        REQUIRE(r[0] >= p.mjj_min);
        REQUIRE(r[0] <= p.mjj_max);
        REQUIRE(r[1] <= r[2]);              // jet 1 is the lighter
        REQUIRE(r[3] == r[2] - r[1]);
        REQUIRE(r[1] >= 1);
        REQUIRE((r[4] > 0 && r[4] < 1 && r[5] > 0 && r[5] < 1));
    }
    // signal: two-prong jets (low tau21), masses near m_Y and m_X; background: one-prong
    double ts = 0, tb = 0, m1 = 0, m2 = 0, ns = 0, nb = 0;
    for (std::size_t i = 0; i < t.size(); i += dijet_toy_ncols) {
        if (t[i + 6] == 1) ts += t[i + 4] + t[i + 5], m1 += t[i + 1], m2 += t[i + 2], ++ns;
        else tb += t[i + 4] + t[i + 5], ++nb;
    }
    CHECK(ts / (2 * ns) < 0.35);
    CHECK(tb / (2 * nb) > 0.55);
    CHECK(m1 / ns == doctest::Approx(p.my).epsilon(0.02));  // resolution 5 %: the mean is within 0.2 %
    CHECK(m2 / ns == doctest::Approx(p.mx).epsilon(0.02));
}

TEST_CASE("dijet_toy: background jet masses grow mildly with mjj") {
    dijet_toy_params p;
    auto t = table(p, 200000, 0, 5);
    std::vector<double> lo, hi;
    for (std::size_t i = 0; i < t.size(); i += dijet_toy_ncols) (t[i] < 1800 ? lo : t[i] > 3000 ? hi : lo).push_back(t[i + 2]);
    auto median = [](std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        return v[v.size() / 2];
    };
    REQUIRE(hi.size() > 1000);
    const double r = median(hi) / median(lo);
    CHECK(r > 1.1);  // median ~ mjj^0.4: about 1.3 between ~1.6 and ~3.4 TeV
    CHECK(r < 1.6);
}

TEST_CASE("dijet_toy: a dijet fit to background-only events is good, and the injected peak is found") {
    dijet_toy_params p;
    const std::uint64_t nsig = 3000;
    auto t = table(p, 1000000, nsig, 11);
    auto mjj = column(t, 0), lab = column(t, 6);
    histogram hb = make_histogram(log_edges(15, 2001, 4350, true)), ha = hb;
    std::vector<double> bkg;
    for (std::size_t i = 0; i < mjj.size(); ++i)
        if (lab[i] == 0) bkg.push_back(mjj[i]);
    fill(hb, bkg);
    fill(ha, mjj);
    // Background only: the spectrum is the dijet function, so its fit has chi2 from a chi2(ndf)
    // distribution; p > 1e-3 fails a wrong shape (a 1 % slope error over these bins gives p ~ 0)
    {
        background_fit_options o;
        const std::vector<double> x = [&] { std::vector<double> c; for (std::size_t b = 0; b < 15; ++b) c.push_back(hb.centre(b)); return c; }();
        auto y = densities(hb, 100), s = density_errors(hb, 100, 1);
        auto r = fit_least_squares(o.function.model(), x, y, s, dijet_start(o.function, x, y, s));
        REQUIRE(r.converged);
        CHECK(r.ndf == 12);
        CHECK(chi2_sf(r.chi2, r.ndf) > 1e-3);
        CHECK(std::fabs(r.par[2] - p.p3) < 5 * r.error(2) + 0.05);  // the generated p3 (bin-centre fit: small bias)
    }
    // With the signal: SR bins 10-12 (3358-3922 GeV) around 3.5 TeV; the sideband fit predicts the
    // background there and the excess is the injected count in the window.
    auto sr = make_signal_region(15, 11, 3, 2);
    auto bp = predict_background(ha, sr);
    REQUIRE(bp.ok);
    double sig_in = 0;
    for (std::size_t i = 0; i < mjj.size(); ++i)
        if (lab[i] == 1 && mjj[i] >= ha.edges[10] && mjj[i] <= ha.edges[13]) ++sig_in;
    // Gaussian 3500 +- 175 in [3358, 3922]: Phi(2.411) - Phi(-0.811) = 0.7833
    CHECK(sig_in / nsig == doctest::Approx(0.7833).epsilon(0.03));
    const double excess = bp.observed - bp.expected;
    const double err = std::sqrt(bp.expected + bp.sigma * bp.sigma);
    CHECK(std::fabs(excess - sig_in) < 4 * err);
    CHECK(profile_significance(bp.observed, bp.expected, bp.sigma).z > 5);
    // and background-only has no significant excess in that window
    auto b0 = predict_background(hb, sr);
    REQUIRE(b0.ok);
    CHECK(profile_significance(b0.observed, b0.expected, b0.sigma).z < 3);
}

TEST_CASE("dijet_toy: out-of-range settings are usage errors with the option's name") {
    dijet_toy_params p;
    p.signal_width = 0;
    CHECK_THROWS_WITH_AS(check_dijet_toy_params(p), "--signal-width must be positive, got 0", usage_error);
    p = {};
    p.mjj_min = 5000;
    p.mjj_max = 4000;
    CHECK_THROWS_AS(check_dijet_toy_params(p), usage_error);
    p = {};
    p.signal_mass = 9000;
    CHECK_THROWS_WITH_AS(check_dijet_toy_params(p), "--signal-mass 9000 is outside the mjj range [1500, 8000]", usage_error);
    p = {};
    p.p3 = 0;
    CHECK_THROWS_AS(check_dijet_toy_params(p), usage_error);
    p = {};
    p.mx = -1;
    CHECK_THROWS_AS(check_dijet_toy_params(p), usage_error);
    CHECK_NOTHROW(check_dijet_toy_params(dijet_toy_params{}));
}
