// SPDX-License-Identifier: MIT
// Unit tests of jetml/trees/bdt_file: the model file round trip, the fast scorer against the
// plain traversal and the training-time scores, and refused files.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/model/model_file.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/trees/bdt_file.hpp"

using namespace jetml;
using namespace jetml::trees;

namespace {
data::labelled_set toy(std::size_t n, std::uint64_t seed) {
    data::labelled_set s;
    const std::size_t d = 3;
    s.n = n, s.size = d, s.shape = {d};
    s.x.resize(n * d), s.y.resize(n), s.w.assign(n, 1.0f);
    rng r(seed);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t f = 0; f < d; ++f) s.x[i * d + f] = float(r.normal());
        s.y[i] = s.x[i * d] * s.x[i * d + 1] + 0.3 * r.normal() > 0 ? 1.0f : 0.0f;
        if (r.uniform() < 0.1) s.x[i * d + 2] = std::nanf("");
    }
    return s;
}
}  // namespace

TEST_CASE("bdt_file: save, load and score give the training-time scores bitwise") {
    const data::labelled_set s = toy(3000, 1);
    for (growth g : {growth::depthwise, growth::leafwise}) {
        booster_params p;
        p.trees = 25, p.grow = g, p.max_depth = g == growth::depthwise ? 5 : 0, p.max_leaves = g == growth::depthwise ? 0 : 12;
        const boost_result r = fit_booster(s, data::labelled_set(), p);
        bdt_meta meta;
        meta.input_shape = {3};
        meta.features = {"a", "b", "c"};
        meta.params = p;
        const std::string bytes = bdt_model_bytes(r.model, meta);
        const auto f = model::model_file::parse(bytes, "m.npz");
        CHECK(f.kind() == "bdt");
        CHECK(f.format_version() == 2);
        auto sc = model::make_scorer(f);
        CHECK(sc->kind() == "bdt");
        CHECK(sc->accepts_missing());
        CHECK(sc->features() == meta.features);
        std::vector<float> out(s.n);
        sc->score(s.x.data(), s.n, out.data());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < s.n; ++i) differ += out[i] != bdt_score(r.train_raw[i], false);
        CHECK(differ == 0);
        // the fast layout against the plain traversal of the loaded trees, on rows with NaN
        const ensemble back = bdt_from_file(f);
        CHECK(back.trees.size() == r.model.trees.size());
        const fast_forest fast(back);
        std::vector<double> fr(s.n);
        fast.raw_scores(s.x.data(), s.n, fr.data());
        CHECK(fr == back.raw_scores(s.x.data(), s.n));
        // the same bytes again: the file depends only on the model
        CHECK(bdt_model_bytes(back, meta).size() == bytes.size());
        // --logit: the raw sum
        model::score_options o;
        o.raw = true;
        auto raw = model::make_scorer(f, o);
        raw->score(s.x.data(), 1, out.data());
        CHECK(out[0] == float(r.train_raw[0]));
    }
}

TEST_CASE("bdt_file: a file of another kind or with a backward child is refused by name") {
    const data::labelled_set s = toy(500, 2);
    booster_params p;
    p.trees = 2, p.max_depth = 2;
    const boost_result r = fit_booster(s, data::labelled_set(), p);
    bdt_meta meta;
    meta.input_shape = {3};
    const std::string json = model::meta_json_head("flow") + "\n}\n";
    const auto other = model::model_file::parse(zip_store({{"meta.json", json}}), "f.npz");
    CHECK_THROWS_WITH_AS(bdt_from_file(other), "f.npz: model kind 'flow' is not a tree ensemble (bdt)", jetml::error);
    // a split whose left child points back at the root would loop
    ensemble bad = r.model;
    bad.trees[0][0].left = 0;
    const auto f = model::model_file::parse(bdt_model_bytes(bad, meta), "bad.npz");
    CHECK_THROWS_WITH_AS(bdt_from_file(f), "bad.npz: tree 0 node 0: children are not later nodes of the tree", jetml::error);
}
