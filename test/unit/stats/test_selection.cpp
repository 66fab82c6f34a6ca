// SPDX-License-Identifier: MIT
// Unit tests of jetml/stats/selection against the reference code's rules written out with a
// full sort (the plain twin of the nth_element versions) and hand-computed cases.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "jetml/core/rng.hpp"
#include "jetml/stats/selection.hpp"

using namespace jetml;

namespace {
double threshold_by_sort(std::vector<double> s, double eff) {
    std::sort(s.begin(), s.end(), std::greater<double>());
    return s[std::min(std::size_t(std::floor(eff * double(s.size()))), s.size() - 1)];
}
}  // namespace

TEST_CASE("selection: the threshold keeps floor(eff n) events above it") {
    const std::vector<double> s{0.1, 0.9, 0.5, 0.7, 0.3, 0.2, 0.8, 0.6, 0.4, 0.0};
    CHECK(stats::threshold_at_efficiency(s, 0.1) == 0.8);  // sorted desc: 0.9 0.8 ...: index 1
    CHECK(stats::threshold_at_efficiency(s, 0.5) == 0.4);
    CHECK(stats::threshold_at_efficiency(s, 1.0) == 0.0);  // all but the lowest pass
    CHECK(stats::threshold_at_efficiency(s, 0.05) == 0.9);  // floor(0.5) = 0: nothing passes
    const std::vector<std::size_t> bin{0, 1, 1, 2, 0, 0, 2, 1, 0, 3};
    CHECK(stats::pass_counts(s, bin, 3, 0.4) == std::vector<std::size_t>{0, 3, 2});  // 0.9 0.5 0.6 | 0.7 0.8
    rng g(3);
    std::vector<double> r(10001);
    for (auto& x : r) x = g.normal();
    for (double eff : {1.0, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 1e-4}) {
        const double t = stats::threshold_at_efficiency(r, eff);
        CHECK(t == threshold_by_sort(r, eff));
        std::size_t pass = 0;
        for (double x : r) pass += x > t;
        CHECK(pass == std::min(std::size_t(std::floor(eff * double(r.size()))), r.size() - 1));
    }
    CHECK_THROWS(stats::threshold_at_efficiency(s, 0));
    CHECK_THROWS(stats::threshold_at_efficiency({}, 0.5));
}

TEST_CASE("selection: signal-region efficiency at a fixed sideband efficiency") {
    const std::vector<double> neg{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    const std::vector<double> pos{0.95, 0.85, 0.75, 0.1};
    // fpr 0.2: threshold = desc-sorted negatives [2] = 0.8; positives >= 0.8: 0.95, 0.85
    CHECK(stats::tpr_at_fpr(pos, neg, 0.2) == 0.5);
    // ties count as passing (the reference's searchsorted on the left)
    CHECK(stats::tpr_at_fpr({0.8, 0.8, 0.79}, neg, 0.2) == doctest::Approx(2.0 / 3));
    CHECK(stats::tpr_at_fpr(pos, neg, 1.0) == 1.0);
}
