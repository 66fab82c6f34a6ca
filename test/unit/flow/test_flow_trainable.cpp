// SPDX-License-Identifier: MIT
// test/unit/flow/test_flow_trainable.cpp - the MAF under the training engine: a fit to a known
// conditional density, exact resume from a checkpoint, and the "flow" model kind.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/flow/flow_file.hpp"
#include "jetml/flow/flow_trainable.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/train/fit.hpp"
#include "support.hpp"

using namespace jetml;

namespace {

// x | c ~ N(a c, diag(s^2)) in 2-D with a = (1, -0.5), s = (0.5, 0.3), c ~ U(-1, 1): rows [x1, x2, c];
// `true_nll` receives the mean of -log p(x|c) under the true density on these rows.
data::labelled_set gaussian_set(std::size_t n, std::uint64_t seed, double* true_nll) {
    const double a[2] = {1.0, -0.5}, s[2] = {0.5, 0.3};
    data::labelled_set d;
    d.shape = {3};
    d.size = 3;
    d.n = n;
    d.x.resize(n * 3);
    d.y.assign(n, 0.0f);
    d.w.assign(n, 1.0f);
    rng r(seed);
    double nll = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const float c = float(r.uniform(-1, 1));
        d.x[i * 3 + 2] = c;
        for (int j = 0; j < 2; ++j) {
            const float x = float(a[j] * c + s[j] * r.normal());
            d.x[i * 3 + j] = x;
            const double e = (double(x) - a[j] * c) / s[j];
            nll += 0.5 * e * e + std::log(s[j]) + 0.5 * std::log(2 * 3.14159265358979323846);
        }
    }
    if (true_nll) *true_nll = nll / double(n);
    return d;
}

flow::maf_config small_flow() {
    flow::maf_config c;
    c.dim = 2, c.cond = 1, c.blocks = 5, c.hidden = 32, c.depth = 2;
    return c;
}

}  // namespace

TEST_CASE("flow trainable: the engine fits x|c ~ N(a c, s^2) to within 0.02 nats of the true NLL") {
    double nll_true_test = 0;
    const auto tr = gaussian_set(20000, 1, nullptr), va = gaussian_set(5000, 2, nullptr);
    const auto te = gaussian_set(20000, 3, &nll_true_test);
    flow::maf m(small_flow(), 7);
    nn::optim_config oc = flow::maf_defaults::optimizer();
    oc.lr = 2e-3;  // the small flow and data set train faster than the 1e-4 of the 15 x 128 default
    flow::flow_trainable t(m, oc, tr, 256);
    train::fit_options f;
    f.epochs = 40, f.batch = 256, f.patience = 5, f.lr = oc.lr;
    const auto res = train::fit(t, tr, va, f, train::fit_context{});
    const double nll_test = flow::mean_nll(m, te);
    MESSAGE("best epoch " << res.best_epoch << " of " << res.epochs_done << ": test NLL " << nll_test << ", true "
                          << nll_true_test);
    CHECK(res.validated);
    // the model is normalised, so on average it cannot beat the true density by more than noise
    CHECK(std::fabs(nll_test - nll_true_test) < 0.02);
}

TEST_CASE("flow trainable: a run resumed from its checkpoint ends with the same bits") {
    const auto tr = gaussian_set(3000, 4, nullptr), va = gaussian_set(1000, 5, nullptr);
    const std::string ck = support::tmp_path("flow", "ckpt.zip");
    std::remove(ck.c_str());
    auto bits = [](flow::maf& m) {
        std::vector<float> v;
        for (auto* p : m.parameters()) v.insert(v.end(), p->value.begin(), p->value.end());
        return v;
    };
    train::fit_options f;
    f.epochs = 4, f.batch = 128, f.patience = 0, f.lr = 1e-3;
    nn::optim_config oc = flow::maf_defaults::optimizer();
    oc.lr = 1e-3;
    flow::maf full(small_flow(), 3);
    flow::flow_trainable tf(full, oc, tr, 128);
    const auto rf = train::fit(tf, tr, va, f, train::fit_context{});

    train::fit_options g = f;
    g.epochs = 2, g.checkpoint = ck;
    flow::maf first(small_flow(), 3);
    flow::flow_trainable t1(first, oc, tr, 128);
    train::fit(t1, tr, va, g, train::fit_context{});
    g.epochs = 4, g.resume = true;
    flow::maf resumed(small_flow(), 3);
    flow::flow_trainable t2(resumed, oc, tr, 128);
    const auto rr = train::fit(t2, tr, va, g, train::fit_context{});
    CHECK(rr.best_epoch == rf.best_epoch);
    CHECK(rr.best_loss == rf.best_loss);
    CHECK(bits(resumed) == bits(full));
    std::remove(ck.c_str());
}

TEST_CASE("flow model file: save, load and score log p(x|c) as kind 'flow'") {
    flow::maf_config cfg = small_flow();
    cfg.scale_bound = 3.5;
    cfg.reverse = true;
    flow::maf m(cfg, 11);
    const auto tr = gaussian_set(2000, 6, nullptr);
    nn::optimizer opt(flow::maf_defaults::optimizer());
    for (int s = 0; s < 3; ++s) m.train_step(tr.x.data(), nullptr, 256, &opt, 1e-3);
    m.recompute_statistics(tr.x.data(), tr.n);
    flow::flow_meta meta;
    meta.epoch = 3;
    meta.features = {"mj_min", "dmj"};
    meta.conditions = {"mjj"};
    meta.extra = {{"purpose", "unit test"}};
    const std::string bytes = flow::flow_model_bytes(m, meta);
    auto file = model::model_file::parse(bytes, "f.npz");
    CHECK(file.kind() == "flow");
    CHECK(file.format_version() == 2);
    auto sc = model::make_scorer(file);
    CHECK(sc->kind() == "flow");
    CHECK(sc->input_size() == 3);
    CHECK(sc->output_names() == std::vector<std::string>{"log_p"});
    CHECK(sc->features() == std::vector<std::string>{"mj_min", "dmj", "mjj"});
    std::vector<float> out(500);
    sc->reserve(128);
    sc->score(tr.x.data(), 500, out.data());
    std::vector<double> lp(500);
    m.log_prob(tr.x.data(), 500, lp.data());
    double worst = 0;
    for (std::size_t i = 0; i < 500; ++i) worst = std::max(worst, std::fabs(double(out[i]) - lp[i]) / (1 + std::fabs(lp[i])));
    CHECK(worst < 1e-6);  // float32 output of the same computation in chunks of 128
    flow::flow_meta back;
    flow::maf m2 = flow::flow_from_file(file, &back);
    CHECK(m2.config().spec() == cfg.spec());
    CHECK(back.epoch == 3);
    CHECK(back.conditions == meta.conditions);
    CHECK(back.extra == meta.extra);
    for (std::size_t i = 0; i < m.parameters().size(); ++i) {
        CHECK(m2.parameters()[i]->name == m.parameters()[i]->name);
        CHECK(std::vector<float>(m2.parameters()[i]->value.begin(), m2.parameters()[i]->value.end()) ==
              std::vector<float>(m.parameters()[i]->value.begin(), m.parameters()[i]->value.end()));
    }
    // a file of another kind is refused by the flow reader with its name
    CHECK_THROWS_WITH_AS(flow::flow_from_bytes(flow::flow_model_bytes(m, meta).substr(0, 100), "cut.npz"),
                         doctest::Contains("cut.npz"), jetml::error);
    CHECK(model::is_known_kind("flow"));
}

TEST_CASE("flow trainable: rows of the wrong width are a usage error") {
    data::labelled_set d;
    d.shape = {4}, d.size = 4, d.n = 1, d.x.assign(4, 0.0f), d.y.assign(1, 0), d.w.assign(1, 1);
    flow::maf m(small_flow(), 1);
    CHECK_THROWS_WITH_AS(flow::flow_trainable(m, flow::maf_defaults::optimizer(), d, 256),
                         doctest::Contains("the flow needs 2 variables + 1 conditions"), jetml::usage_error);
}
