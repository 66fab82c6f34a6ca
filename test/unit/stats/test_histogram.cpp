// SPDX-License-Identifier: MIT
// Unit tests for jetml/stats/histogram: edges, filling, densities, sliding signal regions.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/stats/histogram.hpp"

using namespace jetml;
using namespace jetml::stats;

TEST_CASE("histogram: linear edges are lo + i (hi - lo) / n with the last edge exactly hi") {
    auto e = linear_edges(4, 1.0, 3.0);
    REQUIRE(e.size() == 5);
    const double want[] = {1.0, 1.5, 2.0, 2.5, 3.0};
    for (int i = 0; i < 5; ++i) CHECK(e[i] == want[i]);
    CHECK_THROWS_AS(linear_edges(0, 0, 1), usage_error);
    CHECK_THROWS_AS(linear_edges(3, 2, 2), usage_error);
}

TEST_CASE("histogram: log edges are equal ratios; rounded ones reproduce the reference code's bins") {
    auto e = log_edges(2, 10.0, 1000.0);
    REQUIRE(e.size() == 3);
    CHECK(e[0] == 10.0);
    CHECK(e[1] == doctest::Approx(100.0).epsilon(1e-14));
    CHECK(e[2] == 1000.0);
    // numpy: np.round(np.logspace(np.log10(2001), np.log10(4350), 16)) =
    // [2001 2107 2219 2337 2461 2592 2730 2875 3028 3189 3358 3536 3724 3922 4131 4350]
    const double ref[] = {2001, 2107, 2219, 2337, 2461, 2592, 2730, 2875, 3028, 3189, 3358, 3536, 3724, 3922, 4131, 4350};
    auto r = log_edges(15, 2001, 4350, true);
    REQUIRE(r.size() == 16);
    for (int i = 0; i < 16; ++i) CHECK(r[i] == ref[i]);
    CHECK_THROWS_AS(log_edges(3, 0.0, 10.0), usage_error);
    CHECK_THROWS_AS(log_edges(50, 1.0, 3.0, true), usage_error);  // rounded edges repeat
}

TEST_CASE("histogram: find_bin puts an edge in the bin above it and the top edge in the last bin") {
    const std::vector<double> e = {0, 1, 2, 4};
    CHECK(find_bin(e, 0.0) == 0);
    CHECK(find_bin(e, 0.999) == 0);
    CHECK(find_bin(e, 1.0) == 1);
    CHECK(find_bin(e, 3.9) == 2);
    CHECK(find_bin(e, 4.0) == 2);
    CHECK(find_bin(e, 4.1) == 3);
    CHECK(find_bin(e, -0.1) == 3);
    CHECK(find_bin(e, std::nan("")) == 3);
}

TEST_CASE("histogram: weighted counts, squared weights, under/overflow and densities by hand") {
    auto h = fill_histogram({0, 1, 2, 4}, {0.5, 0.5, 1.5, 3.0, 3.5, -1, 9}, {1, 2, 0.5, 3, 1, 7, 4});
    // bin 0: w 1 + 2 = 3, w2 1 + 4 = 5; bin 1: 0.5, 0.25; bin 2: 3 + 1 = 4, 9 + 1 = 10
    CHECK(h.sumw == std::vector<double>{3, 0.5, 4});
    CHECK(h.sumw2 == std::vector<double>{5, 0.25, 10});
    CHECK(h.underflow == 7);
    CHECK(h.overflow == 4);
    CHECK(h.centre(2) == 3.0);
    CHECK(h.width(2) == 2.0);
    // densities per 100 units: 3*100/1, 0.5*100/1, 4*100/2
    CHECK(densities(h, 100) == std::vector<double>{300, 50, 200});
    auto de = density_errors(h, 100, 1);  // sqrt(sumw2 + 1) * 100 / width
    CHECK(de[0] == doctest::Approx(std::sqrt(6.0) * 100).epsilon(1e-15));
    CHECK(de[1] == doctest::Approx(std::sqrt(1.25) * 100).epsilon(1e-15));
    CHECK(de[2] == doctest::Approx(std::sqrt(11.0) * 50).epsilon(1e-15));
    CHECK(sum_bins(h, {0, 2}) == 7);
    CHECK_THROWS_AS(fill_histogram({0, 1}, {std::nan("")}), error);
    CHECK_THROWS_AS(fill_histogram({0, 1}, {0.5}, {1, 2}), error);
    CHECK_THROWS_AS(make_histogram({0, 2, 1}), usage_error);
}

TEST_CASE("histogram: the reference hunt's 15 bins, 3-bin SR and 2 sidebands slide over centres 3..11") {
    auto c = signal_region_centres(15, 3, 2);
    REQUIRE(c.size() == 9);
    for (std::size_t i = 0; i < c.size(); ++i) CHECK(c[i] == 3 + i);
    auto sr = make_signal_region(15, 7, 3, 2);
    CHECK(sr.first == 6);
    CHECK(sr.centre() == 7);
    CHECK(sr.sr_bins() == std::vector<std::size_t>{6, 7, 8});
    CHECK(sr.sideband_bins() == std::vector<std::size_t>{4, 5, 9, 10});
    CHECK(sr.description() == "bins 6-8 (sidebands 4-5, 9-10)");
    CHECK(sr.contains(8));
    CHECK(!sr.contains(9));
    CHECK(sr.in_window(10));
    CHECK(!sr.in_window(11));
    CHECK_THROWS_AS(make_signal_region(15, 2, 3, 2), usage_error);
    CHECK_THROWS_AS(make_signal_region(15, 12, 3, 2), usage_error);
    CHECK_NOTHROW(make_signal_region(15, 11, 3, 2));
    // even k: centre is the lower middle bin; 4 bins + 2 x 1 sideband in 6 bins -> centres 2 only
    auto c4 = signal_region_centres(6, 4, 1);
    CHECK(c4 == std::vector<std::size_t>{2});
    CHECK(make_signal_region(6, 2, 4, 1).first == 1);
    CHECK(signal_region_centres(6, 5, 1).empty());
}
