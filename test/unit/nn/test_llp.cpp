// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/llp: the label-proportion loss against its definition written out
// bag by bag, its reduction to binary cross-entropy, and finite-difference gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/rng.hpp"
#include "jetml/nn/llp.hpp"
#include "jetml/nn/loss.hpp"
#include "support.hpp"

using namespace jetml::nn;

namespace {
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
}  // namespace

TEST_CASE("llp: the loss is the weighted BCE of each bag's mean prediction against its fraction") {
    // two bags: ids 3 (fraction 0.25) and 7 (fraction 0.8), interleaved, with weights
    const std::vector<float> z{0.3f, -1.2f, 2.0f, 0.1f, -0.4f}, y{0.25f, 0.8f, 0.25f, 0.8f, 0.8f},
        w{1.0f, 2.0f, 0.5f, 1.0f, 1.5f}, id{3, 7, 3, 7, 7};
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.w = w.data(), b.n = z.size();
    b.side = {id.data()};
    auto l = make_loss("llp");
    CHECK(l->name() == "llp");
    CHECK(l->side_columns() == 1);
    CHECK_FALSE(l->separable());
    // by hand: bag 3 = rows 0, 2; bag 7 = rows 1, 3, 4
    const double W3 = 1.5, W7 = 4.5;
    const double p3 = (1.0 * sigmoid(z[0]) + 0.5 * sigmoid(z[2])) / W3;
    const double p7 = (2.0 * sigmoid(z[1]) + 1.0 * sigmoid(z[3]) + 1.5 * sigmoid(z[4])) / W7;
    auto bce = [](float f, double p) { return -(f * std::log(p) + (1 - f) * std::log(1 - p)); };
    const double want = (W3 * bce(0.25, p3) + W7 * bce(0.8, p7)) / 5.0;
    CHECK(l->eval(b, nullptr) == doctest::Approx(want).epsilon(1e-12));
}

TEST_CASE("llp: one event per bag with fractions 0 and 1 is the binary cross-entropy") {
    jetml::rng g(5);
    const std::size_t n = 40;
    std::vector<float> z(n), y(n), w(n), id(n);
    for (std::size_t i = 0; i < n; ++i) {
        z[i] = float(3 * g.normal());
        y[i] = float(i % 3 == 0);
        w[i] = float(0.5 + g.uniform());
        id[i] = float(i);
    }
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.w = w.data(), b.n = n;
    b.side = {id.data()};
    std::vector<float> g1(n), g2(n);
    const double a = llp_loss().eval(b, g1.data());
    const double ref = loss_eval(loss_kind::bce_logits, z.data(), y.data(), w.data(), n, 1, g2.data());
    CHECK(a == doctest::Approx(ref).epsilon(1e-6));  // the clamp at 1e-7 only touches |z| > 16
    for (std::size_t i = 0; i < n; ++i) CHECK(g1[i] == doctest::Approx(g2[i]).epsilon(1e-4));
}

TEST_CASE("llp: the gradient matches central differences") {
    jetml::rng g(9);
    const std::size_t n = 60;
    std::vector<float> z(n), y(n), w(n), id(n);
    const float frac[3] = {0.1f, 0.5f, 0.7f};
    for (std::size_t i = 0; i < n; ++i) {
        id[i] = float(g.below(3));
        y[i] = frac[std::size_t(id[i])];
        z[i] = float(g.normal());
        w[i] = float(0.5 + g.uniform());
    }
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.w = w.data(), b.n = n;
    b.side = {id.data()};
    llp_loss l;
    std::vector<float> grad(n);
    l.eval(b, grad.data());
    support::gradient_check check{2e-5, 2e-3};
    for (std::size_t i = 0; i < n; ++i) {
        const double num = support::central_difference(z[i], 1e-3, [&] { return l.eval(b, nullptr); });
        check("dL/dz", i, num, grad[i]);
    }
    CHECK(check.bad == 0);
}
