// SPDX-License-Identifier: MIT
// Unit tests of jetml/data/split and data/standardise: the held-out rows, side columns carried
// along, class weights, and the standardiser's mean and std against hand-computed values.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/data/split.hpp"
#include "jetml/data/standardise.hpp"

using namespace jetml;

namespace {
data::labelled_set rows(std::size_t n) {
    data::labelled_set d;
    d.shape = {2};
    d.size = 2;
    d.n = n;
    std::vector<float> mjj;
    for (std::size_t i = 0; i < n; ++i) {
        d.x.push_back(float(i));
        d.x.push_back(float(10 * i));
        d.y.push_back(float(i % 3 == 0));
        d.w.push_back(1.0f + float(i) / 100);
        mjj.push_back(float(1000 + i));
    }
    d.side.emplace_back("mjj", mjj);
    return d;
}
}  // namespace

TEST_CASE("data split: floor(val_split * n) held-out rows, disjoint, sorted, seeded; side columns follow") {
    auto all = rows(101);
    auto p = data::split(all, 0.3, 4);
    CHECK(p.val.n == 30);  // floor(0.3 * 101)
    CHECK(p.train.n == 71);
    std::vector<float> seen;
    for (auto* s : {&p.train, &p.val}) {
        REQUIRE(s->side.size() == 1);
        CHECK(s->side[0].first == "mjj");
        for (std::size_t k = 0; k < s->n; ++k) {
            const float i = s->x[2 * k];
            CHECK(s->x[2 * k + 1] == 10 * i);
            CHECK(s->y[k] == float(std::size_t(i) % 3 == 0));
            CHECK(s->w[k] == 1.0f + i / 100);
            CHECK(s->side[0].second[k] == 1000 + i);
            if (k) CHECK(s->x[2 * k] > s->x[2 * (k - 1)]);  // original order kept
            seen.push_back(i);
        }
    }
    std::sort(seen.begin(), seen.end());
    for (std::size_t i = 0; i < 101; ++i) CHECK(seen[i] == float(i));
    auto q = data::split(all, 0.3, 4), r = data::split(all, 0.3, 5);
    CHECK(q.val.x == p.val.x);
    CHECK(r.val.x != p.val.x);
    CHECK(data::split(all, 0, 4).val.n == 0);
    // validation_rows names the rows split() holds out
    const auto vi = data::validation_rows(all.n, 0.3, 4);
    REQUIRE(vi.size() == p.val.n);
    for (std::size_t k = 0; k < vi.size(); ++k) CHECK(p.val.x[2 * k] == float(vi[k]));
}

TEST_CASE("data class weights: balanced gives both classes the same total; S:B multiplies") {
    auto d = rows(30);
    data::apply_class_weight(d, "balanced");
    auto sw = data::class_weight_sums(d);
    CHECK(sw[0] == doctest::Approx(sw[1]).epsilon(1e-6));
    auto e = rows(30), f = rows(30);
    data::apply_class_weight(e, "2:0.5");
    for (std::size_t i = 0; i < e.n; ++i) CHECK(e.w[i] == f.w[i] * (f.y[i] > 0.5f ? 2.0f : 0.5f));
    CHECK_THROWS_AS(data::check_class_weight("2:-1"), usage_error);
    CHECK_THROWS_AS(data::check_class_weight("heavy"), usage_error);
    auto g = rows(30);
    std::fill(g.y.begin(), g.y.end(), 1.0f);
    CHECK_THROWS_WITH_AS(data::apply_class_weight(g, "none"),
                         "no background (label 0) samples with positive weight; both classes are needed", error);
}

TEST_CASE("data standardise: population mean and std of each input; a constant input passes unscaled") {
    data::labelled_set d;
    d.shape = {2};
    d.size = 2;
    d.n = 4;
    d.x = {1, 5, 2, 5, 3, 5, 6, 5};  // column 0: mean 3, var (4+1+0+9)/4 = 3.5; column 1 constant
    d.y.assign(4, 0);
    d.w.assign(4, 1);
    auto st = data::fit_standardiser(d);
    CHECK(st.mean[0] == 3.0f);
    CHECK(st.std[0] == float(std::sqrt(3.5)));
    CHECK(st.mean[1] == 5.0f);
    CHECK(st.std[1] == 1.0f);
    data::apply_standardiser(st, d);
    CHECK(d.x[0] == (1.0f - 3.0f) / float(std::sqrt(3.5)));
    CHECK(d.x[1] == 0.0f);
}
