// SPDX-License-Identifier: MIT
// Unit tests for jetml/viz/maps: the streaming pixel-score moments (against a two-pass sum in
// long double, and merge against adding), the extremes heap, the mean vector.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "jetml/viz/maps.hpp"

using namespace jetml::viz;

namespace {
/// Two-pass weighted Pearson in long double, the reference.
std::vector<double> two_pass(const std::vector<float>& x, const std::vector<double>& s, const std::vector<double>& w,
                             std::size_t P) {
    const std::size_t n = s.size();
    long double W = 0, ms = 0;
    for (std::size_t i = 0; i < n; ++i) W += w[i], ms += w[i] * s[i];
    ms /= W;
    std::vector<double> r(P);
    for (std::size_t q = 0; q < P; ++q) {
        long double mx = 0, cxs = 0, vx = 0, vs = 0;
        for (std::size_t i = 0; i < n; ++i) mx += w[i] * x[i * P + q];
        mx /= W;
        for (std::size_t i = 0; i < n; ++i) {
            const long double dx = x[i * P + q] - mx, ds = s[i] - ms;
            cxs += w[i] * dx * ds, vx += w[i] * dx * dx, vs += w[i] * ds * ds;
        }
        r[q] = vx > 0 ? double(cxs / std::sqrt(vx * vs)) : NAN;
    }
    return r;
}
}  // namespace

TEST_CASE("viz: pixel-score moments give the two-pass weighted Pearson r, also far from zero") {
    std::mt19937_64 g(3);
    std::normal_distribution<double> nd;
    const std::size_t n = 500, P = 4;
    std::vector<float> x(n * P);
    std::vector<double> s(n), w(n);
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = 1e4 + nd(g);  // a large offset: naive sums of squares would cancel
        w[i] = double(i % 3);
        for (std::size_t q = 0; q < P; ++q) x[i * P + q] = float(100 + (q + 1) * 0.3 * (s[i] - 1e4) + nd(g));
        x[i * P + 3] = 7.0f;  // a constant pixel
    }
    pixel_score_moments m(P);
    for (std::size_t i = 0; i < n; ++i) m.add(&x[i * P], s[i], w[i]);
    const auto r = m.pearson(), ref = two_pass(x, s, w, P);
    for (std::size_t q = 0; q < 3; ++q) CHECK(r[q] == doctest::Approx(ref[q]).epsilon(1e-10));  // double vs long double
    CHECK(std::isnan(r[3]));
    CHECK(m.count() == 333);  // weight 0 adds nothing
    CHECK(m.weight() == doctest::Approx(500.0 / 3 * 3).epsilon(0.01));

    SUBCASE("merging halves equals adding them all; a scale multiplies the weights") {
        pixel_score_moments a(P), b(P), c(P);
        for (std::size_t i = 0; i < n; ++i) (i < 200 ? a : b).add(&x[i * P], s[i], w[i]);
        a.merge(b);
        const auto ra = a.pearson();
        for (std::size_t q = 0; q < 3; ++q) CHECK(ra[q] == doctest::Approx(r[q]).epsilon(1e-12));
        CHECK(a.score_mean() == doctest::Approx(m.score_mean()).epsilon(1e-14));
        // scale 2 on half of the jets == those jets with doubled weights
        pixel_score_moments d(P), e(P);
        for (std::size_t i = 0; i < n; ++i) {
            if (i < 200) c.add(&x[i * P], s[i], w[i]);
            else d.add(&x[i * P], s[i], w[i]);
            e.add(&x[i * P], s[i], i < 200 ? w[i] : 2 * w[i]);
        }
        c.merge(d, 2.0);
        const auto rc = c.pearson(), re = e.pearson();
        for (std::size_t q = 0; q < 3; ++q) CHECK(rc[q] == doctest::Approx(re[q]).epsilon(1e-12));
        pixel_score_moments empty(P);
        empty.merge(e);
        CHECK(empty.pearson()[0] == doctest::Approx(re[0]).epsilon(1e-14));
    }
}

TEST_CASE("viz: extremes keep the k highest and lowest scores, the earlier of ties") {
    extremes ex(2, 1);
    const double sc[] = {0.5, 0.9, 0.1, 0.9, 0.1, 0.3};
    for (std::size_t i = 0; i < 6; ++i) {
        const float v = float(i);
        ex.add(&v, sc[i], i);
    }
    auto hi = ex.highest(), lo = ex.lowest();
    REQUIRE(hi.size() == 2);
    REQUIRE(lo.size() == 2);
    CHECK(hi[0].index == 1);
    CHECK(hi[1].index == 3);
    CHECK(hi[1].x[0] == 3.0f);
    CHECK(lo[0].index == 2);
    CHECK(lo[1].index == 4);
    extremes few(5, 1);
    const float v = 1;
    few.add(&v, 0.2, 0);
    CHECK(few.highest().size() == 1);
}

TEST_CASE("viz: mean_vector is the weighted mean, zeros when empty") {
    mean_vector m(2);
    CHECK(m.mean() == std::vector<double>{0, 0});
    const float a[] = {1, 2}, b[] = {3, 6};
    m.add(a, 1);
    m.add(b, 3);
    m.add(a, 0);
    CHECK(m.mean()[0] == doctest::Approx(2.5));
    CHECK(m.mean()[1] == doctest::Approx(5.0));
}
