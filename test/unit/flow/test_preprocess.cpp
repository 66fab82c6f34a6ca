// SPDX-License-Identifier: MIT
// test/unit/flow/test_preprocess.cpp - min-max/logit/standardise preprocessing: its Jacobian
// against numeric derivatives, a density in the original variables that integrates to 1, the
// mask of rows outside the fitted range, range edges and narrow distributions, the model file.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/flow/flow_file.hpp"
#include "jetml/flow/preprocess.hpp"
#include "jetml/model/scorer.hpp"

using namespace jetml;

namespace {
// rows [x1, x2, c]: x1 ~ U(0, 2), x2 ~ U(-1, 3) (the grid test needs a known range), c ~ U(0, 1)
std::vector<float> box_rows(std::size_t n, std::uint64_t seed) {
    rng r(seed);
    std::vector<float> v(n * 3);
    for (std::size_t i = 0; i < n; ++i) {
        v[i * 3] = float(r.uniform(0, 2));
        v[i * 3 + 1] = float(r.uniform(-1, 3));
        v[i * 3 + 2] = float(r.uniform());
    }
    return v;
}
flow::maf small_flow(std::uint64_t seed) {
    flow::maf_config c;
    c.dim = 2, c.cond = 1, c.blocks = 3, c.hidden = 16;
    return flow::maf(c, seed);
}
}  // namespace

TEST_CASE("flow preprocessing: the log-Jacobian equals the numeric derivative; invert undoes apply") {
    const auto tr = box_rows(1000, 1);
    const auto p = flow::preprocessing::fit(tr.data(), 1000, 2, 1);
    CHECK(p.lo[0] >= 0);
    CHECK(p.hi[1] <= 3);
    const auto te = box_rows(20, 2);
    std::vector<float> s(te.size());
    std::vector<double> lj(20);
    std::vector<std::uint8_t> in;
    const std::size_t outside = p.apply(te.data(), 20, s.data(), lj.data(), in);
    for (std::size_t i = 0; i < 20; ++i) {
        if (!in[i]) continue;
        // d s_j / d x_j in double from the definition (the map is diagonal)
        double num = 0;
        for (std::size_t j = 0; j < 2; ++j) {
            auto f = [&](double x) {
                const double y = p.eps + (1 - 2 * p.eps) * (x - p.lo[j]) / (p.hi[j] - p.lo[j]);
                return (std::log(y / (1 - y)) - p.mean[j]) / p.std[j];
            };
            const double x = te[i * 3 + j], h = 1e-6;
            num += std::log(std::fabs((f(x + h) - f(x - h)) / (2 * h)));
        }
        CHECK(lj[i] == doctest::Approx(num).epsilon(1e-6));
        // the condition is standardised with the training rows' mean and standard deviation
        CHECK(s[i * 3 + 2] == doctest::Approx((te[i * 3 + 2] - p.cmean[0]) / p.cstd[0]).epsilon(1e-6));
    }
    CHECK(outside <= 2);  // test rows beyond the training extremes (within ~2/1000 of the box edges)
    // a preprocessing without condition statistics (an older model file) passes the condition through
    flow::preprocessing old = p;
    old.clo.clear(), old.chi.clear(), old.cmean.clear(), old.cstd.clear();
    std::vector<float> so(te.size());
    old.apply(te.data(), 20, so.data(), nullptr, in);
    for (std::size_t i = 0; i < 20; ++i)
        if (in[i]) CHECK(so[i * 3 + 2] == te[i * 3 + 2]);
    CHECK(old.first_condition_outside(te.data() + 2, 1) == 1);
    std::vector<float> s2(40), back(40);
    for (std::size_t i = 0; i < 20; ++i) s2[i * 2] = s[i * 3], s2[i * 2 + 1] = s[i * 3 + 1];
    p.invert(s2.data(), 20, back.data());
    for (std::size_t i = 0; i < 20; ++i)
        if (in[i])
            for (std::size_t j = 0; j < 2; ++j) CHECK(back[i * 2 + j] == doctest::Approx(te[i * 3 + j]).epsilon(1e-5));
}

TEST_CASE("flow preprocessing: the corrected density integrates to 1 over the fitted range") {
    const auto tr = box_rows(5000, 3);
    const auto p = flow::preprocessing::fit(tr.data(), 5000, 2, 1);
    auto m = small_flow(5);
    // midpoint rule on the fitted box; the density vanishes smoothly at the edges (Gaussian in the logit)
    const std::size_t k = 500;
    const double h0 = (p.hi[0] - p.lo[0]) / double(k), h1 = (p.hi[1] - p.lo[1]) / double(k);
    std::vector<float> xc(k * 3);
    std::vector<double> lp(k);
    double total = 0;
    for (std::size_t a = 0; a < k; ++a) {
        for (std::size_t b = 0; b < k; ++b) {
            xc[b * 3] = float(p.lo[0] + (double(a) + 0.5) * h0);
            xc[b * 3 + 1] = float(p.lo[1] + (double(b) + 0.5) * h1);
            xc[b * 3 + 2] = 0.3f;
        }
        const auto r = flow::preprocessed_log_prob(m, p, xc.data(), k, lp.data());
        REQUIRE(r.outside == 0);
        for (double v : lp) total += std::exp(v) * h0 * h1;
    }
    MESSAGE("integral " << total);
    CHECK(std::fabs(total - 1.0) < 1e-3);
}

TEST_CASE("flow preprocessing: rows outside the range are masked and counted, edges stay finite") {
    const auto tr = box_rows(500, 4);
    const auto p = flow::preprocessing::fit(tr.data(), 500, 2, 1);
    auto m = small_flow(6);
    std::vector<float> xc = {float(p.lo[0]), float(p.lo[1]), 0.5f,   // both at the lower edge
                             float(p.hi[0]), float(p.hi[1]), 0.5f,   // both at the upper edge
                             -0.5f, 1.0f, 0.5f,                      // x1 below
                             1.0f, NAN, 0.5f,                        // not finite
                             1.0f, 1.0f, 0.5f};
    std::vector<double> lp(5);
    const auto r = flow::preprocessed_log_prob(m, p, xc.data(), 5, lp.data());
    CHECK(r.outside == 2);
    CHECK(r.inside == std::vector<std::uint8_t>{1, 1, 0, 0, 1});
    CHECK(std::isfinite(lp[0]));
    CHECK(std::isfinite(lp[1]));
    CHECK(std::isnan(lp[2]));
    CHECK(std::isnan(lp[3]));
    CHECK(std::isfinite(lp[4]));
}

TEST_CASE("flow preprocessing: a 1e-7-wide distribution gives finite log p; a constant one is refused") {
    rng g(7);
    std::vector<float> tr(300 * 3);
    for (std::size_t i = 0; i < 300; ++i) {
        tr[i * 3] = float(1e-7 * g.uniform());
        tr[i * 3 + 1] = float(1e-7 * g.normal());
        tr[i * 3 + 2] = float(g.uniform());
    }
    const auto p = flow::preprocessing::fit(tr.data(), 300, 2, 1);
    auto m = small_flow(8);
    std::vector<float> s(tr.size());
    std::vector<double> lj(300), lp(300);
    std::vector<std::uint8_t> in;
    p.apply(tr.data(), 300, s.data(), lj.data(), in);
    m.recompute_statistics(s.data(), 300);
    const auto r = flow::preprocessed_log_prob(m, p, tr.data(), 300, lp.data());
    CHECK(r.outside == 0);
    bool finite = true;
    for (double v : lp) finite = finite && std::isfinite(v);
    CHECK(finite);
    std::vector<float> same(30, 2.5f);
    CHECK_THROWS_WITH_AS(flow::preprocessing::fit(same.data(), 10, 2, 1), doctest::Contains("same value"), jetml::error);
}

TEST_CASE("flow preprocessing: stored in the model file, the scorer applies it with the Jacobian") {
    const auto tr = box_rows(800, 9);
    flow::flow_meta meta;
    meta.prep = flow::preprocessing::fit(tr.data(), 800, 2, 1);
    auto m = small_flow(10);
    const std::string bytes = flow::flow_model_bytes(m, meta);
    auto sc = model::make_scorer(model::model_file::parse(bytes, "p.npz"));
    std::vector<float> xc = box_rows(50, 11);
    xc[0] = 5.0f;  // outside
    std::vector<float> out(50);
    sc->score(xc.data(), 50, out.data());
    std::vector<double> lp(50);
    flow::preprocessed_log_prob(m, meta.prep, xc.data(), 50, lp.data());
    CHECK(std::isnan(out[0]));
    for (std::size_t i = 1; i < 50; ++i)
        if (std::isfinite(lp[i])) CHECK(out[i] == doctest::Approx(lp[i]).epsilon(1e-6));
    flow::flow_meta back;
    flow::flow_from_file(model::model_file::parse(bytes, "p.npz"), &back);
    CHECK(back.prep.lo == meta.prep.lo);
    CHECK(back.prep.std == meta.prep.std);
    CHECK(back.prep.eps == meta.prep.eps);
}
