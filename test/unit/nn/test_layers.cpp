// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn layers, activations and losses: forward values worked out by hand,
// and finite-difference gradient checks of every layer with respect to its input and to
// every trainable parameter.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <numeric>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/gemm.hpp"
#include "jetml/nn/layer.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/core/rng.hpp"

#include "nn/layer_support.hpp"
#include "support.hpp"

using namespace jetml::nn;

namespace {

using layer_test::make;

// L = sum_i r_i y_i, accumulated in double.
double probe(layer& l, const std::vector<float>& x, const std::vector<float>& r, std::size_t n) {
    std::vector<float> y(n * l.out_shape().size());
    l.set_step(11, 3);
    l.forward(x.data(), y.data(), n, true);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += double(r[i]) * y[i];
    return s;
}

// Finite-difference check of dL/dx and dL/dparam for L = sum r*y.
//
// The layers compute in float32, so the check uses a central difference with step h = 1e-2
// on inputs of order 1: rounding of the float forward pass contributes about
// 1e-7 * |L| / h ~ 1e-4 to each numerical derivative and the O(h^2) truncation about 1e-4,
// so |numeric - analytic| <= 2e-3 + 1e-2 |analytic| is met by correct gradients while a
// wrong one (a missing term, a wrong index) is off by O(1).
void gradcheck(const std::string& token, const tshape& in, std::size_t n, std::vector<float> x,
               double h = 1e-2, double atol = 2e-3, double rtol = 1e-2) {
    CAPTURE(token);
    auto l = make(token, in);
    const std::size_t isz = in.size(), osz = l->out_shape().size();
    REQUIRE(x.size() == n * isz);
    const std::vector<float> r = support::random_floats(n * osz, 99);

    // analytic
    std::vector<float> y(n * osz), dx(n * isz);
    l->set_step(11, 3);
    l->forward(x.data(), y.data(), n, true);
    l->backward(x.data(), y.data(), r.data(), dx.data(), n);
    std::vector<std::vector<float>> pg;
    for (auto& p : l->params()) pg.emplace_back(p.grad.begin(), p.grad.end());

    support::gradient_check check{atol, rtol};
    auto loss = [&] { return probe(*l, x, r, n); };
    for (std::size_t i = 0; i < x.size(); ++i) check("dx", i, support::central_difference(x[i], h, loss), dx[i]);
    for (std::size_t k = 0; k < l->params().size(); ++k) {
        auto& p = l->params()[k];
        if (!p.trainable) continue;
        for (std::size_t i = 0; i < p.size(); ++i)
            check(p.name, i, support::central_difference(p.value[i], h, loss), pg[k][i]);
    }
    CHECK(check.bad == 0);
}

// Inputs in +-[0.1, 1.5]: at least 10 h away from the kinks of relu/leakyrelu/elu at 0.
std::vector<float> away_from_zero(std::size_t m, std::uint64_t seed) {
    jetml::rng g(seed);
    std::vector<float> x(m);
    for (auto& v : x) v = float((g.uniform() < 0.5 ? -1 : 1) * g.uniform(0.1, 1.5));
    return x;
}

// Distinct values spaced 0.05 apart in random order: a perturbation of h = 1e-2 never changes
// which element of a pooling window is the maximum.
std::vector<float> distinct(std::size_t m, std::uint64_t seed) {
    std::vector<float> x(m);
    for (std::size_t i = 0; i < m; ++i) x[i] = float(0.05 * double(i) - 0.025 * double(m));
    jetml::rng g(seed);
    std::shuffle(x.begin(), x.end(), g);
    return x;
}

}  // namespace

TEST_CASE("nn layers: dense forward by hand") {
    auto l = make("dense(2)", tshape::vec(3));
    auto& w = l->params()[0].value;
    auto& b = l->params()[1].value;
    const float wv[] = {1, 2, 3, -1, 0, 1};
    std::copy(wv, wv + 6, w.begin());
    b[0] = 0.5f, b[1] = -1.0f;
    std::vector<float> x = {1, 1, 2, 0, 3, -1}, y(4);
    l->forward(x.data(), y.data(), 2, false);
    CHECK(y[0] == 9.5f);   // 1+2+6+0.5
    CHECK(y[1] == 0.0f);   // -1+0+2-1
    CHECK(y[2] == 3.5f);   // 0+6-3+0.5
    CHECK(y[3] == -2.0f);  // 0+0-1-1
}

TEST_CASE("nn layers: conv2d valid and same padding by hand") {
    // 1 channel 3x3 input 1..9, one 2x2 filter [[1,0],[0,-1]], bias 0.5.
    std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    SUBCASE("valid: 2x2 output, each value x[i][j] - x[i+1][j+1] + 0.5 = -3.5") {
        auto l = make("conv(1,2,valid)", tshape::image(1, 3, 3));
        CHECK(l->out_shape() == tshape::image(1, 2, 2));
        float wv[] = {1, 0, 0, -1};
        std::copy(wv, wv + 4, l->params()[0].value.begin());
        l->params()[1].value[0] = 0.5f;
        std::vector<float> y(4);
        l->forward(x.data(), y.data(), 1, false);
        for (float v : y) CHECK(v == -3.5f);
    }
    SUBCASE("same with an even kernel pads the extra row/column after (PyTorch/TensorFlow rule)") {
        auto l = make("conv(1,2,same)", tshape::image(1, 3, 3));
        CHECK(l->out_shape() == tshape::image(1, 3, 3));
        float wv[] = {1, 0, 0, -1};
        std::copy(wv, wv + 4, l->params()[0].value.begin());
        l->params()[1].value[0] = 0.0f;
        std::vector<float> y(9);
        l->forward(x.data(), y.data(), 1, false);
        // last column/row sees zero padding on the right/bottom: y = x[i][j] - 0
        CHECK(y[0] == -4.0f);
        CHECK(y[2] == 3.0f);
        CHECK(y[8] == 9.0f);
        CHECK(y[6] == 7.0f);
    }
    SUBCASE("stride 2 same: ceil(3/2) = 2 outputs per side") {
        auto l = make("conv(4,3,2,same)", tshape::image(2, 3, 3));
        CHECK(l->out_shape() == tshape::image(4, 2, 2));
    }
}

TEST_CASE("nn layers: pooling by hand") {
    // 4x4 single channel 0..15; 2x2 windows
    std::vector<float> x(16);
    std::iota(x.begin(), x.end(), 0.0f);
    auto mp = make("maxpool(2)", tshape::image(1, 4, 4));
    auto ap = make("avgpool(2)", tshape::image(1, 4, 4));
    std::vector<float> y(4);
    mp->forward(x.data(), y.data(), 1, false);
    CHECK(y == std::vector<float>{5, 7, 13, 15});
    ap->forward(x.data(), y.data(), 1, false);
    CHECK(y == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
    // floor for odd sizes, as PyTorch: 25 -> 12
    CHECK(make("maxpool(2)", tshape::image(3, 25, 25))->out_shape() == tshape::image(3, 12, 12));
}

TEST_CASE("nn layers: activations by hand") {
    std::vector<float> x = {-2, 0.5f}, y(2);
    make("relu", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y == std::vector<float>{0, 0.5f});
    make("leakyrelu(0.1)", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y[0] == doctest::Approx(-0.2));
    make("elu", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y[0] == doctest::Approx(std::exp(-2.0) - 1).epsilon(1e-6));
    make("sigmoid", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y[0] == doctest::Approx(1 / (1 + std::exp(2.0))).epsilon(1e-6));
    make("tanh", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y[1] == doctest::Approx(std::tanh(0.5)).epsilon(1e-6));
    make("softmax", tshape::vec(2))->forward(x.data(), y.data(), 1, false);
    CHECK(y[1] == doctest::Approx(std::exp(0.5) / (std::exp(0.5) + std::exp(-2.0))).epsilon(1e-6));
    // softmax of huge logits stays finite
    std::vector<float> big = {1000, 999};
    make("softmax", tshape::vec(2))->forward(big.data(), y.data(), 1, false);
    CHECK(y[0] == doctest::Approx(1 / (1 + std::exp(-1.0))).epsilon(1e-6));
    // sigmoid at -100 does not overflow
    std::vector<float> neg = {-100, 100};
    make("sigmoid", tshape::vec(2))->forward(neg.data(), y.data(), 1, false);
    CHECK(y[0] > 0.0f);
    CHECK(y[1] == 1.0f);
}

TEST_CASE("nn layers: batchnorm normalises in training and uses running stats in inference") {
    auto l = make("batchnorm", tshape::vec(1));
    std::vector<float> x = {1, 3}, y(2);
    l->forward(x.data(), y.data(), 2, true);
    // mean 2, biased var 1 -> (x - 2) / sqrt(1 + 1e-5)
    CHECK(y[0] == doctest::Approx(-1 / std::sqrt(1 + 1e-5)).epsilon(1e-6));
    // running stats after one step with momentum 0.1: mean 0.2, var 0.9*1 + 0.1*2 (unbiased)
    CHECK(l->params()[2].value[0] == doctest::Approx(0.2).epsilon(1e-6));
    CHECK(l->params()[3].value[0] == doctest::Approx(1.1).epsilon(1e-6));
    l->forward(x.data(), y.data(), 2, false);
    CHECK(y[0] == doctest::Approx((1 - 0.2) / std::sqrt(1.1 + 1e-5)).epsilon(1e-5));
}

TEST_CASE("nn layers: dropout zeroes about p and rescales, and is the identity in inference") {
    auto l = make("dropout(0.25)", tshape::vec(1000));
    std::vector<float> x(1000, 1.0f), y(1000);
    l->set_step(5, 0);
    l->forward(x.data(), y.data(), 1, true);
    std::size_t zeros = std::count(y.begin(), y.end(), 0.0f);
    // binomial(1000, 0.25): mean 250, sd 13.7; 5 sd either side
    CHECK(zeros > 180);
    CHECK(zeros < 320);
    for (float v : y) CHECK((v == 0.0f || v == doctest::Approx(1 / 0.75)));
    l->forward(x.data(), y.data(), 1, false);
    CHECK(std::count(y.begin(), y.end(), 1.0f) == 1000);
}

TEST_CASE("nn layers: maxout takes the maximum piece") {
    auto l = make("maxout(1,2)", tshape::vec(1));
    l->params()[0].value[0] = 1.0f;
    l->params()[0].value[1] = -1.0f;
    l->params()[1].value.fill(0.0f);  // the initial biases are random (PyTorch's rule)
    std::vector<float> x = {2, -3}, y(2);
    l->forward(x.data(), y.data(), 2, false);
    CHECK(y == std::vector<float>{2, 3});  // |x|
}

TEST_CASE("nn layers: the AVX-512 2x2 max-pool backward equals the general loop bitwise") {
    // 37 channels: two full 16-lane blocks and a masked tail; ties (repeated values) check
    // that the gradient goes to the first maximum in both.
    const tshape in = tshape::image(37, 7, 9);
    const std::size_t n = 3;
    auto l = make("maxpool(2)", in);
    jetml::rng g(31);
    std::vector<float> x(n * in.size()), dy(n * l->out_shape().size()), y(dy.size());
    for (auto& v : x) v = float(g.below(4));  // many ties
    for (auto& v : dy) v = float(g.uniform(-1, 1));
    l->forward(x.data(), y.data(), n, true);
    std::vector<std::vector<float>> dx;
    for (bool avx512 : {true, false}) {
        const bool saved = gemm_set_avx512(avx512);
        std::vector<float> d(x.size(), 7.0f);
        l->backward(x.data(), y.data(), dy.data(), d.data(), n);
        dx.push_back(d);
        gemm_set_avx512(saved);
    }
    CHECK(dx[0] == dx[1]);
    double total = 0;
    for (float v : dx[1]) total += v;
    double expect = 0;
    for (float v : dy) expect += v;
    CHECK(total == doctest::Approx(expect));  // every window passes its gradient exactly once
}

TEST_CASE("nn layers: finite-difference gradients of every layer") {
    const tshape img = tshape::image(3, 6, 5);
    const std::size_t n = 3;
    SUBCASE("dense") { gradcheck("dense(4)", tshape::vec(5), n, away_from_zero(n * 5, 1)); }
    SUBCASE("dense on an image input (implicit flatten)") {
        gradcheck("dense(2)", img, 2, away_from_zero(2 * img.size(), 2));
    }
    SUBCASE("conv same, several channels") { gradcheck("conv(4,3,same)", img, n, away_from_zero(n * img.size(), 3)); }
    SUBCASE("conv valid") { gradcheck("conv(2,3,valid)", img, n, away_from_zero(n * img.size(), 4)); }
    SUBCASE("conv even kernel same") { gradcheck("conv(2,4,same)", img, n, away_from_zero(n * img.size(), 5)); }
    SUBCASE("conv stride 2 same") { gradcheck("conv(3,3,2,same)", img, n, away_from_zero(n * img.size(), 6)); }
    SUBCASE("conv stride 2 valid") { gradcheck("conv(2,2,2,valid)", img, n, away_from_zero(n * img.size(), 7)); }
    SUBCASE("conv 1x1") { gradcheck("conv(2,1)", img, n, away_from_zero(n * img.size(), 8)); }
    SUBCASE("maxpool") { gradcheck("maxpool(2)", img, n, distinct(n * img.size(), 9)); }
    SUBCASE("maxpool overlapping windows") { gradcheck("maxpool(3,2)", img, n, distinct(n * img.size(), 10)); }
    SUBCASE("avgpool") { gradcheck("avgpool(2)", img, n, away_from_zero(n * img.size(), 11)); }
    SUBCASE("maxpool stride > size (gaps between windows)") {
        gradcheck("maxpool(2,3)", img, n, distinct(n * img.size(), 23));
    }
    SUBCASE("avgpool overlapping and with gaps") {
        gradcheck("avgpool(3,2)", img, n, away_from_zero(n * img.size(), 24));
        gradcheck("avgpool(2,3)", img, n, away_from_zero(n * img.size(), 25));
    }
    SUBCASE("conv with >= 16 filters and channels (implicit-GEMM kernels)") {
        const tshape wide = tshape::image(16, 5, 4);
        gradcheck("conv(16,3,same)", wide, 2, away_from_zero(2 * wide.size(), 26));
        gradcheck("conv(17,2,valid)", wide, 2, away_from_zero(2 * wide.size(), 27));
        gradcheck("conv(16,3,2,same)", wide, 2, away_from_zero(2 * wide.size(), 28));
    }
    SUBCASE("flatten") { gradcheck("flatten", img, n, away_from_zero(n * img.size(), 12)); }
    SUBCASE("dropout (fixed mask for a fixed step)") {
        gradcheck("dropout(0.5)", tshape::vec(7), n, away_from_zero(n * 7, 13));
    }
    SUBCASE("batchnorm on vectors (batch statistics)") {
        gradcheck("batchnorm", tshape::vec(4), 5, away_from_zero(5 * 4, 14));
    }
    SUBCASE("batchnorm on images (per channel)") {
        gradcheck("batchnorm", img, n, away_from_zero(n * img.size(), 15));
    }
    SUBCASE("maxout") {
        // h = 1e-3 keeps a perturbation from switching the winning piece; float rounding
        // then contributes ~1e-7*|L|/h ~ 1e-3, hence atol 5e-3.
        gradcheck("maxout(3,4)", tshape::vec(5), n, away_from_zero(n * 5, 16), 1e-3, 5e-3, 1e-2);
    }
    SUBCASE("relu") { gradcheck("relu", tshape::vec(9), n, away_from_zero(n * 9, 17)); }
    SUBCASE("leakyrelu") { gradcheck("leakyrelu(0.2)", tshape::vec(9), n, away_from_zero(n * 9, 18)); }
    SUBCASE("elu") { gradcheck("elu(0.7)", tshape::vec(9), n, away_from_zero(n * 9, 19)); }
    SUBCASE("tanh") { gradcheck("tanh", tshape::vec(9), n, away_from_zero(n * 9, 20)); }
    SUBCASE("sigmoid") { gradcheck("sigmoid", tshape::vec(9), n, away_from_zero(n * 9, 21)); }
    SUBCASE("softmax") { gradcheck("softmax", tshape::vec(9), n, away_from_zero(n * 9, 22)); }
}

TEST_CASE("nn losses: values by hand and numerically stable") {
    float z[] = {0.0f}, y1[] = {1.0f};
    CHECK(loss_eval(loss_kind::bce_logits, z, y1, nullptr, 1, 1, nullptr) == doctest::Approx(std::log(2.0)));
    float zb[] = {100.0f, -100.0f}, yb[] = {0.0f, 1.0f};
    // log(1 + e^100) = 100 + log1p(e^-100) = 100 to double precision
    CHECK(loss_eval(loss_kind::bce_logits, zb, yb, nullptr, 2, 1, nullptr) == doctest::Approx(100.0));
    float zc[] = {1000.0f, 0.0f}, yc[] = {0.0f, 1.0f};
    CHECK(loss_eval(loss_kind::cce_logits, zc, yc, nullptr, 1, 2, nullptr) == doctest::Approx(1000.0));
    float zm[] = {1.0f, 3.0f}, ym[] = {0.0f, 0.0f};
    CHECK(loss_eval(loss_kind::mse, zm, ym, nullptr, 1, 2, nullptr) == doctest::Approx(5.0));
    // weights: mean of w_i l_i over the batch (PyTorch's weight semantics)
    float zw[] = {0.0f, 0.0f}, yw[] = {1.0f, 0.0f}, ww[] = {3.0f, 1.0f};
    CHECK(loss_eval(loss_kind::bce_logits, zw, yw, ww, 2, 1, nullptr) == doctest::Approx(2 * std::log(2.0)));
    CHECK_THROWS_AS(parse_loss("hinge"), jetml::usage_error);
}

TEST_CASE("nn losses: finite-difference gradients with per-event weights") {
    const std::size_t n = 4, d = 3;
    jetml::rng g(5);
    std::vector<float> z(n * d), y(n * d), w(n), grad(n * d);
    for (auto& v : z) v = float(g.uniform(-3, 3));
    for (auto& v : w) v = float(g.uniform(0.2, 2));
    for (auto kind : {loss_kind::bce_logits, loss_kind::cce_logits, loss_kind::mse}) {
        CAPTURE(loss_name(kind));
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t j = 0; j < d; ++j)
                y[s * d + j] = kind == loss_kind::cce_logits ? float(j == s % d) : float(g.uniform());
        loss_eval(kind, z.data(), y.data(), w.data(), n, d, grad.data());
        for (std::size_t i = 0; i < z.size(); ++i) {
            // The loss is computed in double from float logits; h = 1e-3 is exact in float near
            // |z| < 4 to ~2e-7 relative, so the central difference is good to ~1e-5.
            const float z0 = z[i];
            const double h = 1e-3;
            z[i] = float(z0 + h);
            double hp = double(z[i]) - z0;
            double lp = loss_eval(kind, z.data(), y.data(), w.data(), n, d, nullptr);
            z[i] = float(z0 - h);
            double hm = z0 - double(z[i]);
            double lm = loss_eval(kind, z.data(), y.data(), w.data(), n, d, nullptr);
            z[i] = z0;
            CHECK((lp - lm) / (hp + hm) == doctest::Approx(grad[i]).epsilon(1e-3).scale(1e-3));
        }
    }
}

TEST_CASE("nn arch: parser errors name the token") {
    CHECK_THROWS_WITH_AS(parse_arch("dense(3 relu"), doctest::Contains("unbalanced"), jetml::usage_error);
    CHECK_THROWS_AS(make_layer("conv3d", {}), jetml::usage_error);
    CHECK_THROWS_WITH_AS(make_layer("dense", {"-3"}), doctest::Contains("positive integer"),
                         jetml::usage_error);
    CHECK_THROWS_AS(make_layer("dropout", {"1.5"}), jetml::usage_error);
    auto t = parse_arch("conv(32, 11, same) relu # comment\n maxpool(2)\n");
    REQUIRE(t.size() == 3);
    CHECK(t[0].args == std::vector<std::string>{"32", "11", "same"});
    CHECK(format_arch(t) == "conv(32,11,same) relu maxpool(2)");
    CHECK(expand_preset(" wtag ").find("conv(32,11,same)") == 0);
}

TEST_CASE("nn arch: an architecture file with comments, or @file") {
    const std::string path = "/tmp/jetml_nn_arch_" + std::to_string(std::rand()) + ".txt";
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs("# a small CNN\nconv(8, 3, same) relu  # feature maps\nmaxpool(2)\nflatten dense(1)\n", f);
        std::fclose(f);
    }
    CHECK(format_arch(parse_arch(resolve_arch(path))) == "conv(8,3,same) relu maxpool(2) flatten dense(1)");
    CHECK(resolve_arch("@" + path) == resolve_arch(path));
    CHECK(resolve_arch("small") == expand_preset("small"));
    CHECK(resolve_arch("dense(3) relu") == "dense(3) relu");
    CHECK_THROWS_AS(resolve_arch("@/nonexistent/arch.txt"), jetml::error);
    std::remove(path.c_str());
}
