// SPDX-License-Identifier: MIT
// Unit tests of jetml/trees/bins: edges, the NaN bin, "bin <= b exactly when x <= e_b".
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "jetml/trees/bins.hpp"
#include "support.hpp"

using namespace jetml::trees;

TEST_CASE("bins: few distinct values get the midpoints; a value on an edge goes left; NaN has bin 255") {
    const float nan = std::nanf("");
    // column 0: 1, 2, 4 (and repeats); column 1 constant; column 2 all NaN
    const std::vector<float> x = {1, 5, nan, 2, 5, nan, 4, 5, nan, 1, 5, nan};
    const bin_edges e = fit_bins(x.data(), 4, 3, 255, 1);
    REQUIRE(e.edges[0].size() == 2);
    CHECK(e.edges[0][0] == 1.5f);
    CHECK(e.edges[0][1] == 3.0f);
    CHECK(e.bin(0, 1.5f) == 0);
    CHECK(e.bin(0, 1.6f) == 1);
    CHECK(e.bin(0, 100.f) == 2);
    CHECK(e.bin(0, nan) == missing_bin);
    CHECK_FALSE(e.has_missing[0]);
    // a constant feature and an all-NaN feature have one bin and cannot be split
    CHECK(e.bins(1) == 1);
    CHECK(e.bins(2) == 1);
    CHECK(e.has_missing[2]);
    const auto b = apply_bins(e, x.data(), 4);
    CHECK(b[0 * 4 + 2] == 2);
    CHECK(b[2 * 4 + 0] == missing_bin);
}

TEST_CASE("bins: quantile edges hold about equal counts, and bin <= b exactly when x <= e_b") {
    const std::size_t n = 20000;
    const auto x = support::random_floats(n, 7, -3, 3);
    for (std::size_t sample : {std::size_t(5000), n}) {
        const bin_edges e = fit_bins(x.data(), n, 1, 16, 3, sample);
        REQUIRE(e.edges[0].size() == 15);
        std::vector<std::size_t> count(16);
        for (float v : x) ++count[e.bin(0, v)];
        // uniform data: each of 16 bins expects n / 16 = 1250; a sample of 5000 rows puts each
        // quantile within a few sampling standard deviations (sqrt(5000 p (1 - p)) / 5000 * n ~ 70)
        for (auto c : count) CHECK(std::abs(double(c) - 1250.0) < 400);
        std::size_t wrong = 0;
        for (float v : x)
            for (std::size_t k = 0; k < e.edges[0].size(); ++k) wrong += (e.bin(0, v) <= k) != (v <= e.edges[0][k]);
        CHECK(wrong == 0);
    }
}

TEST_CASE("bins: the edges do not depend on the order of rows, only on the values and the seed") {
    std::vector<float> x = support::random_floats(1000, 11);
    const bin_edges a = fit_bins(x.data(), 1000, 1, 32, 1);
    std::reverse(x.begin(), x.end());
    const bin_edges b = fit_bins(x.data(), 1000, 1, 32, 1);
    CHECK(a.edges == b.edges);
}
