// SPDX-License-Identifier: MIT
// Unit tests of jetml/train/classifier: a classifier trained end to end scores in memory exactly
// as predict scores its saved file, stores the training-set standardisation, and the Fisher
// shrinkage is chosen on the validation set.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/train/classifier.hpp"
#include "support.hpp"

using namespace jetml;

namespace {
// two Gaussians in 3-d, offset in the first coordinate, on a scale far from unit
data::labelled_set gaussians(std::size_t n, std::uint64_t seed) {
    rng g(seed);
    data::labelled_set s;
    s.shape = {3};
    s.size = 3;
    s.n = n;
    for (std::size_t i = 0; i < n; ++i) {
        const float y = float(i % 2);
        s.y.push_back(y);
        s.w.push_back(1.0f);
        s.x.push_back(float(100 + 10 * (g.normal() + (y > 0 ? 1.0 : -1.0))));
        s.x.push_back(float(g.normal()));
        s.x.push_back(float(5 * g.normal()));
    }
    return s;
}
// the first feature's class offset hides under noise that the second feature measures: only
// the covariance (a small shrinkage) finds the direction x0 - 10 x1
data::labelled_set correlated(std::size_t n, std::uint64_t seed) {
    rng g(seed);
    data::labelled_set s;
    s.shape = {2};
    s.size = 2;
    s.n = n;
    for (std::size_t i = 0; i < n; ++i) {
        const float y = float(i % 2);
        const double noise = g.normal();
        s.y.push_back(y);
        s.w.push_back(1.0f);
        s.x.push_back(float(10 * noise + (y > 0 ? 1.0 : -1.0)));
        s.x.push_back(float(noise + 0.05 * g.normal()));
    }
    return s;
}
}  // namespace

TEST_CASE("classifier: a network's in-memory scores equal predict's scores of its saved file") {
    const auto tr = gaussians(400, 1), va = gaussians(200, 2);
    train::classifier_spec spec;
    spec.arch = "dense(8) relu dense(1)";
    spec.extra = {{"tool", "test"}};
    train::fit_options f;
    f.epochs = 3;
    f.batch = 32;
    train::fit_context ctx;
    ctx.seed = 4;
    auto c = train::fit_classifier(spec, tr, va, f, ctx);
    CHECK(c.result.epochs_done == 3);
    CHECK(c.meta().epoch == c.result.best_epoch);
    REQUIRE(c.meta().prep_mean.size() == 3);
    // the standardisation is the training set's mean of the first feature (about 100)
    double m0 = 0;
    for (std::size_t i = 0; i < tr.n; ++i) m0 += tr.x[i * 3];
    CHECK(c.meta().prep_mean[0] == doctest::Approx(m0 / double(tr.n)).epsilon(1e-5));
    const std::string path = support::tmp_path("classifier", "net.npz");
    c.save(path);
    auto s = model::load_scorer(path);
    std::vector<float> want(va.n);
    s->score(va.x.data(), va.n, want.data());
    CHECK(c.scores(va.x.data(), va.n) == want);
    // the scores separate the classes
    double s1 = 0, s0 = 0;
    for (std::size_t i = 0; i < va.n; ++i) (va.y[i] > 0.5f ? s1 : s0) += want[i];
    CHECK(s1 > s0);
    std::remove(path.c_str());
}

TEST_CASE("classifier: Fisher keeps the shrinkage with the best validation AUC and needs a validation set to choose") {
    const auto tr = correlated(300, 5), va = correlated(300, 6);
    train::classifier_spec spec;
    spec.arch = "fisher";
    spec.shrinkages = {1.0, 1e-3};  // full shrinkage ignores the correlation: worse
    train::fit_options f;
    train::fit_context ctx;
    auto c = train::fit_classifier(spec, tr, va, f, ctx);
    CHECK(c.shrinkage == 1e-3);
    CHECK(c.meta().get("shrinkage") == "0.001");
    CHECK(c.meta().resolved_kind() == "fisher");
    CHECK(c.meta().prep_mean.empty());
    CHECK_THROWS_AS(train::fit_classifier(spec, tr, data::labelled_set{}, f, ctx), usage_error);
    spec.arch = "dense(2)";
    CHECK_THROWS_AS(train::fit_classifier(spec, tr, va, f, ctx), usage_error);
}

TEST_CASE("classifier: the model's meta records the training options and data digests (meta.json \"training\")") {
    const auto tr = gaussians(200, 1), va = gaussians(100, 2);
    train::classifier_spec spec;
    spec.arch = "dense(4) relu dense(1)";
    train::fit_options f;
    f.epochs = 2;
    f.weight_decay = 0.01;
    train::fit_context ctx;
    auto get = [](const nn::model_meta& m, const std::string& k) {
        for (const auto& [key, v] : m.training)
            if (key == k) return v;
        return std::string("(missing)");
    };
    auto c = train::fit_classifier(spec, tr, va, f, ctx);
    CHECK(get(c.meta(), "weight_decay") == "0.01");
    CHECK(get(c.meta(), "epochs_done") == "2");
    CHECK(get(c.meta(), "arch") == "dense(4) relu dense(1)");
    CHECK(get(c.meta(), "standardise") == "on");
    CHECK(get(c.meta(), "train_data").size() == 16);
    // the record survives the model file
    const std::string path = support::tmp_path("classifier", "training.npz");
    c.save(path);
    nn::model_meta back;
    nn::load_model(path, &back);
    CHECK(back.training == c.meta().training);
    std::remove(path.c_str());
    // Fisher: the data part only (no epochs, no optimiser)
    spec.arch = "fisher";
    auto fi = train::fit_classifier(spec, tr, va, f, ctx);
    CHECK(get(fi.meta(), "standardise") == "off");
    // the digest is of the data as trained on: standardised for the network, as given for Fisher
    CHECK(get(fi.meta(), "train_data.inputs") != get(c.meta(), "train_data.inputs"));
    CHECK(get(fi.meta(), "train_data.labels") == get(c.meta(), "train_data.labels"));
    CHECK(get(fi.meta(), "weight_decay") == "(missing)");
}
