// SPDX-License-Identifier: MIT
// Unit tests of jetml/decor/adversary and toy: the adversary's NLL against the mixture density
// written out directly, finite-difference gradients of the NLL and of the classifier's pivot
// loss (through the adversary network), the paper's toy reproduced (criterion 5: without the
// adversary the output distributions at z = -1, 0, +1 differ, with lambda = 50 they coincide
// and the adversary's loss approaches H(Z) = 1.419), determinism and exact resume.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/decor/adversary.hpp"
#include "jetml/decor/toy.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/stats/decorrelation.hpp"
#include "jetml/train/fit.hpp"

#include "support.hpp"

using namespace jetml;

namespace {

// -log sum_k pi_k N(z; mu_k, sigma_k), written out without log-sum-exp
double mdn_direct(const std::vector<float>& o, double z, std::size_t k) {
    double sum_e = 0;
    for (std::size_t j = 0; j < k; ++j) sum_e += std::exp(double(o[j]));
    double p = 0;
    for (std::size_t j = 0; j < k; ++j) {
        const double pi = std::exp(double(o[j])) / sum_e, mu = o[k + j], sg = std::exp(double(o[2 * k + j]));
        p += pi * std::exp(-0.5 * (z - mu) * (z - mu) / (sg * sg)) / (sg * std::sqrt(2 * M_PI));
    }
    return -std::log(p);
}

struct toy_run {
    double ks = 0, adv_loss = 0;
};

// Trains f (and r) on the toy and measures the largest pairwise KS distance of f's outputs on
// fresh samples generated at z = -1, 0, +1 (6000 each: the KS distance of two samples of the
// same law stays below 1.36 sqrt(2/6000) = 0.025 in 95% of cases).
toy_run run_toy(double lambda, std::size_t epochs) {
    auto tr = decor::pivot_toy(20000, 7), va = decor::pivot_toy(4000, 8);
    decor::pivot_params p;
    p.lambda = lambda;
    p.pretrain_f = 5;
    p.pretrain_r = 3;
    p.k_steps = 20;
    p.adv_lr = 1e-3;
    nn::sequential f("dense(20) tanh dense(20) relu dense(1)", nn::tshape::vec(2), 1);
    decor::adversary_nll nll(false, 5);
    nn::sequential r(decor::adversary_arch(p.adv_arch, nll.outputs()), nn::tshape::vec(1), 2);
    nn::optim_config oc;
    oc.kind = nn::optim_kind::sgd;
    oc.lr = 0.01;
    oc.momentum = 0.9;
    decor::pivot_trainable pt(f, r, p, oc, nn::model_meta(), 0.0, 1.0);
    train::fit_options fo;
    fo.epochs = epochs;
    fo.optimizer = "sgd";
    fo.lr = 0.01;
    fo.patience = 0;
    train::fit_context ctx;
    ctx.seed = 3;
    train::fit(pt, tr, va, fo, ctx);
    pt.validate(va);
    toy_run out;
    out.adv_loss = pt.val_adversary_loss();
    std::vector<std::vector<float>> s;
    for (double z : {-1.0, 0.0, 1.0}) {
        auto d = decor::pivot_toy(6000, 100 + std::uint64_t(z + 1), z);
        std::vector<float> o(d.n);
        f.predict(d.x.data(), d.n, o.data());
        s.push_back(o);
    }
    for (int a = 0; a < 3; ++a)
        for (int b = a + 1; b < 3; ++b) out.ks = std::max(out.ks, stats::ks_distance(s[a], {}, s[b], {}));
    return out;
}

}  // namespace

TEST_CASE("adversary: MDN and softmax NLL equal the densities written out; gradients match finite differences") {
    for (bool cat : {false, true}) {
        CAPTURE(cat);
        const std::size_t k = 3;
        decor::adversary_nll nll(cat, k);
        const std::size_t d = nll.outputs();
        auto o = support::random_floats(d, 5, -1, 1);
        const float z = cat ? 2.0f : 0.3f;
        std::vector<float> g(d);
        const double l = nll.row(o.data(), z, g.data());
        if (cat) {
            double se = 0;
            for (float v : o) se += std::exp(double(v));
            CHECK(l == doctest::Approx(-std::log(std::exp(double(o[2])) / se)).epsilon(1e-12));
        } else {
            // double arithmetic on both sides: agreement to ~1e-14
            CHECK(l == doctest::Approx(mdn_direct(o, z, k)).epsilon(1e-12));
        }
        // the row is computed in double from float outputs; h = 1e-3 keeps the central
        // difference's truncation error ~1e-7, far below the 1e-4 asked
        support::gradient_check check{1e-4, 1e-3, 4};
        for (std::size_t j = 0; j < d; ++j)
            check("dout", j, support::central_difference(o[j], 1e-3, [&] { return nll.row(o.data(), z, nullptr); }), g[j]);
        CHECK(check.bad == 0);
    }
    CHECK_THROWS_AS(decor::adversary_nll(true, 1), usage_error);
}

TEST_CASE("adversary: the pivot loss's gradient in the classifier's logits passes a finite-difference check") {
    for (bool bkg : {false, true}) {
        CAPTURE(bkg);
        const std::size_t n = 6;
        decor::adversary_nll nll(false, 2);
        nn::sequential r(decor::adversary_arch("dense(5) tanh", nll.outputs()), nn::tshape::vec(1), 4);
        decor::pivot_loss L(r, nll, 3.0, bkg);
        auto z = support::random_floats(n, 9, -2, 2), side = support::random_floats(n, 10, -1, 1);
        std::vector<float> y = {1, 0, 1, 0, 0, 1}, w = {1, 2, 0.5f, 1, 1, 3};
        nn::loss_batch b;
        b.z = z.data(), b.y = y.data(), b.w = w.data(), b.side = {side.data()}, b.n = n, b.d = 1;
        std::vector<float> g(n);
        L.eval(b, g.data(), n);
        // float32 through a tanh network: h = 1e-2 gives ~1e-4 truncation and rounding error
        support::gradient_check check{2e-4, 1e-2, 4};
        for (std::size_t i = 0; i < n; ++i)
            check("dz", i, support::central_difference(z[i], 1e-2, [&] { return L.eval(b, nullptr, n); }), g[i]);
        CHECK(check.bad == 0);
    }
}

TEST_CASE("pivot toy: without the adversary f depends on z (KS >= 0.2); at lambda 50 it does not (KS <= 0.05)") {
    const auto plain = run_toy(0, 150), piv = run_toy(50, 150);
    MESSAGE("lambda 0: max KS " << plain.ks << ", adversary loss " << plain.adv_loss);
    MESSAGE("lambda 50: max KS " << piv.ks << ", adversary loss " << piv.adv_loss << " (H(Z) = 1.419)");
    CHECK(plain.ks >= 0.2);
    CHECK(piv.ks <= 0.05);
    // with lambda 50 the adversary learns nothing about z from f: its loss is H(Z) up to the
    // validation sample's own entropy fluctuation (~0.7/sqrt(4000) ~ 0.01) and the MDN's fit
    CHECK(std::fabs(piv.adv_loss - 1.419) < 0.03);
    CHECK(plain.adv_loss < piv.adv_loss - 0.02);
}
