// SPDX-License-Identifier: MIT
// Unit tests of jetml/data/folds: stratified folds split every stratum evenly and reproducibly,
// and the nested plan lists every (test, validation) pair once.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "jetml/core/error.hpp"
#include "jetml/data/folds.hpp"

using namespace jetml;

TEST_CASE("folds: each stratum is cut into k slices differing by at most one row") {
    std::vector<std::uint32_t> stratum;
    const std::size_t sizes[4] = {0, 7, 23, 100};
    for (std::uint32_t s = 0; s < 4; ++s)
        for (std::size_t i = 0; i < sizes[s]; ++i) stratum.push_back(s);
    std::reverse(stratum.begin(), stratum.end());  // strata need not be contiguous or sorted
    const auto f = data::stratified_folds(stratum, 5, 11);
    REQUIRE(f.size() == stratum.size());
    for (std::uint32_t s = 0; s < 4; ++s) {
        std::vector<std::size_t> per(5, 0);
        for (std::size_t i = 0; i < f.size(); ++i)
            if (stratum[i] == s) ++per[f[i]];
        // the reference cut: floor(m (j + 1) / k) - floor(m j / k) rows in fold j
        for (std::size_t j = 0; j < 5; ++j) CHECK(per[j] == sizes[s] * (j + 1) / 5 - sizes[s] * j / 5);
    }
    CHECK(data::stratified_folds(stratum, 5, 11) == f);
    CHECK(data::stratified_folds(stratum, 5, 12) != f);
    CHECK_THROWS_AS(data::stratified_folds(stratum, 1, 11), usage_error);
}

TEST_CASE("folds: the nested plan and the row lists") {
    const auto p = data::nested_fold_pairs(5);
    CHECK(p.size() == 20);
    std::set<std::pair<std::size_t, std::size_t>> seen(p.begin(), p.end());
    CHECK(seen.size() == 20);
    for (const auto& [k, l] : p) CHECK(k != l);
    CHECK(p.front() == std::make_pair(std::size_t(0), std::size_t(1)));
    CHECK(p[4] == std::make_pair(std::size_t(1), std::size_t(0)));
    const std::vector<std::uint32_t> f{0, 1, 2, 0, 2, 1, 3};
    CHECK(data::rows_in_fold(f, 2) == std::vector<std::size_t>{2, 4});
    CHECK(data::rows_outside_folds(f, 0, 1) == std::vector<std::size_t>{2, 4, 6});
}
