// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/optim: SGD (momentum, Nesterov, L2 decay), Adam and AdamW steps
// against values worked out by hand (PyTorch's torch.optim update rules), and the schedules.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/nn/optim.hpp"

using namespace jetml::nn;

namespace {
// One scalar weight (decayed) and one scalar bias (not decayed), both starting at 1.
struct two_params {
    param w, b;
    two_params() {
        for (param* p : {&w, &b}) {
            p->value.resize(1);
            p->grad.resize(1);
            p->value[0] = 1.0f;
        }
        b.decay = false;
    }
    std::vector<param*> list() { return {&w, &b}; }
    void grad(float g) { w.grad[0] = b.grad[0] = g; }
};
// The updates run in float32: values are good to a few ulp of 1, so 1e-6 absolute.
constexpr double eps = 1e-6;
}  // namespace

TEST_CASE("nn optim: SGD with momentum by hand") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::sgd;
    c.momentum = 0.9;
    optimizer o(c);
    // g = 0.5: v = 0.5, p = 1 - 0.1*0.5 = 0.95
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    CHECK(p.w.value[0] == doctest::Approx(0.95).epsilon(eps));
    // g = -0.25: v = 0.9*0.5 - 0.25 = 0.2, p = 0.95 - 0.02 = 0.93
    p.grad(-0.25f);
    o.step(p.list(), 0.1);
    CHECK(p.w.value[0] == doctest::Approx(0.93).epsilon(eps));
}

TEST_CASE("nn optim: SGD L2 weight decay applies to weights, not biases") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::sgd;
    c.momentum = 0.9;
    c.weight_decay = 0.1;
    optimizer o(c);
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    // weight: g = 0.5 + 0.1*1 = 0.6 -> 0.94; bias: 0.95
    CHECK(p.w.value[0] == doctest::Approx(0.94).epsilon(eps));
    CHECK(p.b.value[0] == doctest::Approx(0.95).epsilon(eps));
    p.grad(-0.25f);
    o.step(p.list(), 0.1);
    // g = -0.25 + 0.094 = -0.156; v = 0.54 - 0.156 = 0.384; p = 0.94 - 0.0384
    CHECK(p.w.value[0] == doctest::Approx(0.9016).epsilon(eps));
}

TEST_CASE("nn optim: SGD Nesterov by hand") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::sgd;
    c.momentum = 0.9;
    c.nesterov = true;
    optimizer o(c);
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    // v = 0.5; step = g + 0.9 v = 0.95 -> p = 0.905
    CHECK(p.w.value[0] == doctest::Approx(0.905).epsilon(eps));
}

TEST_CASE("nn optim: Adam by hand") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::adam;
    optimizer o(c);
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    // m = 0.05, v = 2.5e-4; bias-corrected 0.5 and 0.25 -> p = 1 - 0.1 * 0.5/0.5
    CHECK(p.w.value[0] == doctest::Approx(0.9).epsilon(eps));
    p.grad(-0.25f);
    o.step(p.list(), 0.1);
    // m = 0.02, v = 3.1225e-4; mhat = 0.02/0.19, vhat = 3.1225e-4/0.001999
    CHECK(p.w.value[0] == doctest::Approx(0.8733662987).epsilon(eps));
    CHECK(o.steps() == 2);
}

TEST_CASE("nn optim: AdamW decays weights (decoupled) but not biases") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::adamw;
    c.weight_decay = 0.1;
    optimizer o(c);
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    // p = 1*(1 - 0.1*0.1) - 0.1 = 0.89; bias 0.9
    CHECK(p.w.value[0] == doctest::Approx(0.89).epsilon(eps));
    CHECK(p.b.value[0] == doctest::Approx(0.9).epsilon(eps));
    p.grad(-0.25f);
    o.step(p.list(), 0.1);
    CHECK(p.w.value[0] == doctest::Approx(0.8544662987).epsilon(eps));
}

TEST_CASE("nn optim: Adam with L2 differs from AdamW") {
    two_params p;
    optim_config c;
    c.kind = optim_kind::adam;
    c.weight_decay = 0.1;
    optimizer o(c);
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    // coupled L2: g = 0.6, first Adam step moves by lr * sign = 0.1 -> 0.9 (not 0.89)
    CHECK(p.w.value[0] == doctest::Approx(0.9).epsilon(eps));
}

TEST_CASE("nn optim: non-trainable parameters are left alone") {
    two_params p;
    p.b.trainable = false;
    optimizer o(optim_config{});
    p.grad(0.5f);
    o.step(p.list(), 0.1);
    CHECK(p.b.value[0] == 1.0f);
}

TEST_CASE("nn optim: learning-rate schedules") {
    auto s = lr_schedule::parse("step:10:0.5", 0.1, 100);
    CHECK(s.at(0) == doctest::Approx(0.1));
    CHECK(s.at(9) == doctest::Approx(0.1));
    CHECK(s.at(25) == doctest::Approx(0.025));
    auto c = lr_schedule::parse("cosine:0.001", 0.1, 20);
    CHECK(c.at(0) == doctest::Approx(0.1));
    CHECK(c.at(10) == doctest::Approx((0.1 + 0.001) / 2));
    CHECK(c.at(20) == doctest::Approx(0.001));
    CHECK(lr_schedule::parse("constant", 0.3, 5).at(4) == doctest::Approx(0.3));
    CHECK_THROWS_AS(lr_schedule::parse("linear", 0.1, 5), jetml::usage_error);
    CHECK_THROWS_AS(lr_schedule::parse("step:x", 0.1, 5), jetml::usage_error);
}
