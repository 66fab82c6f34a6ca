// SPDX-License-Identifier: MIT
// Unit tests of jetml/model/network_scorer: kinds "sequential" and "fisher" score after
// save -> load exactly as in memory, the stored standardisation is applied as predict applied
// it, and models written by the release a09954e score as that release's predict did.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/model_io.hpp"

using namespace jetml;

namespace {
const std::string data_dir = std::string(JETML_TEST_DIR) + "/golden/data/";

std::vector<float> randv(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    jetml::rng g(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = float(g.uniform(lo, hi));
    return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> score_all(model::scorer& s, const std::vector<float>& x) {
    const std::size_t n = x.size() / s.input_size();
    std::vector<float> z(n * s.outputs());
    s.score(x.data(), n, z.data());
    return z;
}

// The model written to bytes and read back through the kind registry.
std::unique_ptr<model::scorer> reloaded(const nn::sequential& m, const nn::model_meta& meta,
                                        const model::score_options& o = {}) {
    return model::make_scorer(model::model_file::parse(nn::model_bytes(m, meta), "r.npz"), o);
}

float sigmoid_as_predict(float z) {
    return z >= 0 ? 1.0f / (1.0f + std::exp(-z)) : std::exp(z) / (1.0f + std::exp(z));
}
}  // namespace

TEST_CASE("network scorer: models written by the release score bitwise as the release's predict did") {
    // test/golden/data/release_*.npz and their scores were written by train and predict built at
    // a09954e (see test/golden/predict.reg for the commands)
    SUBCASE("dense network with stored standardisation and feature names") {
        auto s = model::load_scorer(data_dir + "release_dense.npz");
        CHECK(s->kind() == "sequential");
        CHECK(s->features() == std::vector<std::string>{"pt", "mass", "nconst"});
        CHECK(s->input_shape() == std::vector<std::size_t>{3});
        CHECK(s->output_transform() == "sigmoid");
        const auto x = load_npy<float>(data_dir + "feat400.npy").data;
        const auto want = load_npy<float>(data_dir + "release_dense_scores.npy").data;
        CHECK(same_bits(score_all(*s, x), want));  // one call of 400 samples, in 256-sample pieces
        s->reserve(1024);
        CHECK(same_bits(score_all(*s, x), want));  // as predict calls it
        // --logit: the release's CSV has float32 printed round-trip (%.9g)
        model::score_options raw;
        raw.raw = true;
        auto r = model::load_scorer(data_dir + "release_dense.npz", raw);
        CHECK(r->output_transform() == "none");
        std::ifstream csv(data_dir + "release_dense_logit.csv");
        std::string line;
        std::getline(csv, line);
        CHECK(line == "score");
        std::vector<float> logits;
        while (std::getline(csv, line)) logits.push_back(std::strtof(line.c_str(), nullptr));
        CHECK(same_bits(score_all(*r, x), logits));
    }
    SUBCASE("Fisher discriminant on 5x5 images") {
        auto s = model::load_scorer(data_dir + "release_fisher.npz");
        CHECK(s->kind() == "fisher");
        CHECK(s->input_shape() == std::vector<std::size_t>{1, 5, 5});
        CHECK(s->features().empty());
        CHECK(s->description().find("Fisher linear discriminant, shrinkage 0.001") == 0);
        const auto x = load_npy<float>(data_dir + "img_small.npy").data;
        CHECK(same_bits(score_all(*s, x), load_npy<float>(data_dir + "release_fisher_scores.npy").data));
    }
}

TEST_CASE("network scorer: save -> load -> score is identical for each kind") {
    SUBCASE("sequential, images with 2 channels") {
        const nn::tshape in = nn::tshape::image(2, 6, 5);
        nn::sequential m("conv(3,3,same) relu maxpool(2) flatten dense(4) tanh dense(1)", in, 9);
        nn::model_meta meta;
        meta.prep_mean = randv(in.size(), 2);
        meta.prep_std = randv(in.size(), 3, 0.5, 2);
        const auto x = randv(11 * in.size(), 4);
        auto back = reloaded(m, meta);
        model::network_scorer here(nn::model_from_bytes(nn::model_bytes(m, meta), "copy"), meta);
        CHECK(back->kind() == "sequential");
        CHECK(here.kind() == "sequential");
        CHECK(back->input_shape() == std::vector<std::size_t>{2, 6, 5});
        CHECK(same_bits(score_all(*back, x), score_all(here, x)));
    }
    SUBCASE("fisher, as train saves it") {
        const std::size_t n = 200, d = 3;
        auto x = randv(n * d, 5);
        std::vector<float> y(n);
        for (std::size_t i = 0; i < n; ++i) y[i] = float(i % 2), x[i * d] += y[i];
        nn::sequential m = nn::fisher_fit(x.data(), y.data(), nullptr, n, nn::tshape::vec(d), 0.1);
        nn::model_meta meta;
        meta.extra = {{"tool", "train"}, {"arch_option", "fisher"}, {"shrinkage", "0.1"}};
        auto back = reloaded(m, meta);
        CHECK(back->kind() == "fisher");
        // the scores are sigmoid(LDA log-odds) of the fitted model
        std::vector<float> z(n);
        m.predict(x.data(), n, z.data());
        for (auto& v : z) v = sigmoid_as_predict(v);
        CHECK(same_bits(score_all(*back, x), z));
    }
}

TEST_CASE("network scorer: stored standardisation = manual standardise + forward + sigmoid (bitwise)") {
    const nn::tshape in = nn::tshape::vec(4);
    nn::sequential m("dense(8) relu dense(8) tanh dense(1)", in, 21);
    nn::model_meta meta;
    meta.prep_mean = {10.0f, -3.0f, 0.5f, 1e3f};
    meta.prep_std = {2.0f, 0.25f, 1.0f, 300.0f};
    const std::size_t n = 37;
    auto x = randv(n * 4, 6, -500, 1500);
    std::vector<float> manual(x);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < 4; ++j) manual[i * 4 + j] = (manual[i * 4 + j] - meta.prep_mean[j]) / meta.prep_std[j];
    nn::sequential copy = nn::model_from_bytes(nn::model_bytes(m, meta), "copy");
    copy.reserve(n);
    const float* f = copy.forward(manual.data(), n, false);
    std::vector<float> want(n), raw_want(f, f + n);
    for (std::size_t i = 0; i < n; ++i) want[i] = sigmoid_as_predict(f[i]);

    auto s = reloaded(m, meta);
    CHECK(s->description().find("input (4,) standardised, scores sigmoid(output)") != std::string::npos);
    SUBCASE("default pieces") { CHECK(same_bits(score_all(*s, x), want)); }
    SUBCASE("small pieces") {
        s->reserve(5);
        CHECK(same_bits(score_all(*s, x), want));
    }
    SUBCASE("one sample at a time") {
        std::vector<float> z(n);
        for (std::size_t i = 0; i < n; ++i) s->score(x.data() + i * 4, 1, z.data() + i);
        CHECK(same_bits(z, want));
    }
    SUBCASE("raw output (--logit)") {
        model::score_options o;
        o.raw = true;
        CHECK(same_bits(score_all(*reloaded(m, meta, o), x), raw_want));
    }
    SUBCASE("a loss other than bce is not squashed") {
        meta.loss = "mse";
        auto r = reloaded(m, meta);
        CHECK(r->output_transform() == "none");
        CHECK(same_bits(score_all(*r, x), raw_want));
    }
}

TEST_CASE("network scorer: a fisher model must be a linear network; standardisation must fit") {
    nn::model_meta meta;
    meta.kind = "fisher";
    CHECK_NOTHROW(reloaded(nn::sequential("dense(1)", nn::tshape::vec(3), 1), meta));
    CHECK_NOTHROW(reloaded(nn::sequential("flatten dense(1)", nn::tshape::image(1, 2, 2), 1), meta));
    CHECK_THROWS_WITH_AS(reloaded(nn::sequential("dense(4) relu dense(1)", nn::tshape::vec(3), 1), meta),
                         "r.npz: a fisher model is a linear discriminant ('dense(1)' or 'flatten dense(1)'), this one "
                         "is 'dense(4) relu dense(1)'",
                         jetml::error);
    nn::model_meta bad;
    bad.prep_mean = {1, 2};
    bad.prep_std = {1, 2};
    CHECK_THROWS_WITH_AS(model::network_scorer(nn::sequential("dense(1)", nn::tshape::vec(3), 1), bad, {}, "m.npz"),
                         "m.npz: stored standardisation does not match the model input", jetml::error);
}

TEST_CASE("network scorer: several outputs get one column name each") {
    nn::sequential m("dense(3)", nn::tshape::vec(2), 1);
    auto s = reloaded(m, nn::model_meta{});
    CHECK(s->outputs() == 3);
    CHECK(s->output_names() == std::vector<std::string>{"score0", "score1", "score2"});
}
