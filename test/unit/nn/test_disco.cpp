// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/disco and the loss interface: dCorr^2 against a direct O(n^2)
// evaluation of the paper's formula, finite-difference gradients, the loss registry, and a
// batch-level loss inside the threaded train_step (1 vs 2 threads, and reproducible).
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/nn/disco.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"

using namespace jetml::nn;

namespace {

// The paper's reference code (Kasieczka & Shih, distance_corr with power 1) written out with
// explicit m x m matrices: normedweight = w / sum(w) * m, row means weighted over j, and
// dCorr^2 = mean_i(u_i mean_j(A B u_j)) / sqrt(mean_i(u_i mean_j(A A u_j)) mean_i(u_i mean_j(B B u_j))).
double dcorr2_direct(const std::vector<double>& x, const std::vector<double>& s, const std::vector<double>& w) {
    const std::size_t m = x.size();
    double wt = 0;
    for (double v : w) wt += v;
    std::vector<double> u(m);
    for (std::size_t i = 0; i < m; ++i) u[i] = w[i] / wt * double(m);
    auto centre = [&](const std::vector<double>& v) {
        std::vector<std::vector<double>> a(m, std::vector<double>(m));
        std::vector<double> avg(m, 0);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < m; ++j) a[i][j] = std::fabs(v[i] - v[j]);
        for (std::size_t i = 0; i < m; ++i) {
            for (std::size_t j = 0; j < m; ++j) avg[i] += a[i][j] * u[j];
            avg[i] /= double(m);
        }
        double all = 0;
        for (std::size_t i = 0; i < m; ++i) all += avg[i] * u[i];
        all /= double(m);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < m; ++j) a[i][j] = a[i][j] - avg[j] - avg[i] + all;
        return a;
    };
    const auto A = centre(x), B = centre(s);
    auto mean2 = [&](const std::vector<std::vector<double>>& P, const std::vector<std::vector<double>>& Q) {
        double t = 0;
        for (std::size_t i = 0; i < m; ++i) {
            double r = 0;
            for (std::size_t j = 0; j < m; ++j) r += P[i][j] * Q[i][j] * u[j];
            t += r / double(m) * u[i];
        }
        return t / double(m);
    };
    return mean2(A, B) / std::sqrt(mean2(A, A) * mean2(B, B));
}

}  // namespace

TEST_CASE("disco: dCorr^2 equals the paper's formula evaluated directly; 1 for a linear relation") {
    jetml::rng g(3);
    const std::size_t m = 23;
    std::vector<float> x(m), w(m);
    std::vector<double> xd(m), s(m), wd(m);
    for (std::size_t i = 0; i < m; ++i) {
        x[i] = float(g.normal() * 50 + 100);
        xd[i] = x[i];
        s[i] = 1.0 / (1.0 + std::exp(-(0.02 * xd[i] + g.normal())));
        w[i] = float(0.5 + g.uniform());
        wd[i] = w[i];
    }
    const double ref = dcorr2_direct(xd, s, wd);
    // both sum O(m^2) products in double; the orders differ, so agreement to ~1e-13 relative
    CHECK(distance_corr2(x.data(), s.data(), w.data(), m, nullptr) == doctest::Approx(ref).epsilon(1e-12));
    CHECK(ref > 0.05);
    CHECK(ref < 1);
    std::vector<double> lin(m);
    for (std::size_t i = 0; i < m; ++i) lin[i] = 3 - 0.1 * xd[i];
    CHECK(distance_corr2(x.data(), lin.data(), w.data(), m, nullptr) == doctest::Approx(1.0).epsilon(1e-12));
    std::vector<double> flat(m, 0.5);
    CHECK(distance_corr2(x.data(), flat.data(), nullptr, m, nullptr) == 0.0);
}

TEST_CASE("disco: gradients match finite differences (dCorr^2 in s, the whole loss in z)") {
    jetml::rng g(4);
    const std::size_t n = 30;
    std::vector<float> z(n), y(n), w(n), side(n);
    std::vector<double> s(n);
    for (std::size_t i = 0; i < n; ++i) {
        side[i] = float(g.uniform() * 4);
        z[i] = float(0.7 * side[i] - 1.4 + 0.5 * g.normal());
        y[i] = float(i % 3 == 0);
        w[i] = float(0.5 + g.uniform());
        s[i] = 1.0 / (1.0 + std::exp(-double(z[i])));
    }
    std::vector<double> gs(n);
    distance_corr2(side.data(), s.data(), w.data(), n, gs.data());
    for (std::size_t k = 0; k < n; ++k) {
        // central difference in double with h = 1e-6: truncation ~h^2, rounding ~1e-16/h
        const double h = 1e-6, s0 = s[k];
        s[k] = s0 + h;
        const double lp = distance_corr2(side.data(), s.data(), w.data(), n, nullptr);
        s[k] = s0 - h;
        const double lm = distance_corr2(side.data(), s.data(), w.data(), n, nullptr);
        s[k] = s0;
        CHECK(gs[k] == doctest::Approx((lp - lm) / (2 * h)).epsilon(1e-6).scale(1e-6));
    }
    for (bool all : {false, true}) {
        CAPTURE(all);
        const disco_loss L(5.0, all);
        loss_batch b;
        b.z = z.data(), b.y = y.data(), b.w = w.data(), b.side = {side.data()}, b.n = n, b.d = 1;
        std::vector<float> grad(n);
        L.eval(b, grad.data());
        for (std::size_t k = 0; k < n; ++k) {
            // z is float32: a step of 1e-3 is exact to ~1e-10 relative; the loss is double, so
            // the difference quotient is good to ~1e-6 (curvature x h^2 and float rounding of z)
            const float z0 = z[k], h = 1e-3f;
            z[k] = z0 + h;
            const double lp = L.eval(b, nullptr);
            z[k] = z0 - h;
            const double lm = L.eval(b, nullptr);
            z[k] = z0;
            const double fd = (lp - lm) / (double(z0 + h) - double(z0 - h));
            CHECK(double(grad[k]) == doctest::Approx(fd).epsilon(1e-3).scale(1e-5));
        }
    }
}

TEST_CASE("loss registry: bce, cce, mse as loss_eval bitwise; disco specs; bad names refused") {
    jetml::rng g(5);
    std::vector<float> z(12), y(12), w(6), g1(12), g2(12);
    for (std::size_t i = 0; i < 12; ++i) z[i] = float(g.normal()), y[i] = float(i % 2);
    for (auto& v : w) v = float(g.uniform());
    for (auto [name, kind] : {std::pair{"bce", loss_kind::bce_logits}, std::pair{"cce", loss_kind::cce_logits},
                              std::pair{"mse", loss_kind::mse}}) {
        auto L = make_loss(name);
        CHECK(L->name() == name);
        CHECK(L->separable());
        loss_batch b;
        b.z = z.data(), b.y = y.data(), b.w = w.data(), b.n = 6, b.d = 2;
        CHECK(L->eval(b, g1.data()) == loss_eval(kind, z.data(), y.data(), w.data(), 6, 2, g2.data()));
        CHECK(g1 == g2);
    }
    auto d = make_loss("disco:10");
    CHECK_FALSE(d->separable());
    CHECK(d->name() == "disco:10");
    CHECK(d->side_columns() == 1);
    CHECK(make_loss("disco:0.5:all")->name() == "disco:0.5:all");
    CHECK_THROWS_AS(make_loss("hinge"), jetml::usage_error);
    CHECK_THROWS_AS(make_loss("disco"), jetml::usage_error);
    CHECK_THROWS_AS(make_loss("disco:-1"), jetml::usage_error);
    CHECK_THROWS_AS(make_loss("disco:1:bkg"), jetml::usage_error);
    // disco without a side column is an error, not a silent bce
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.n = 12, b.d = 1;
    CHECK_THROWS_AS(d->eval(b, nullptr), jetml::error);
}

TEST_CASE("disco: a batch-level loss in the threaded train_step: 1 and 2 threads agree, 2 threads reproducibly") {
    // ~6e4 multiply-adds per sample x 3 passes x 64 samples: above the 4M threshold, so two
    // threads split the batch
    const std::size_t nb = 64, d = 32, steps = 4;
    jetml::rng g(9);
    std::vector<float> x(steps * nb * d), y(steps * nb), w(steps * nb), side(steps * nb);
    for (auto& v : x) v = float(g.normal());
    for (std::size_t i = 0; i < y.size(); ++i) {
        y[i] = float(i % 2);
        w[i] = float(1 + i % 3);
        side[i] = x[i * d] + float(g.normal());
    }
    const auto L = make_loss("disco:20");
    auto run = [&](int threads, std::vector<double>& losses) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        sequential m("dense(128) relu dense(128) relu dense(64) relu dense(1)", tshape::vec(d), 3);
        optimizer opt(optim_config{});
        for (std::size_t b = 0; b < steps; ++b)
            losses.push_back(m.train_step(x.data() + b * nb * d, y.data() + b * nb, w.data() + b * nb,
                                          {side.data() + b * nb}, nb, *L, opt, 1e-2));
        omp_set_num_threads(saved);
        std::vector<float> all;
        for (auto* p : m.parameters()) all.insert(all.end(), p->value.begin(), p->value.end());
        return all;
    };
    std::vector<double> l1, l2, l2b, lb;
    const auto one = run(1, l1), two = run(2, l2), two_again = run(2, l2b);
    CHECK(two == two_again);
    CHECK(l2 == l2b);
    // as for bce (test_model.cpp): rounding differences stay below 1e-5, a wrong share of
    // rows or gradients would move parameters by ~1e-2
    double worst = 0;
    for (std::size_t i = 0; i < one.size(); ++i) worst = std::max(worst, double(std::fabs(one[i] - two[i])));
    CHECK(worst < 1e-4);
    for (std::size_t b = 0; b < steps; ++b) CHECK(l2[b] == doctest::Approx(l1[b]).epsilon(1e-5));
    // and the term matters: plain bce gives other parameters
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    sequential m("dense(128) relu dense(128) relu dense(64) relu dense(1)", tshape::vec(d), 3);
    optimizer opt(optim_config{});
    for (std::size_t b = 0; b < steps; ++b)
        lb.push_back(m.train_step(x.data() + b * nb * d, y.data() + b * nb, w.data() + b * nb, nb,
                                  loss_kind::bce_logits, opt, 1e-2));
    omp_set_num_threads(saved);
    CHECK(lb[0] < l1[0]);  // same outputs at step 1: the difference is lambda * dCorr^2 > 0
}
