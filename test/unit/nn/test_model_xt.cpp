// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/model_xt: Fisher, an epoch of training and predict on xtensor arrays
// give bitwise what the pointer API gives on the same buffers.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/rng.hpp"
#include "jetml/nn/model_xt.hpp"

using namespace jetml;
using namespace jetml::nn;

namespace {
// 64 samples of (2, 3, 3) images; class 1 has a brighter centre pixel.
void toy(xt::xtensor<float, 4>& x, xt::xtensor<float, 1>& y) {
    x = xt::xtensor<float, 4>::from_shape({64, 2, 3, 3});
    y = xt::xtensor<float, 1>::from_shape({64});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(std::sin(0.37 * double(i)) + 0.01 * double(i % 7));
    for (std::size_t s = 0; s < 64; ++s) {
        y(s) = float(s % 2);
        x(s, 0, 1, 1) += 0.8f * y(s);
    }
}
std::vector<float> params_of(const sequential& m) {
    std::vector<float> v;
    for (const param* p : m.parameters()) v.insert(v.end(), p->value.begin(), p->value.end());
    return v;
}
}  // namespace

TEST_CASE("model_xt: fisher_fit on tensors equals fisher_fit on the pointers, weighted or not") {
    xt::xtensor<float, 4> x;
    xt::xtensor<float, 1> y;
    toy(x, y);
    sequential a = nn::fisher_fit(x, y, 0.1);
    sequential b = nn::fisher_fit(x.data(), y.data(), nullptr, 64, tshape::image(2, 3, 3), 0.1);
    CHECK(a.input_shape() == b.input_shape());
    CHECK(params_of(a) == params_of(b));
    auto w = xt::xtensor<float, 1>::from_shape({64});
    for (std::size_t s = 0; s < 64; ++s) w(s) = 0.5f + float(s % 3);
    sequential c = nn::fisher_fit(x, y, w, 0.1);
    sequential d = nn::fisher_fit(x.data(), y.data(), w.data(), 64, tshape::image(2, 3, 3), 0.1);
    CHECK(params_of(c) == params_of(d));
    CHECK(params_of(c) != params_of(a));
    auto y_short = xt::xtensor<float, 1>::from_shape({63});
    CHECK_THROWS_WITH_AS(nn::fisher_fit(x, y_short, 0.1), doctest::Contains("63 labels for 64 samples"), jetml::error);
}

TEST_CASE("model_xt: predict and predict_scores equal sequential::predict; shapes are checked") {
    xt::xtensor<float, 4> x;
    xt::xtensor<float, 1> y;
    toy(x, y);
    sequential m = nn::fisher_fit(x, y, 0.1);
    std::vector<float> ref(64);
    m.predict(x.data(), 64, ref.data());
    xt::xtensor<float, 2> out = nn::predict(m, x, 16);
    CHECK(out.shape()[0] == 64);
    CHECK(out.shape()[1] == 1);
    CHECK(std::vector<float>(out.data(), out.data() + 64) == ref);
    xt::xtensor<float, 1> s = nn::predict_scores(m, x);
    CHECK(std::vector<float>(s.begin(), s.end()) == ref);
    auto wrong = xt::xtensor<float, 2>::from_shape({4, 18});
    CHECK_THROWS_WITH_AS(nn::predict(m, wrong), doctest::Contains("the model takes (2, 3, 3)"), jetml::error);
}

TEST_CASE("model_xt: train_step on tensors equals train_step on the pointers") {
    auto x = xt::xtensor<float, 2>::from_shape({40, 3});
    auto y = xt::xtensor<float, 1>::from_shape({40});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(std::cos(0.71 * double(i)));
    for (std::size_t s = 0; s < 40; ++s) y(s) = x(s, 0) + 0.5f * x(s, 2) > 0 ? 1.0f : 0.0f;
    sequential a("dense(8) relu dense(1)", tshape::vec(3), 7), b("dense(8) relu dense(1)", tshape::vec(3), 7);
    optimizer oa(optim_config{}), ob(optim_config{});
    for (int step = 0; step < 5; ++step) {
        const double la = nn::train_step(a, x, y, loss_kind::bce_logits, oa, 1e-2);
        const double lb = b.train_step(x.data(), y.data(), nullptr, 40, loss_kind::bce_logits, ob, 1e-2);
        CHECK(la == lb);
    }
    CHECK(params_of(a) == params_of(b));
    CHECK(params_of(a) != params_of(sequential("dense(8) relu dense(1)", tshape::vec(3), 7)));
    auto y2 = xt::xtensor<float, 1>::from_shape({39});
    CHECK_THROWS_WITH_AS(nn::train_step(a, x, y2, loss_kind::bce_logits, oa, 1e-2), doctest::Contains("39 targets"),
                         jetml::error);
}
