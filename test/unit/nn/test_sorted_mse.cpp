// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/sorted_mse: values by hand, invariance under permutations, and the
// finite-difference gradient with per-sample weights.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "jetml/nn/loss.hpp"
#include "jetml/nn/sorted_mse.hpp"

#include "support.hpp"

using namespace jetml::nn;

TEST_CASE("nn sorted-mse: values by hand; a permuted reconstruction costs nothing") {
    auto L = make_loss("sorted-mse");
    CHECK(L->name() == "sorted-mse");
    CHECK(L->separable());
    const std::vector<float> y = {3, 1, 2}, z = {2, 3, 1}, z2 = {0, 1, 5};
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.n = 1, b.d = 3;
    CHECK(L->eval(b, nullptr) == 0.0);
    // sorted z2 (0, 1, 5) against sorted y (1, 2, 3): (1 + 1 + 4) / 3 = 2; plain mse would be (9 + 0 + 9) / 3
    b.z = z2.data();
    CHECK(L->eval(b, nullptr) == doctest::Approx(2.0));
    CHECK(make_loss("mse")->eval(b, nullptr) == doctest::Approx(6.0));
}

TEST_CASE("nn sorted-mse: finite-difference gradient with per-sample weights") {
    // distinct values 0.05 apart: a step of h = 1e-3 never reorders a sample; the loss is
    // quadratic between reorderings, so central differences are exact up to float rounding of
    // the float32 z (~1e-7 / h ~ 1e-4 relative), hence 1e-4 absolute + 1e-3 relative
    const std::size_t n = 4, d = 6;
    std::vector<float> z(n * d), y = support::random_floats(n * d, 3), w = {1.0f, 0.5f, 2.0f, 0.0f};
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = float(0.05 * double((i * 7) % z.size()) - 0.5);
    auto L = make_loss("sorted-mse");
    loss_batch b;
    b.z = z.data(), b.y = y.data(), b.w = w.data(), b.n = n, b.d = d;
    std::vector<float> g(z.size());
    L->eval(b, g.data());
    support::gradient_check check{1e-4, 1e-3};
    for (std::size_t i = 0; i < z.size(); ++i)
        check("dz", i, support::central_difference(z[i], 1e-3, [&] { return L->eval(b, nullptr); }), g[i]);
    CHECK(check.bad == 0);
    // evaluated in two parts with the batch's norm, the shares add up to the whole
    loss_batch a = b, c = b;
    a.n = 2, c.n = 2, c.z += 2 * d, c.y += 2 * d, c.w += 2;
    CHECK(L->eval(a, nullptr, n) + L->eval(c, nullptr, n) == doctest::Approx(L->eval(b, nullptr)));
}
