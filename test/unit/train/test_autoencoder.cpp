// SPDX-License-Identifier: MIT
// Unit tests of jetml/train/autoencoder and jetml/model/autoencoder_scorer: the score is the
// per-sample reconstruction loss, layouts of multi-channel images, normalisation, the code and
// KL outputs, and an autoencoder trained on one class flagging another.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/model/autoencoder_scorer.hpp"
#include "jetml/nn/loss.hpp"
#include "jetml/nn/vae.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/train/autoencoder.hpp"

#include "support.hpp"

using namespace jetml;

TEST_CASE("autoencoder: the layout names the code; the output must have the input's shape") {
    nn::sequential m("flatten dense(4) relu dense(2) latent dense(input) reshape(input)", nn::tshape::image(1, 3, 3), 1);
    auto lay = model::ae_layout_of(m);
    CHECK(lay.code_layer == 4);
    CHECK(lay.code_size == 2);
    CHECK_FALSE(lay.vae);
    nn::sequential v("dense(6) vae(3,0.25) dense(input)", nn::tshape::vec(5), 1);
    lay = model::ae_layout_of(v);
    CHECK(lay.vae);
    CHECK(lay.beta == 0.25);
    CHECK(lay.code_size == 3);
    nn::sequential bad("flatten dense(9)", nn::tshape::image(1, 3, 3), 1);  // (9,) is not (1, 3, 3)
    CHECK_THROWS_WITH_AS(model::ae_layout_of(bad), doctest::Contains("must have its input's shape (1, 3, 3)"),
                         usage_error);
}

TEST_CASE("autoencoder: scores, code and reconstruction of two-channel images in the user layout") {
    // 'latent' alone is the identity: zero error, the reconstruction is the input (N, C, H, W)
    const nn::tshape in = nn::tshape::image(2, 3, 4);
    nn::sequential id("latent", in, 1);
    const std::size_t n = 5;
    const auto x = support::random_floats(n * in.size(), 2);
    std::vector<float> err(n), code(n * in.size()), img(n * in.size());
    auto mse = nn::make_loss("mse");
    model::ae_evaluate(id, model::ae_layout_of(id), *mse, x.data(), n, 2, err.data(), nullptr, code.data(), img.data());
    CHECK(img == x);
    for (float e : err) CHECK(e == 0.0f);
    // a real network: the error is the mean squared difference of the reconstruction and the input
    nn::sequential m("conv(3,3,same) relu flatten dense(4) latent dense(input) reshape(input)", in, 3);
    model::ae_evaluate(m, model::ae_layout_of(m), *mse, x.data(), n, 3, err.data(), nullptr, nullptr, img.data());
    for (std::size_t s = 0; s < n; ++s) {
        double e = 0;
        for (std::size_t j = 0; j < in.size(); ++j) e += std::pow(double(img[s * 24 + j]) - x[s * 24 + j], 2) / 24.0;
        CHECK(err[s] == doctest::Approx(e).epsilon(1e-5));
    }
}

TEST_CASE("autoencoder: a VAE scorer writes recon and kl; kl is the Gaussian KL of the encoder's mean and log-variance") {
    const nn::tshape in = nn::tshape::vec(4);
    nn::sequential m("dense(6) vae(3,0.5) dense(input)", in, 5);
    nn::model_meta meta;
    meta.kind = "autoencoder";
    meta.loss = "mse";
    model::autoencoder_scorer sc(std::move(m), meta);
    CHECK(sc.output_names() == std::vector<std::string>{"recon", "kl"});
    const std::size_t n = 3;
    const auto x = support::random_floats(n * 4, 6);
    std::vector<float> out(2 * n), code(3 * n);
    sc.score_extra(x.data(), n, out.data(), {code.data(), nullptr});
    // the encoder by hand: h = W x + b (6 values: mean 3, log-variance 3); the code is the mean
    const auto& W = const_cast<nn::sequential&>(sc.network()).at(0).params()[0].value;
    const auto& b = const_cast<nn::sequential&>(sc.network()).at(0).params()[1].value;
    for (std::size_t s = 0; s < n; ++s) {
        float h[6];
        for (std::size_t o = 0; o < 6; ++o) {
            double a = b[o];
            for (std::size_t i = 0; i < 4; ++i) a += double(W[o * 4 + i]) * x[s * 4 + i];
            h[o] = float(a);
        }
        for (std::size_t j = 0; j < 3; ++j) CHECK(code[s * 3 + j] == doctest::Approx(h[j]).epsilon(1e-5));
        CHECK(out[2 * s + 1] == doctest::Approx(nn::gaussian_kl(h, h + 3, 3)).epsilon(1e-5));
        CHECK(out[2 * s] > 0);
    }
}

TEST_CASE("autoencoder: per-image normalisation divides by the sum and refuses a non-positive one") {
    std::vector<float> x = {1, 3, 2, 2, 0, 0};
    model::ae_normalise_rows(x.data(), 2, 2, 0, "t");
    CHECK(x[0] == 0.25f);
    CHECK(x[1] == 0.75f);
    CHECK(x[2] == 0.5f);
    CHECK_THROWS_WITH_AS(model::ae_normalise_rows(x.data() + 4, 1, 2, 7, "t"),
                         doctest::Contains("t: sample 7: its values sum to 0"), error);
}

TEST_CASE("autoencoder: trained on one class only, it flags the other (toy images)") {
    // class 0: one bright pixel near the centre; class 1: two bright pixels far apart. An
    // autoencoder of class 0 reconstructs class 1 worse: the AUC of the error is near 1.
    const std::size_t n = 600, d = 36;
    rng g(4);
    auto image = [&](int cls, float* p) {
        std::fill(p, p + d, 0.0f);
        for (std::size_t j = 0; j < d; ++j) p[j] = float(0.02 * g.uniform());
        const std::size_t c = 14 + g.below(2) + 6 * g.below(2);
        if (cls == 0) p[c] += 1.0f;
        else p[c] += 0.5f, p[(c + 17) % d] += 0.5f;
    };
    data::labelled_set tr, va;
    tr.shape = va.shape = {1, 6, 6};
    tr.size = va.size = d;
    tr.n = n, va.n = n;
    tr.x.resize(n * d), va.x.resize(n * d);
    for (std::size_t i = 0; i < n; ++i) image(0, tr.x.data() + i * d), image(int(i % 2), va.x.data() + i * d);
    tr.y.assign(n, 0.0f), tr.w.assign(n, 1.0f), va.w.assign(n, 1.0f);
    for (std::size_t i = 0; i < n; ++i) va.y.push_back(float(i % 2));
    train::autoencoder_spec spec;
    spec.arch = "flatten dense(16) relu dense(2) latent dense(16) relu dense(input) reshape(input)";
    train::fit_options f;
    f.epochs = 15, f.batch = 32, f.lr = 3e-3, f.patience = 0;
    train::fit_context ctx;
    ctx.seed = 2;
    auto m = train::fit_autoencoder(spec, tr, va, f, ctx);
    CHECK(m.result.epochs_done == 15);
    std::vector<float> s(2 * n);
    m.scorer->score(va.x.data(), n, s.data());
    const double auc = jetml::auc(s.data(), va.y.data(), n, va.w.data());
    MESSAGE("AUC of the reconstruction error: " << auc);
    CHECK(auc > 0.9);
}
