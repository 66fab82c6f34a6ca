// SPDX-License-Identifier: MIT
// Unit tests of jetml/data/mixed: the three ways to mixtures (two files, a rule on a column,
// bags of known fraction), their labels, weights, row order and truth.
#include <doctest/doctest.h>

#include <cstdio>

#include "jetml/core/error.hpp"
#include "jetml/data/mixed.hpp"
#include "support.hpp"

using namespace jetml;

TEST_CASE("mixed: two files give labels 1 then 0 with equal total weight, truth beside them") {
    const auto a = support::write_tmp("mixed", "a.csv", "x,y,t\n1,2,1\n3,4,0\n5,6,1\n");
    const auto b = support::write_tmp("mixed", "b.csv", "x,y,t\n7,8,0\n");
    data::mixed_options o;
    o.m1 = a, o.m2 = b, o.features = "x,y", o.truth_col = "t";
    auto m = data::load_mixed(o);
    CHECK(m.set.n == 4);
    CHECK(m.set.x == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(m.set.y == std::vector<float>{1, 1, 1, 0});
    CHECK(m.set.w == std::vector<float>{4.0f / 6, 4.0f / 6, 4.0f / 6, 2.0f});
    CHECK(m.truth == std::vector<float>{1, 0, 1, 0});
    CHECK(m.rows_of == std::vector<std::size_t>{3, 1});
    std::remove(a.c_str());
    std::remove(b.c_str());
}

TEST_CASE("mixed: a rule on a column keeps the sidebands and the signal region, in input order") {
    const auto e = support::write_tmp("mixed", "e.csv", "m,x\n1,10\n5,11\n3,12\n9,13\n4,14\n2.5,15\n");
    data::mixed_options o;
    o.input = e, o.region_col = "m", o.features = "x";
    o.edges = {2, 3, 5, 8};  // low SB [2,3), SR [3,5), high SB [5,8)
    auto m = data::load_mixed(o);
    CHECK(m.outside == 2);  // m = 1 and m = 9
    CHECK(m.set.x == std::vector<float>{11, 12, 14, 15});
    CHECK(m.set.y == std::vector<float>{0, 1, 1, 0});
    // N = 4: SR 0.5 * 4 / 2, low SB 0.25 * 4 / 1, high SB 0.25 * 4 / 1
    CHECK(m.set.w == std::vector<float>{1, 1, 1, 1});
    REQUIRE(m.set.side.size() == 1);
    CHECK(m.set.side[0].first == "m");
    CHECK(m.set.side[0].second == std::vector<float>{5, 3, 4, 2.5f});
    o.edges = {0, 20, 30, 40};
    CHECK_THROWS_WITH_AS(data::load_mixed(o), (e + ": no rows in the signal region").c_str(), error);
    std::remove(e.c_str());
}

TEST_CASE("mixed: bags carry their fraction as the target, their index as side column, equal total weight") {
    const auto a = support::write_tmp("mixed", "a.csv", "x\n1\n2\n3\n");
    const auto b = support::write_tmp("mixed", "b.csv", "x\n4\n");
    data::mixed_options o;
    o.bags = {{a, 0.25}, {b, 0.75}};
    o.features = "x";
    auto m = data::load_mixed(o);
    CHECK(m.set.y == std::vector<float>{0.25f, 0.25f, 0.25f, 0.75f});
    CHECK(m.set.w == std::vector<float>{4.0f / 6, 4.0f / 6, 4.0f / 6, 2.0f});
    REQUIRE(m.set.side.size() == 1);
    CHECK(m.set.side[0].first == "bag");
    CHECK(m.set.side[0].second == std::vector<float>{0, 0, 0, 1});
    CHECK(data::parse_bag("dir=x/f.npy=0.5") == std::make_pair(std::string("dir=x/f.npy"), 0.5));
    CHECK_THROWS_AS(data::parse_bag("f.npy"), usage_error);
    CHECK_THROWS_AS(data::parse_bag("f.npy=-0.1"), usage_error);
    o.bags = {{a, 0.5}, {b, 0.5}};
    CHECK_THROWS_AS(data::load_mixed(o), usage_error);
    std::remove(a.c_str());
    std::remove(b.c_str());
}
