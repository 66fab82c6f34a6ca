// SPDX-License-Identifier: MIT
// Unit tests of jetml/stats/metrics_xt: AUC and ROC of xtensor arrays equal the plain API's.
#include <doctest/doctest.h>

#include <cmath>

#include "jetml/stats/metrics_xt.hpp"

using namespace jetml;

TEST_CASE("metrics_xt: auc of xtensor scores and labels equals auc of roc_data, weighted or not") {
    xt::xtensor<float, 1> s = {0.9f, 0.1f, 0.4f, 0.4f, 0.8f, 0.3f, 0.7f, 0.2f};
    xt::xtensor<int, 1> l = {1, 0, 1, 0, 1, 0, 0, 1};
    xt::xtensor<float, 1> w = {1.0f, 2.0f, 0.5f, 1.0f, 1.5f, 1.0f, 0.25f, 3.0f};
    roc_data d;
    d.score.assign(s.begin(), s.end());
    d.label.assign(l.begin(), l.end());
    CHECK(jetml::auc(s, l) == jetml::auc(d));
    d.weight.assign(w.begin(), w.end());
    CHECK(jetml::auc(s, l, w) == jetml::auc(d));
    // hand case: perfect separation, and the reverse
    xt::xtensor<double, 1> s2 = {0.1, 0.2, 0.8, 0.9};
    xt::xtensor<std::uint8_t, 1> l2 = {0, 0, 1, 1};
    CHECK(jetml::auc(s2, l2) == 1.0);
    xt::xtensor<std::uint8_t, 1> l3 = {1, 1, 0, 0};
    CHECK(jetml::auc(s2, l3) == 0.0);
}

TEST_CASE("metrics_xt: roc_table holds compute_roc's points as (fpr, tpr, threshold) rows") {
    xt::xtensor<double, 1> s = {0.9, 0.1, 0.4, 0.35, 0.8};
    xt::xtensor<float, 1> l = {1, 0, 1, 0, 0};
    roc_data d;
    d.score.assign(s.begin(), s.end());
    d.label = {1, 0, 1, 0, 0};
    const roc_curve c = compute_roc(d, false);
    auto t = roc_table(s, l, false);
    REQUIRE(t.shape()[0] == c.size());
    REQUIRE(t.shape()[1] == 3);
    CHECK(std::isinf(t(0, 2)));
    for (std::size_t i = 0; i < c.size(); ++i) {
        CHECK(t(i, 0) == c.fpr(i));
        CHECK(t(i, 1) == c.tpr(i));
        CHECK(t(i, 2) == c.threshold[i]);
    }
    CHECK(t(c.size() - 1, 0) == 1.0);
}

TEST_CASE("metrics_xt: unequal lengths and bad labels are errors") {
    xt::xtensor<float, 1> s = {0.1f, 0.2f, 0.3f};
    xt::xtensor<int, 1> l2 = {0, 1};
    xt::xtensor<int, 1> bad = {0, 2, 1};
    CHECK_THROWS_WITH_AS(jetml::auc(s, l2), doctest::Contains("2 labels for 3 scores"), jetml::error);
    CHECK_THROWS_AS(jetml::auc(s, bad), jetml::error);
}
