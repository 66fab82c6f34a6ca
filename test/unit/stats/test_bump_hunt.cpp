// SPDX-License-Identifier: MIT
// Unit tests for jetml/stats/bump_hunt: the scan visits every centre, each point equals its
// parts computed directly, and an injected resonance is found where it was put.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "jetml/jets/dijet_toy.hpp"
#include "jetml/stats/bump_hunt.hpp"

using namespace jetml;
using namespace jetml::stats;

TEST_CASE("bump_hunt: the scan's largest excess is the SR holding an injected resonance") {
    dijet_toy_params p;
    p.signal_mass = 3000;
    dijet_toy_generator g(p, 400000, 1500, 21);
    std::vector<double> rows(g.size() * dijet_toy_ncols), mjj;
    g.rows(0, g.size(), rows.data());
    for (std::size_t i = 0; i < rows.size(); i += dijet_toy_ncols) mjj.push_back(rows[i]);
    histogram h = fill_histogram(log_edges(15, 2001, 4350, true), mjj);
    auto scan = scan_signal_regions(h, 3, 2);
    REQUIRE(scan.size() == 9);
    for (std::size_t k = 0; k < scan.size(); ++k) {
        CHECK(scan[k].sr.centre() == 3 + k);
        REQUIRE(scan[k].bkg.ok);
        // each point is exactly its parts
        auto bp = predict_background(h, scan[k].sr);
        CHECK(bp.expected == scan[k].bkg.expected);
        CHECK(scan[k].sig.z == profile_significance(bp.observed, bp.expected, bp.sigma).z);
        CHECK(scan[k].lo == h.edges[scan[k].sr.first]);
    }
    auto best = std::max_element(scan.begin(), scan.end(), [](auto& a, auto& b) { return a.sig.z < b.sig.z; });
    // 3000 GeV lies in bin 7 (2875-3028); the best SR must contain it
    CHECK(best->lo < 3000);
    CHECK(best->hi > 3000);
    CHECK(best->sig.z > 5);
    CHECK(best->sig.p0 < 3e-7);
}

TEST_CASE("bump_hunt: too narrow a histogram gives no centres; failed fits stay in the scan with Z = 0") {
    histogram h = make_histogram(log_edges(6, 2000, 3000));
    CHECK(scan_signal_regions(h, 3, 2).empty());
    histogram e = make_histogram(log_edges(9, 2000, 3000));  // empty: every fit lacks events
    auto scan = scan_signal_regions(e, 3, 2);
    REQUIRE(scan.size() == 3);
    for (auto& pt : scan) {
        CHECK(!pt.bkg.ok);
        CHECK(!pt.bkg.reason.empty());
        CHECK(pt.sig.z == 0);
    }
}
