// SPDX-License-Identifier: MIT
// test/unit/search/test_anode.cpp - ANODE/CATHODE building blocks: the KDE of the conditions,
// the probability-space ensemble, numerical safety at the preprocessing's edges, sampling
// refusals, reproducibility, and CATHODE's k-fold scoring.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/search/anode.hpp"

using namespace jetml;

namespace {

// rows [x0, x1, m]: m ~ U(1, 5), x0 ~ N(m / 5, 0.2), x1 = x1_base + width * U(0, 1)
data::labelled_set events(std::size_t n, std::uint64_t seed, double width = 1.0, double x1_base = 0.0) {
    data::labelled_set d;
    d.shape = {3}, d.size = 3, d.n = n;
    d.x.resize(n * 3), d.y.assign(n, 0.0f), d.w.assign(n, 1.0f);
    rng r(seed);
    for (std::size_t i = 0; i < n; ++i) {
        const double m = r.uniform(1, 5);
        d.x[i * 3 + 0] = float(m / 5 + 0.2 * r.normal());
        d.x[i * 3 + 1] = float(x1_base + width * r.uniform());
        d.x[i * 3 + 2] = float(m);
    }
    return d;
}

search::flow_training tiny(std::size_t epochs, std::size_t ensemble) {
    search::flow_training o;
    o.config.cond = 1, o.config.blocks = 2, o.config.hidden = 16;
    o.fit.epochs = epochs, o.fit.batch = 128, o.fit.lr = 1e-3, o.fit.patience = 0, o.fit.loss = "nll";
    o.ensemble = ensemble;
    return o;
}

train::fit_context ctx(std::uint64_t seed) {
    train::fit_context c;
    c.seed = seed;
    return c;
}

}  // namespace

TEST_CASE("anode: the KDE draws stay in [lo, hi), spread by the bandwidth, and repeat for a seed") {
    const std::vector<float> v{2.0f};
    const auto a = search::kde_sample(v, 0.1, 1.5, 2.5, 20000, 3);
    double s = 0, s2 = 0;
    for (float x : a) {
        CHECK((x >= 1.5f && x < 2.5f));
        s += x, s2 += double(x) * x;
    }
    const double mean = s / double(a.size()), sd = std::sqrt(s2 / double(a.size()) - mean * mean);
    // 20000 draws of N(2, 0.1) (the +-5 sigma cut is negligible): the mean to 5e-3, the std to 5%
    CHECK(std::fabs(mean - 2.0) < 5e-3);
    CHECK(std::fabs(sd - 0.1) < 5e-3);
    CHECK(search::kde_sample(v, 0.1, 1.5, 2.5, 100, 3) == std::vector<float>(a.begin(), a.begin() + 100));
    CHECK_THROWS_AS(search::kde_sample(v, 0.1, 5.0, 6.0, 10, 3), error);  // no mass in the range
    CHECK_THROWS_AS(search::kde_sample({}, 0.1, 1.0, 2.0, 10, 3), error);
}

TEST_CASE("anode: an ensemble of identical members has the member's density; log R of a density against itself is 0") {
    const auto d = events(600, 1);
    auto e = search::train_flow(d, nullptr, tiny(2, 1), ctx(1), "test density");
    REQUIRE(e.members.size() == 1);
    std::vector<double> one(d.n), three(d.n);
    e.log_prob(d.x.data(), d.n, one.data());
    auto e3 = e;
    e3.members = {e.members[0], e.members[0], e.members[0]};
    e3.log_prob(d.x.data(), d.n, three.data());
    for (std::size_t i = 0; i < d.n; ++i) CHECK(three[i] == doctest::Approx(one[i]).epsilon(1e-12));  // log(3 p / 3)
    const auto s = search::anode_score(e, e3, d.x.data(), d.n);
    CHECK(s.outside == 0);
    for (double r : s.log_r) CHECK(std::fabs(r) < 1e-9);
}

TEST_CASE("anode: no NaN or inf at the fitted range's edges, with a 1e-7-wide variable, in log p and in samples") {
    // x1 spans only 1e-7 (float resolves it near 0): the preprocessing must still give finite values
    auto d = events(800, 2, 1e-7, 0.0);
    auto e = search::train_flow(d, nullptr, tiny(3, 2), ctx(2), "narrow density");
    const auto& p = e.meta.prep;
    // rows at the exact edges of every variable and condition
    std::vector<float> edge;
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            for (int c = 0; c < 2; ++c)
                edge.insert(edge.end(), {float(a ? p.hi[0] : p.lo[0]), float(b ? p.hi[1] : p.lo[1]), float(c ? p.chi[0] : p.clo[0])});
    std::vector<double> lp(8);
    CHECK(e.log_prob(edge.data(), 8, lp.data()) == 0);
    for (double v : lp) CHECK(std::isfinite(v));
    std::vector<float> c(2000), x(2000 * 2);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = float(p.clo[0] + (p.chi[0] - p.clo[0]) * double(i) / double(c.size() - 1));
    e.sample(c.data(), c.size(), 5, x.data());
    for (float v : x) CHECK(std::isfinite(v));
    for (std::size_t i = 0; i < c.size(); ++i) {
        CHECK(x[i * 2 + 1] >= float(p.lo[1]) - 1e-7f);
        CHECK(x[i * 2 + 1] <= float(p.hi[1]) + 1e-7f);
    }
    // a row just outside the range is masked (NaN), never scored as a number
    edge[0] = std::nextafter(float(p.lo[0]), -INFINITY);
    CHECK(e.log_prob(edge.data(), 1, lp.data()) == 1);
    CHECK(std::isnan(lp[0]));
}

TEST_CASE("anode: sampling refuses a condition outside the fitted range, naming it") {
    const auto d = events(400, 3);
    auto e = search::train_flow(d, nullptr, tiny(1, 1), ctx(3), "density");
    std::vector<float> c{3.0f, 7.5f}, x(4);
    CHECK_THROWS_WITH_AS(e.sample(c.data(), 2, 1, x.data()), doctest::Contains("condition 7.5 at row 1 is outside"), error);
}

TEST_CASE("anode: too few events is an error; training is bitwise reproducible for a seed") {
    CHECK_THROWS_WITH_AS(search::train_flow(events(10, 4), nullptr, tiny(1, 1), ctx(1), "sideband density"),
                         doctest::Contains("10 events to train on; at least 20"), error);
    const auto d = events(500, 5);
    auto a = search::train_flow(d, nullptr, tiny(2, 2), ctx(9), "d");
    auto b = search::train_flow(d, nullptr, tiny(2, 2), ctx(9), "d");
    REQUIRE(a.members.size() == 2);
    CHECK(a.model_bytes(0) == b.model_bytes(0));
    CHECK(a.model_bytes(1) == b.model_bytes(1));
    CHECK(a.model_bytes(0) != search::train_flow(d, nullptr, tiny(2, 2), ctx(10), "d").model_bytes(0));
}

TEST_CASE("anode: member paths insert the member number before the extension") {
    CHECK(search::member_path("flow.npz", 0) == "flow.npz");
    CHECK(search::member_path("flow.npz", 1) == "flow.2.npz");
    CHECK(search::member_path("dir.v1/flow", 2) == "dir.v1/flow.3");
}

TEST_CASE("cathode: every signal-region event is scored once, by the fold that held it out") {
    const auto bk = events(600, 6);
    auto e = search::train_flow(bk, nullptr, tiny(1, 1), ctx(6), "sideband density");
    auto sr = events(200, 7);
    for (std::size_t i = 0; i < sr.n; ++i) sr.x[i * 3 + 2] = float(2.5 + double(i % 10) * 0.05);  // m in [2.5, 3)
    search::cathode_options o;
    o.classifier.arch = "dense(8) relu dense(1)";
    o.classifier.ensemble = 2;
    o.fit.epochs = 2, o.fit.patience = 0, o.fit.class_weight = "balanced";
    o.folds = 4, o.oversample = 2, o.bandwidth = 0.02, o.sr_lo = 2.5, o.sr_hi = 3.0;
    const auto r = search::run_cathode(&e, sr, o, ctx(1));
    REQUIRE(r.score.size() == sr.n);
    CHECK(r.n_samples == 400);
    std::vector<std::size_t> per(4, 0);
    for (std::size_t i = 0; i < sr.n; ++i) {
        CHECK(std::isfinite(r.score[i]));
        CHECK((r.score[i] > 0 && r.score[i] < 1));
        ++per.at(r.fold[i]);
    }
    CHECK(per == std::vector<std::size_t>{50, 50, 50, 50});  // stratified: 200 events in 4 equal folds
    for (std::size_t i = 0; i < r.n_samples; ++i) CHECK((r.samples[i * 3 + 2] >= 2.5f && r.samples[i * 3 + 2] < 3.0f));
    o.folds = 25;  // 200 < 25 x 10
    CHECK_THROWS_AS(search::run_cathode(&e, sr, o, ctx(1)), error);
}

TEST_CASE("anode: a member's model file carries the preprocessing, the condition statistics included") {
    const auto d = events(300, 8);
    auto e = search::train_flow(d, nullptr, tiny(1, 1), ctx(4), "density");
    flow::flow_meta back;
    flow::flow_from_bytes(e.model_bytes(0), "m.npz", &back);
    const auto& a = e.meta.prep;
    const auto& b = back.prep;
    CHECK(b.lo == a.lo);  // printed round-trip, so equal to the bit
    CHECK(b.std == a.std);
    CHECK(b.clo == a.clo);
    CHECK(b.chi == a.chi);
    CHECK(b.cmean == a.cmean);
    CHECK(b.cstd == a.cstd);
}
