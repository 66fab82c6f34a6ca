// SPDX-License-Identifier: MIT
// Unit tests for jetml/metrics: ROC points, AUC, working-point numbers, worked by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"

using namespace jetml;

namespace {
roc_data make(std::vector<double> s, std::vector<std::uint8_t> y, std::vector<double> w = {}) {
    roc_data d;
    d.score = std::move(s);
    d.label = std::move(y);
    d.weight = std::move(w);
    return d;
}
const double inf = std::numeric_limits<double>::infinity();
// Hand-worked values are ratios of small integers: 1e-15 allows for the one rounding of a
// double division and nothing more.
const double tight = 1e-15;
}  // namespace

TEST_CASE("metrics: perfectly separated classes have AUC 1") {
    auto d = make({0.9, 0.1, 0.8, 0.2}, {1, 0, 1, 0});
    CHECK(auc(d) == 1.0);
    auto rev = make({0.1, 0.9, 0.2, 0.8}, {1, 0, 1, 0});
    CHECK(auc(rev) == 0.0);
}

TEST_CASE("metrics: identical scores give AUC 0.5 and one diagonal segment") {
    auto d = make({0.3, 0.3, 0.3, 0.3, 0.3}, {1, 0, 1, 0, 0});
    CHECK(auc(d) == 0.5);
    auto c = compute_roc(d);
    REQUIRE(c.size() == 2);
    CHECK(c.threshold[0] == inf);
    CHECK(c.threshold[1] == 0.3);
    CHECK(c.tps[1] == 2);
    CHECK(c.fps[1] == 3);
}

TEST_CASE("metrics: scikit-learn's documented roc_curve example") {
    // sklearn.metrics.roc_curve docstring: y = [1, 1, 2, 2] (pos 2), scores [.1, .4, .35, .8]
    // -> fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], thresholds [inf, .8, .4, .35, .1]
    auto d = make({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1});
    auto c = compute_roc(d);
    REQUIRE(c.size() == 5);
    const double fpr[] = {0, 0, 0.5, 0.5, 1}, tpr[] = {0, 0.5, 0.5, 1, 1}, thr[] = {inf, 0.8, 0.4, 0.35, 0.1};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(c.fpr(i) == fpr[i]);
        CHECK(c.tpr(i) == tpr[i]);
        CHECK(c.threshold[i] == thr[i]);
    }
    CHECK(auc(d) == 0.75);
}

TEST_CASE("metrics: a signal-background tie counts one half") {
    // pairs (s, b): (.8,.5) 1, (.8,.2) 1, (.5,.5) 1/2, (.5,.2) 1 -> 3.5 / 4
    auto d = make({0.5, 0.5, 0.2, 0.8}, {0, 1, 0, 1});
    CHECK(std::abs(auc(d) - 0.875) < tight);
    auto c = compute_roc(d, false);
    REQUIRE(c.size() == 4);  // (0,0) inf, (0,.5) .8, (.5,1) .5, (1,1) .2
    CHECK(c.threshold[2] == 0.5);
    CHECK(c.tpr(2) == 1.0);
    CHECK(c.fpr(2) == 0.5);

    SUBCASE("working points on the tied segment are interpolated") {
        CHECK(eff_b_at_eff_s(c, 0.5) == 0.0);                    // reached at the vertex (0, .5)
        CHECK(std::abs(eff_b_at_eff_s(c, 0.75) - 0.25) < tight);  // halfway along the tie
        CHECK(std::abs(eff_s_at_eff_b(c, 0.25) - 0.75) < tight);
        CHECK(eff_s_at_eff_b(c, 0.5) == 1.0);
        CHECK(eff_s_at_eff_b(c, 0.0) == 0.5);
    }
    SUBCASE("max SIC over the thresholds with eps_B > 0") {
        auto s = max_sic(c);
        REQUIRE(s.found);
        CHECK(std::abs(s.sic - std::sqrt(2.0)) < tight);
        CHECK(s.threshold == 0.5);
        CHECK(s.eff_b == 0.5);
        // excluding eps_B < 0.6 leaves the (1, 1) point, SIC 1
        CHECK(max_sic(c, 0.6).sic == 1.0);
    }
    SUBCASE("accuracy with score >= threshold called signal") {
        CHECK(accuracy_at(c, 0.5) == 0.75);  // the background at .5 is wrong
        CHECK(accuracy_at(c, 0.6) == 0.75);  // the signal at .5 is wrong
        CHECK(accuracy_at(c, 0.9) == 0.5);   // everything called background
        CHECK(accuracy_at(c, 0.0) == 0.5);   // everything called signal
    }
}

TEST_CASE("metrics: weighted AUC is the weighted Mann-Whitney statistic") {
    // P = 1 + 3, N = 2 + 4; winning pairs: .9 (w1) beats both (6), .7 (w3) beats .6 (w4): 12
    auto d = make({0.9, 0.8, 0.7, 0.6}, {1, 0, 1, 0}, {1, 2, 3, 4});
    CHECK(std::abs(auc(d) - 18.0 / 24.0) < tight);
}

TEST_CASE("metrics: zero-weight events are dropped, as scikit-learn does") {
    auto base = make({0.9, 0.8, 0.7, 0.6}, {1, 0, 1, 0}, {1, 2, 3, 4});
    auto extra = make({0.9, 0.8, 0.7, 0.6, 0.95, 0.8}, {1, 0, 1, 0, 0, 1}, {1, 2, 3, 4, 0, 0});
    auto a = compute_roc(base), b = compute_roc(extra);
    CHECK(a.threshold == b.threshold);
    CHECK(a.tps == b.tps);
    CHECK(a.fps == b.fps);
    auto only_zero_bkg = make({0.9, 0.8}, {1, 0}, {1, 0});
    CHECK_THROWS_AS(auc(only_zero_bkg), jetml::error);
}

TEST_CASE("metrics: drop_intermediate keeps the corners, as scikit-learn") {
    // fps = [0,0,0,1,2,3], tps = [1,2,3,3,3,3]: sklearn keeps indices 0, 2, 5
    auto d = make({6, 5, 4, 3, 2, 1}, {1, 1, 1, 0, 0, 0});
    auto c = compute_roc(d, true);
    REQUIRE(c.size() == 4);
    CHECK(c.threshold[1] == 6);
    CHECK(c.threshold[2] == 4);
    CHECK(c.threshold[3] == 1);
    CHECK(compute_roc(d, false).size() == 7);
}

TEST_CASE("metrics: bad input is an error with a clear message") {
    CHECK_THROWS_WITH_AS(auc(make({0.1, 0.2}, {1, 1})),
                         doctest::Contains("only one class present (2 signal, 0 background"), jetml::error);
    CHECK_THROWS_WITH_AS(auc(make({0.1, std::nan("")}, {1, 0})), "score nan at row 1; expected finite",
                         jetml::error);
    CHECK_THROWS_WITH_AS(auc(make({0.1, 0.2}, {1, 2})), "label 2 at row 1; expected 0 or 1", jetml::error);
    CHECK_THROWS_WITH_AS(auc(make({0.1, 0.2}, {1})), doctest::Contains("differ in length"), jetml::error);
    CHECK_THROWS_AS(auc(make({}, {})), jetml::error);
    const float s[] = {0.2f, 0.7f};
    const float y[] = {0.f, 3.f};
    CHECK_THROWS_AS(auc(s, y, 2), jetml::error);
}

TEST_CASE("metrics: AUC equals the brute-force pair count on random tied, weighted data") {
    rng g(7);
    for (int rep = 0; rep < 20; ++rep) {
        const std::size_t n = 50 + g.below(300);
        roc_data d;
        for (std::size_t i = 0; i < n; ++i) {
            d.score.push_back(static_cast<double>(g.below(12)) - 5.0);  // heavy ties, negatives
            d.label.push_back(static_cast<std::uint8_t>(g.below(2)));
            d.weight.push_back(rep % 2 ? g.uniform(0.0, 2.0) : 1.0);
        }
        d.weight[0] = 0;  // a zero weight must not matter
        double num = 0, p = 0, q = 0;
        for (std::size_t i = 0; i < n; ++i) (d.label[i] ? p : q) += d.weight[i];
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
                if (d.label[i] == 1 && d.label[j] == 0) {
                    const double w = d.weight[i] * d.weight[j];
                    num += d.score[i] > d.score[j] ? w : d.score[i] == d.score[j] ? 0.5 * w : 0.0;
                }
        // different summation orders of ~n^2 products of O(1) weights: rounding well below 1e-12
        CHECK(std::abs(auc(d) - num / (p * q)) < 1e-12);
        // the full summary agrees with the one-pass AUC
        auto qs = summarize(compute_roc(d, false), summary_spec{});
        CHECK(qs[2].key == "auc");
        CHECK(std::abs(qs[2].value - num / (p * q)) < 1e-12);
    }
}

namespace {
// Sorts the keys of s with their indices as payload and checks the result: ascending in key
// and in score, stable (equal keys keep their input order), and every key maps back to its
// score (-0.0 compares equal to the +0.0 it becomes). Returns the sorted keys.
std::vector<std::uint64_t> check_radix_sort(const std::vector<double>& s) {
    std::vector<std::uint64_t> key;
    std::vector<double> pay;
    for (std::size_t i = 0; i < s.size(); ++i) {
        key.push_back(score_key(s[i]));
        pay.push_back(static_cast<double>(i));
    }
    radix_sort(key, pay);
    bool sorted = true, stable = true, roundtrip = true;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const auto idx = static_cast<std::size_t>(pay[i]);
        roundtrip &= key_score(key[i]) == s[idx] && score_key(s[idx]) == key[i];
        if (i > 0) {
            sorted &= key[i - 1] <= key[i] && key_score(key[i - 1]) <= key_score(key[i]);
            if (key[i - 1] == key[i]) stable &= pay[i - 1] < pay[i];
        }
    }
    CHECK(sorted);
    CHECK(stable);
    CHECK(roundtrip);
    return key;
}
}  // namespace

TEST_CASE("metrics: radix sort is a stable sort and maps -0.0 to +0.0") {
    rng g(3);
    std::vector<double> s;
    for (int i = 0; i < 5000; ++i) s.push_back(g.below(4) == 0 ? -g.uniform(0, 1e-300) : g.normal() * 1e3);
    s.push_back(-0.0);
    s.push_back(0.0);
    s.push_back(-inf);
    s.push_back(inf);
    check_radix_sort(s);
    CHECK(score_key(-0.0) == score_key(0.0));
}

TEST_CASE("metrics: partial AUC as scikit-learn's max_fpr") {
    // fpr [0,0,.5,.5,1], tpr [0,.5,.5,1,1]; up to fpr .5 the area is .5 * .5 = .25;
    // McClish: 0.5 (1 + (.25 - .125) / (.5 - .125)) = 2/3
    auto c = compute_roc(make({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}));
    auto p = partial_auc(c, 0.5);
    CHECK(std::abs(p.raw - 0.25) < tight);
    CHECK(std::abs(p.standardized - 2.0 / 3.0) < tight);
    // a cut in the middle of a segment interpolates: up to .25, area .5 * .25
    CHECK(std::abs(partial_auc(c, 0.25).raw - 0.125) < tight);
}

TEST_CASE("metrics: bootstrap is reproducible and its spread is sensible") {
    rng g(11);
    roc_data d;
    for (int i = 0; i < 4000; ++i) {
        const std::uint8_t y = static_cast<std::uint8_t>(g.below(2));
        d.label.push_back(y);
        d.score.push_back(g.normal() + (y ? 1.0 : 0.0));
    }
    auto r = rank_events(d);
    summary_spec spec;
    auto a = bootstrap(r, spec, 200, 5), b = bootstrap(r, spec, 200, 5);
    REQUIRE(a.size() == 200);
    CHECK(a == b);
    std::vector<double> mean, err;
    mean_and_std(a, mean, err);
    const double nominal = auc(r);
    // AUC ~0.76 with 2000 + 2000 events: the Hanley-McNeil standard error is ~0.0074;
    // 200 replicas estimate it to ~5%, so [0.006, 0.009] cannot fail by chance
    CHECK(err[2] > 0.006);
    CHECK(err[2] < 0.009);
    CHECK(std::abs(mean[2] - nominal) < 3 * err[2] / std::sqrt(200.0) + 1e-3);
}

namespace {
// scikit-learn's _binary_clf_curve and drop_intermediate, written out literally: a stable
// ascending argsort reversed, cumulative sums of y*w and (1-y)*w over every event, one point
// at the end of each run of equal scores; zero weights dropped first.
roc_curve reference_roc(const roc_data& d, bool drop) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < d.score.size(); ++i)
        if (d.weight.empty() || d.weight[i] != 0) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return d.score[a] < d.score[b]; });
    std::reverse(idx.begin(), idx.end());
    std::vector<double> thr, tps, fps;
    double tp = 0, fp = 0;
    for (std::size_t j = 0; j < idx.size(); ++j) {
        const std::size_t i = idx[j];
        const double w = d.weight.empty() ? 1.0 : d.weight[i];
        if (d.label[i]) tp += w;
        else fp += w;
        if (j + 1 == idx.size() || d.score[idx[j + 1]] != d.score[i]) {
            thr.push_back(d.score[i] + 0.0);
            tps.push_back(tp);
            fps.push_back(fp);
        }
    }
    roc_curve c;
    c.threshold.push_back(inf);
    c.tps.push_back(0);
    c.fps.push_back(0);
    for (std::size_t g = 0; g < thr.size(); ++g) {
        const bool keep = !drop || g == 0 || g + 1 == thr.size() ||
                          (fps[g + 1] - fps[g]) - (fps[g] - fps[g - 1]) != 0 ||
                          (tps[g + 1] - tps[g]) - (tps[g] - tps[g - 1]) != 0;
        if (keep) {
            c.threshold.push_back(thr[g]);
            c.tps.push_back(tps[g]);
            c.fps.push_back(fps[g]);
        }
    }
    return c;
}

// Scores that stress the bucket sort: continuous values, ties spanning many buckets, one huge
// tie, -0.0 and +0.0, subnormals, and outliers at positions the range sample skips.
roc_data stress_data(std::size_t n, bool weighted, std::uint64_t seed) {
    rng g(seed);
    roc_data d;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t y = g.uniform() < 0.45;
        double s = g.uniform() + 0.3 * y;
        switch (g.below(6)) {
            case 1: s = std::round(s * 1000) / 1000; break;
            case 2: s = g.below(2) ? -0.0 : 0.0; break;
            case 3: s = 0.5; break;
            case 4: s = g.below(2) ? 5e-324 : -1e-310; break;
            default: break;
        }
        if (i % 997 == 1) s = g.below(2) ? 1e300 : -1e300;
        d.score.push_back(s);
        d.label.push_back(y);
        if (weighted) d.weight.push_back(g.below(20) == 0 ? 0.0 : g.uniform(-0.5, 2.0));
    }
    return d;
}

bool same_curve(const roc_curve& a, const roc_curve& b) {
    return a.threshold == b.threshold && a.tps == b.tps && a.fps == b.fps;
}
}  // namespace

TEST_CASE("metrics: large inputs (bucket sort path) give scikit-learn's curve bit for bit") {
    const int threads = max_threads();
    set_threads(2);  // the buckets of the 300000-event cases are sorted on 2 threads
    for (const bool weighted : {false, true})
        for (const std::size_t n : {std::size_t(3000), std::size_t(300000)}) {
            CAPTURE(weighted);
            CAPTURE(n);
            const roc_data d = stress_data(n, weighted, 7 + n);
            const ranked_events r = rank_events(d);
            CHECK(std::is_sorted(r.key.begin(), r.key.end()));
            CHECK(same_curve(compute_roc(r, false), reference_roc(d, false)));
            CHECK(same_curve(compute_roc(r, true), reference_roc(d, true)));
            // the trapezoid of the full reference curve, summed in another order
            const roc_curve ref = reference_roc(d, false);
            double area = 0;
            for (std::size_t i = 1; i < ref.size(); ++i)
                area += (ref.fps[i] - ref.fps[i - 1]) * (ref.tps[i] + ref.tps[i - 1]) / 2;
            area /= ref.tps.back() * ref.fps.back();
            // ~1e5 terms of O(1) summed in different orders: rounding ~1e-16 * sqrt(1e5) << 1e-12
            CHECK(std::abs(auc(r) - area) < 1e-12);
        }
    // a score range wider than a double (hi - lo overflows): one bucket, radix levels only
    roc_data d = stress_data(20000, false, 3);
    d.score[0] = 1.7e308;
    d.score[19] = -1.7e308;
    CHECK(same_curve(compute_roc(d, false), reference_roc(d, false)));
    // every score equal: one point besides the origin
    roc_data t = stress_data(5000, true, 5);
    std::fill(t.score.begin(), t.score.end(), -0.25);
    CHECK(same_curve(compute_roc(t, false), reference_roc(t, false)));
    CHECK(compute_roc(t, false).size() == 2);
    set_threads(threads);
}

TEST_CASE("metrics: radix sort of many keys with ties, infinities and signed zeros") {
    rng g(17);
    std::vector<double> s;
    for (int i = 0; i < 300000; ++i) {
        switch (g.below(5)) {
            case 0: s.push_back(g.below(2) ? -0.0 : 0.0); break;
            case 1: s.push_back(g.below(2) ? inf : -inf); break;
            case 2: s.push_back(std::round(g.normal() * 100) / 100); break;
            default: s.push_back(g.normal() * std::pow(10.0, g.uniform(-300, 300)));
        }
    }
    auto key = check_radix_sort(s);
    std::vector<double> none;
    radix_sort(key, none);  // keys only
    CHECK(std::is_sorted(key.begin(), key.end()));
}
