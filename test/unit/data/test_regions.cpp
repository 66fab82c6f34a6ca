// SPDX-License-Identifier: MIT
// Unit tests of jetml/data/regions: region boundaries, the CWoLa hunt's weights (the reference
// code's 0.25 / 0.5 / 0.25 shares of N) and two-mixture balancing.
#include <doctest/doctest.h>

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/data/regions.hpp"

using namespace jetml;
using data::region;

TEST_CASE("regions: half-open boundaries, NaN outside, ordered edges") {
    data::region_edges e{3100, 3300, 3700, 3900};
    e.check();
    CHECK(e.of(3099.9) == region::outside);
    CHECK(e.of(3100) == region::low_sideband);
    CHECK(e.of(3300) == region::signal);
    CHECK(e.of(3699.99) == region::signal);
    CHECK(e.of(3700) == region::high_sideband);
    CHECK(e.of(3900) == region::outside);
    CHECK(e.of(std::nan("")) == region::outside);
    CHECK_THROWS_AS((data::region_edges{3300, 3100, 3700, 3900}.check()), usage_error);
    CHECK_THROWS_AS((data::region_edges{3100, 3300, 3300, 3900}.check()), usage_error);
    data::region_edges{3300, 3300, 3700, 3700}.check();  // no sidebands is allowed
}

TEST_CASE("regions: hunt weights give the signal region half of N and each sideband a quarter") {
    const std::vector<double> v{1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 9, 0};
    data::region_edges e{1, 2, 3, 4};
    const auto r = data::classify(v, e);
    const auto c = data::count_regions(r);
    CHECK(c.low == 3);
    CHECK(c.signal == 6);
    CHECK(c.high == 1);
    double wl = 0, ws = 0, wh = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const float w = data::hunt_weight(r[i], c);
        if (r[i] == region::low_sideband) wl += w;
        if (r[i] == region::signal) {
            ws += w;
            CHECK(data::hunt_label(r[i]) == 1.0f);
        }
        if (r[i] == region::high_sideband) {
            wh += w;
            CHECK(data::hunt_label(r[i]) == 0.0f);
        }
        if (r[i] == region::outside) CHECK(w == 0.0f);
    }
    CHECK(wl == doctest::Approx(0.25 * 10));
    CHECK(ws == doctest::Approx(0.5 * 10));
    CHECK(wh == doctest::Approx(0.25 * 10));
    // the counts of a subset (training rows) normalise the weights
    const auto c2 = data::count_regions(r, {0, 3, 4, 9});
    CHECK(c2.low == 1);
    CHECK(c2.signal == 2);
    CHECK(c2.high == 1);
    CHECK(data::hunt_weight(region::signal, c2) == doctest::Approx(0.5 * 4 / 2));
    // an empty high sideband gives its share to the low one
    data::region_counts lo_only{4, 4, 0};
    CHECK(data::hunt_weight(region::low_sideband, lo_only) == doctest::Approx(0.5 * 8 / 4));
}

TEST_CASE("regions: two mixtures balanced to equal total weight") {
    const std::vector<float> y{1, 0, 0, 0, 1, 0};
    const auto w = data::balance_mixtures(y);
    double w1 = 0, w0 = 0;
    for (std::size_t i = 0; i < y.size(); ++i) (y[i] > 0.5f ? w1 : w0) += w[i];
    CHECK(w1 == doctest::Approx(3));
    CHECK(w0 == doctest::Approx(3));
    CHECK_THROWS_WITH_AS(data::balance_mixtures({0, 0}), "mixture M1 (label 1) is empty", error);
}
