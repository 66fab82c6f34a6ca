// SPDX-License-Identifier: MIT
// Unit tests of jetml/trees/booster: the histogram split search against its brute-force twin,
// boosting against a two-round example worked by hand, growth limits, NaN directions, early
// stopping, thread-count independence and the training-time scores.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/trees/booster.hpp"
#include "support.hpp"

using namespace jetml;
using namespace jetml::trees;

namespace {

/// n samples of d features: y = 1 when x0 + 0.5 x1 + noise > 0; feature 2 NaN for a quarter of
/// the rows (mostly signal ones), feature 3 pure noise; weights in [0.5, 1.5).
data::labelled_set toy(std::size_t n, std::uint64_t seed, std::size_t d = 4) {
    data::labelled_set s;
    s.n = n, s.size = d, s.shape = {d};
    s.x.resize(n * d), s.y.resize(n), s.w.resize(n);
    rng r(seed);
    for (std::size_t i = 0; i < n; ++i) {
        float* x = &s.x[i * d];
        for (std::size_t f = 0; f < d; ++f) x[f] = float(r.normal());
        s.y[i] = x[0] + 0.5f * x[1] + 0.7 * r.normal() > 0 ? 1.0f : 0.0f;
        if (d > 2 && r.uniform() < (s.y[i] > 0 ? 0.4 : 0.1)) x[2] = std::nanf("");
        s.w[i] = float(0.5 + r.uniform());
    }
    return s;
}

}  // namespace

TEST_CASE("booster: the histogram split search finds every candidate's gain as the brute-force twin does") {
    const data::labelled_set s = toy(300, 3);
    booster_params p;
    p.lambda = 0.7;
    p.min_child_weight = 0.5;
    p.max_bins = 12;
    const bin_edges e = fit_bins(s.x.data(), s.n, s.size, p.max_bins, 1);
    const auto cols = apply_bins(e, s.x.data(), s.n);
    std::vector<std::uint8_t> bins(cols.size());  // row-major, as build_histogram reads them
    for (std::size_t i = 0; i < s.n; ++i)
        for (std::size_t f = 0; f < s.size; ++f) bins[i * s.size + f] = cols[f * s.n + i];
    // a node: every third row, with random gradients
    std::vector<std::uint32_t> rows;
    for (std::uint32_t i = 0; i < s.n; i += 3) rows.push_back(i);
    rng r(9);
    std::vector<grad_pair> gh(rows.size());
    double g = 0, h = 0;
    for (auto& v : gh) {
        v = {float(r.uniform(-1, 1)), float(r.uniform(0.05, 0.25))};
        g += v.g, h += v.h;
    }
    std::vector<std::size_t> feats{0, 1, 2, 3};
    std::vector<double> hist(s.size * 512);
    build_histogram(bins.data(), s.size, feats, rows.data(), rows.size(), gh.data(), hist.data());
    std::vector<split_candidate> fast, ref;
    const split_candidate bf = find_split(hist.data(), g, h, e, feats, p, &fast);
    const split_candidate br = find_split_ref(s.x.data(), s.size, e, rows.data(), rows.size(), gh.data(), feats, p, &ref);
    REQUIRE(fast.size() == ref.size());
    CHECK(fast.size() > 20);
    // feature 2 has NaN: both directions per threshold are candidates
    CHECK(std::count_if(fast.begin(), fast.end(), [](const split_candidate& c) { return c.feature == 2 && c.default_left; }) > 0);
    for (std::size_t k = 0; k < fast.size(); ++k) {
        CHECK(fast[k].feature == ref[k].feature);
        CHECK(fast[k].bin == ref[k].bin);
        CHECK(fast[k].default_left == ref[k].default_left);
        // the sums agree to double rounding of ~100 float terms of size <= 1 (the histogram path
        // gets the right side by subtraction), so gains (O(1..100)) agree to 1e-9
        CHECK(std::abs(fast[k].gain - ref[k].gain) < 1e-9);
        CHECK(std::abs(fast[k].hl - ref[k].hl) < 1e-9);
    }
    CHECK(bf.feature == br.feature);
    CHECK(bf.bin == br.bin);
    CHECK(bf.default_left == br.default_left);
    // the best is the largest gain
    for (const auto& c : fast) CHECK(c.gain <= bf.gain);
    // subtraction: the histogram of the other rows is the total minus this one
    std::vector<std::uint32_t> rest;
    std::vector<grad_pair> ghr;
    for (std::uint32_t i = 0; i < s.n; ++i)
        if (i % 3) rest.push_back(i), ghr.push_back({0.25f, 0.125f});
    std::vector<double> hall(s.size * 512), hrest(s.size * 512);
    std::vector<std::uint32_t> all_rows(s.n);
    std::vector<grad_pair> gall(s.n);
    for (std::uint32_t i = 0; i < s.n; ++i) all_rows[i] = i, gall[i] = i % 3 ? grad_pair{0.25f, 0.125f} : gh[i / 3];
    build_histogram(bins.data(), s.size, feats, all_rows.data(), s.n, gall.data(), hall.data());
    build_histogram(bins.data(), s.size, feats, rest.data(), rest.size(), ghr.data(), hrest.data());
    double worst = 0;
    for (std::size_t k = 0; k < hall.size(); ++k) worst = std::max(worst, std::abs(hall[k] - hrest[k] - hist[k]));
    CHECK(worst < 1e-12);  // sums of <= 300 float terms of size <= 1 in double
}

TEST_CASE("booster: two rounds of depth 1 match the example worked by hand") {
    // x = 1, 2, 3, 4 with y = 0, 0, 1, 1: base log(2/2) = 0, p = 1/2, g = p - y, h = 1/4
    data::labelled_set s;
    s.n = 4, s.size = 1, s.shape = {1};
    s.x = {1, 2, 3, 4}, s.y = {0, 0, 1, 1}, s.w = {1, 1, 1, 1};
    booster_params p;
    p.trees = 2, p.max_depth = 1, p.learning_rate = 0.5, p.lambda = 1, p.min_child_weight = 0;
    const boost_result r = fit_booster(s, data::labelled_set(), p);
    REQUIRE(r.model.trees.size() == 2);
    CHECK(r.model.base_score == 0);
    const tree& t1 = r.model.trees[0];
    REQUIRE(t1.size() == 3);
    // candidates at 1.5, 2.5, 3.5: gains 0.5^2/1.25 + 0.5^2/1.75, 1^2/1.5 * 2, and the mirror
    // of the first; the middle one wins
    CHECK(t1[0].threshold == 2.5f);
    CHECK(t1[0].gain == doctest::Approx(2.0 / 1.5).epsilon(1e-12));
    // leaves -G / (H + lambda) * lr = -(1)/(0.5 + 1) * 0.5 and its mirror
    CHECK(t1[1].value == float(-1.0 / 1.5 * 0.5));
    CHECK(t1[2].value == float(1.0 / 1.5 * 0.5));
    // round 2 starts from raw -1/3 and +1/3: p = sigmoid(-1/3) on the left, g = p, h = p (1 - p)
    const double z = double(t1[1].value), q = 1 / (1 + std::exp(-z));
    const double v2 = -(2 * q) / (2 * q * (1 - q) + 1) * 0.5;
    const tree& t2 = r.model.trees[1];
    REQUIRE(t2.size() == 3);
    CHECK(t2[0].threshold == 2.5f);
    CHECK(double(t2[1].value) == doctest::Approx(v2).epsilon(1e-6));  // g, h are float32
    CHECK(double(t2[2].value) == doctest::Approx(-v2).epsilon(1e-6));
    CHECK(r.train_raw[0] == double(t1[1].value) + double(t2[1].value));
    CHECK(r.train_raw[3] == double(t1[2].value) + double(t2[2].value));
    // importance: both splits on feature 0
    CHECK(r.model.importance_splits[0] == 2);
}

TEST_CASE("booster: depth and leaf limits hold for both growth policies") {
    const data::labelled_set s = toy(2000, 5);
    for (growth gr : {growth::depthwise, growth::leafwise}) {
        booster_params p;
        p.trees = 5, p.grow = gr, p.max_depth = gr == growth::depthwise ? 3 : 0, p.max_leaves = gr == growth::depthwise ? 0 : 7;
        const boost_result r = fit_booster(s, data::labelled_set(), p);
        for (const tree& t : r.model.trees) {
            std::size_t leaves = 0, depth = 0;
            std::vector<std::size_t> dep(t.size());
            for (std::size_t k = 0; k < t.size(); ++k) {
                if (t[k].feature < 0) ++leaves;
                else dep[std::size_t(t[k].left)] = dep[std::size_t(t[k].right)] = dep[k] + 1;
                depth = std::max(depth, dep[k]);
            }
            if (gr == growth::depthwise) {
                CHECK(depth <= 3);
                CHECK(leaves == 8);  // 2000 rows split freely to depth 3
            } else {
                CHECK(leaves == 7);
            }
        }
    }
}

TEST_CASE("booster: the same trees for any thread count, and the training scores are the model's scores") {
    const data::labelled_set s = toy(3000, 8), v = toy(500, 9);
    booster_params p;
    p.trees = 15, p.subsample = 0.7, p.colsample = 0.75, p.seed = 4;
    omp_set_num_threads(1);
    const boost_result a = fit_booster(s, v, p);
    omp_set_num_threads(2);
    const boost_result b = fit_booster(s, v, p);
    omp_set_num_threads(omp_get_num_procs());
    REQUIRE(a.model.trees.size() == b.model.trees.size());
    CHECK(a.train_raw == b.train_raw);
    const auto ra = a.model.raw_scores(s.x.data(), s.n);
    CHECK(ra == a.train_raw);  // bitwise: the same float leaf values summed in the same order
    for (std::size_t t = 0; t < a.model.trees.size(); ++t)
        for (std::size_t k = 0; k < a.model.trees[t].size(); ++k) {
            CHECK(a.model.trees[t][k].value == b.model.trees[t][k].value);
            CHECK(a.model.trees[t][k].feature == b.model.trees[t][k].feature);
        }
}

TEST_CASE("booster: NaN goes the side it gains more on; a NaN-only feature never splits") {
    data::labelled_set s = toy(4000, 12);
    for (std::size_t i = 0; i < s.n; ++i) s.x[i * 4 + 3] = std::nanf("");
    booster_params p;
    p.trees = 30;
    const boost_result r = fit_booster(s, data::labelled_set(), p);
    CHECK(r.model.importance_splits[3] == 0);
    CHECK(r.model.importance_splits[2] > 0);  // NaN in feature 2 tells signal
    // rows whose feature 2 is NaN are 80 % signal (0.4 of signal vs 0.1 of background)
    double nan_sum = 0, other = 0;
    std::size_t nn = 0, no = 0;
    for (std::size_t i = 0; i < s.n; ++i)
        (std::isnan(s.x[i * 4 + 2]) ? (nan_sum += r.train_raw[i], ++nn) : (other += r.train_raw[i], ++no));
    CHECK(nan_sum / double(nn) > other / double(no) + 0.5);
}

TEST_CASE("booster: early stopping keeps the best round's trees") {
    data::labelled_set s = toy(400, 21), v = toy(400, 22);
    for (auto& y : s.y) y = y > 0 ? 1 : 0;
    booster_params p;
    p.trees = 300, p.max_depth = 8, p.learning_rate = 0.5, p.min_child_weight = 0, p.patience = 5;
    const boost_result r = fit_booster(s, v, p);
    CHECK(r.stopped_early);
    CHECK(r.model.trees.size() == r.best_round);
    CHECK(r.rounds_done == r.best_round + 5);
    std::vector<double> vr = r.model.raw_scores(v.x.data(), v.n);
    CHECK(log_loss(vr, v.y.data(), v.w.data(), v.n) == doctest::Approx(r.best_val_loss).epsilon(1e-12));
    CHECK(r.model.raw_scores(s.x.data(), s.n) == r.train_raw);
}

TEST_CASE("booster: bad input is a clear error") {
    data::labelled_set s = toy(50, 2);
    for (auto& y : s.y) y = 1;
    CHECK_THROWS_WITH_AS(fit_booster(s, data::labelled_set(), booster_params()),
                         "the booster needs both classes with positive weight in the training set", jetml::error);
    booster_params p;
    p.max_bins = 256;
    CHECK_THROWS_AS(p.check(), jetml::usage_error);
    p = booster_params();
    p.max_depth = 0;
    CHECK_THROWS_WITH_AS(p.check(), "--depth 0 (no limit) needs --leaves", jetml::usage_error);
}
