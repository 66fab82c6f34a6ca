// SPDX-License-Identifier: MIT
// Unit tests of jetml/train/fit and train/network: early stopping with patience, the best
// snapshot kept, resume from a checkpoint written mid-run equal to an uninterrupted run,
// a resume with other data or options refused with every difference (and a format-1
// checkpoint as older), early stopping kept across a resume, and a network learning two
// Gaussians under the engine.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/train/fit.hpp"
#include "jetml/train/network.hpp"
#include "support.hpp"

using namespace jetml;

namespace {

std::string tmp_path(const std::string& name) {
    return "/tmp/jetml_fit_test_" + std::to_string(::getpid()) + "_" + name;
}

// A one-parameter model whose updates depend on the order of the samples, the batch split and
// the learning rate, so that any change in the shuffling or the resume shows in its state.
// validate() returns script[epochs - 1] when a script is given, else (p - 3)^2.
class toy : public train::trainable {
public:
    double p = 0;
    std::size_t epochs = 0, batches = 0;
    std::vector<double> script;
    std::vector<double> snapshots_taken;  // p at every snapshot() call

    void signature(train::fit_signature& s) const override { s.set("arch", "model", "toy"); }
    double train_batch(const train::batch& b, double lr) override {
        double s = 0;
        for (std::size_t k = 0; k < b.n; ++k) s += double(b.x[k]) * double(k + 1) * b.w[k];
        p = 0.9 * p + lr * s / double(b.n);
        ++batches;
        return std::fabs(p);
    }
    double p_end = NAN;  // p at the end of the last epoch run (before fit restores the best)
    double end_epoch(std::size_t) override {
        p_end = p;
        return ++epochs, NAN;
    }
    train::evaluation validate(const data::labelled_set&) override {
        train::evaluation e;
        e.loss = script.empty() ? (p - 3) * (p - 3) : script.at(epochs - 1);
        return e;
    }
    std::string snapshot() override {
        snapshots_taken.push_back(p);
        return format_double(p);
    }
    void restore(const std::string& s) override { parse_double(s, p); }
    train::saved_state save_state(const std::string& best) override {
        train::saved_state s;
        s.keys = {{"toy_epochs", std::to_string(epochs)}, {"toy_batches", std::to_string(batches)}};
        s.entries = {{"p.txt", format_double(p)}, {"best.txt", best}};
        return s;
    }
    std::string load_state(const std::map<std::string, std::string>& k, const std::map<std::string, std::string>& e,
                           const std::string&) override {
        epochs = std::stoull(k.at("toy_epochs"));
        batches = std::stoull(k.at("toy_batches"));
        parse_double(e.at("p.txt"), p);
        return e.at("best.txt");
    }
};

data::labelled_set toy_data(std::size_t n) {
    data::labelled_set d;
    d.shape = {1};
    d.size = 1;
    d.n = n;
    rng g(5);
    for (std::size_t i = 0; i < n; ++i) {
        d.x.push_back(float(g.uniform() * 2));
        d.y.push_back(float(i % 2));
        d.w.push_back(1.0f);
    }
    return d;
}

}  // namespace

TEST_CASE("train fit: early stop after `patience` epochs without a better loss; the best snapshot is restored") {
    auto tr = toy_data(50), va = toy_data(10);
    toy m;
    m.script = {5, 4, 3, 3.5, 3.6, 3.7, 1, 0.5};
    train::fit_options f;
    f.epochs = 8;
    f.batch = 16;
    f.patience = 3;
    train::fit_context ctx;
    const auto r = train::fit(m, tr, va, f, ctx);
    CHECK(r.stopped_early);
    CHECK(r.validated);
    CHECK(m.epochs == 6);  // epochs 4, 5, 6 are worse than epoch 3
    CHECK(r.epochs_done == 6);
    CHECK(r.best_epoch == 3);
    CHECK(r.best_loss == 3.0);
    // snapshots: the initial one, then epochs 1, 2 and 3; the model ends with epoch 3's value
    REQUIRE(m.snapshots_taken.size() == 4);
    CHECK(m.p == m.snapshots_taken[3]);
    CHECK(m.batches == 6 * 4);  // 50 rows in batches of 16: 16, 16, 16, 2

    SUBCASE("patience 0 never stops") {
        toy m2;
        m2.script = m.script;
        f.patience = 0;
        const auto r2 = train::fit(m2, tr, va, f, ctx);
        CHECK_FALSE(r2.stopped_early);
        CHECK(m2.epochs == 8);
        CHECK(r2.best_epoch == 8);
    }
}

TEST_CASE("train fit: without validation rows the criterion is the training loss") {
    auto tr = toy_data(40);
    data::labelled_set none;
    toy m;
    train::fit_options f;
    f.epochs = 3;
    f.batch = 8;
    const auto r = train::fit(m, tr, none, f, train::fit_context{});
    CHECK_FALSE(r.validated);
    CHECK(r.best_epoch >= 1);
    CHECK(std::isfinite(r.best_loss));
}

TEST_CASE("train fit: resuming a checkpoint written mid-run ends in the state of an uninterrupted run") {
    auto tr = toy_data(37), va = toy_data(5);
    const std::string ca = tmp_path("a.ckpt"), cb = tmp_path("b.ckpt");
    train::fit_options f;
    f.batch = 8;
    f.patience = 0;
    // a schedule whose rate does not depend on --epochs, so the cut run sees the same rates
    f.schedule = "step:2:0.5";
    train::fit_context ctx;
    ctx.seed = 7;
    f.checkpoint = ca;
    f.epochs = 6;
    toy full2;
    const auto r2 = train::fit(full2, tr, va, f, ctx);
    // the interrupted run: stops after 3 epochs, leaving the checkpoint of epoch 3
    toy first;
    f.checkpoint = cb;
    f.epochs = 3;
    train::fit(first, tr, va, f, ctx);
    CHECK(first.epochs == 3);
    toy resumed;
    f.epochs = 6;
    f.resume = true;
    const auto rr = train::fit(resumed, tr, va, f, ctx);
    CHECK(resumed.epochs == 6);
    CHECK(resumed.batches == full2.batches);
    CHECK(resumed.p_end == full2.p_end);  // bitwise: same order, same batches, same learning rates
    CHECK(resumed.p_end != first.p_end);
    CHECK(resumed.p == full2.p);
    CHECK(rr.best_epoch == r2.best_epoch);
    CHECK(rr.best_loss == r2.best_loss);
    CHECK(resumed.save_state("x").entries == full2.save_state("x").entries);
    // a different seed shuffles differently, so the comparison above can fail
    toy reseeded;
    train::fit_options g = f;
    g.resume = false;
    g.checkpoint.clear();
    train::fit_context c2 = ctx;
    c2.seed = 8;
    train::fit(reseeded, tr, va, g, c2);
    CHECK(reseeded.p_end != full2.p_end);

    SUBCASE("a checkpoint of other options is refused") {
        toy other;
        f.batch = 9;
        CHECK_THROWS_WITH_AS(train::fit(other, tr, va, f, ctx),
                             doctest::Contains("checkpoint does not match this run (checkpoint vs now): --batch 8 vs 9"),
                             usage_error);
    }
    SUBCASE("a missing checkpoint starts from scratch") {
        toy fresh;
        f.checkpoint = tmp_path("missing.ckpt");
        train::fit(fresh, tr, va, f, ctx);
        CHECK(fresh.p_end == full2.p_end);
        std::remove(f.checkpoint.c_str());
    }
    std::remove(ca.c_str());
    std::remove(cb.c_str());
}

TEST_CASE("train fit: a network resumed from a mid-run checkpoint equals the uninterrupted network bitwise") {
    rng g(12);
    data::labelled_set tr;
    tr.shape = {2};
    tr.size = 2;
    tr.n = 300;
    for (std::size_t s = 0; s < tr.n; ++s) {
        const float y = float(s % 2);
        tr.y.push_back(y);
        tr.x.push_back(float(g.normal() + (y > 0 ? 1.0 : -1.0)));
        tr.x.push_back(float(g.normal()));
        tr.w.push_back(1.0f);
    }
    auto va = tr;
    nn::optim_config oc;
    train::fit_options f;
    f.epochs = 4;
    f.batch = 32;
    f.patience = 0;
    f.checkpoint = tmp_path("net.ckpt");
    train::fit_context ctx;
    ctx.seed = 3;
    nn::sequential a("dense(8) relu dropout(0.3) dense(1)", nn::tshape::vec(2), 3);
    train::network_trainable ta(a, oc, nn::loss_kind::bce_logits, nn::model_meta(), f.batch);
    train::fit(ta, tr, va, f, ctx);

    nn::sequential b("dense(8) relu dropout(0.3) dense(1)", nn::tshape::vec(2), 3);
    train::network_trainable tb(b, oc, nn::loss_kind::bce_logits, nn::model_meta(), f.batch);
    f.epochs = 2;
    train::fit(tb, tr, va, f, ctx);
    nn::sequential c("dense(8) relu dropout(0.3) dense(1)", nn::tshape::vec(2), 3);
    train::network_trainable tc(c, oc, nn::loss_kind::bce_logits, nn::model_meta(), f.batch);
    f.epochs = 4;
    f.resume = true;
    train::fit(tc, tr, va, f, ctx);
    CHECK(tc.snapshot() == ta.snapshot());
    CHECK(c.step() == a.step());
    CHECK(tc.optimizer().steps() == ta.optimizer().steps());
    std::remove(f.checkpoint.c_str());
}

TEST_CASE("train fit: a network learns two Gaussians; validation gives loss and AUC") {
    rng g(12);
    data::labelled_set tr;
    tr.shape = {2};
    tr.size = 2;
    tr.n = 1000;
    for (std::size_t s = 0; s < tr.n; ++s) {
        const float y = float(s < tr.n / 2);
        tr.y.push_back(y);
        tr.x.push_back(float(g.normal() + (y > 0 ? 1.0 : -1.0)));
        tr.x.push_back(float(g.normal()));
        tr.w.push_back(1.0f);
    }
    nn::sequential m("small", nn::tshape::vec(2), 3);
    train::network_trainable t(m, nn::optim_config{}, nn::loss_kind::bce_logits, nn::model_meta(), 64);
    const double before = t.validate(tr).loss;
    train::fit_options f;
    f.epochs = 10;
    f.batch = 64;
    const auto r = train::fit(t, tr, data::labelled_set(), f, train::fit_context{});
    const auto ev = t.validate(tr);
    CHECK(ev.loss < before);
    // the Bayes-optimal loss for means +-1, unit width is about 0.32 nats
    CHECK(ev.loss < 0.40);
    // the Bayes-optimal AUC for means +-1, unit width is Phi(sqrt(2)) = 0.92
    CHECK(ev.auc > 0.88);
    CHECK(r.best_epoch >= 1);
}

TEST_CASE("train fit_options: checks name the option") {
    train::fit_options f;
    CHECK_NOTHROW(f.check());
    f.resume = true;
    CHECK_THROWS_WITH_AS(f.check(), "--resume needs --checkpoint FILE", usage_error);
    f = train::fit_options();
    f.val_split = 1;
    CHECK_THROWS_WITH_AS(f.check(), "--val-split must be in [0, 1)", usage_error);
    f = train::fit_options();
    f.class_weight = "2:0";
    CHECK_THROWS_AS(f.check(), usage_error);
    f = train::fit_options();
    f.loss = "hinge";
    CHECK_THROWS_AS(f.check(), usage_error);
    f = train::fit_options();
    CHECK(f.standardises({3}));
    CHECK_FALSE(f.standardises({1, 5, 5}));
}

TEST_CASE("train fit: a resume with other data or options is refused with every difference; more --epochs continues") {
    const auto tr = toy_data(37), va = toy_data(5);
    const std::string ck = tmp_path("sig.ckpt");
    train::fit_options f;
    f.batch = 8;
    f.patience = 0;
    f.epochs = 2;
    f.checkpoint = ck;
    train::fit_context ctx;
    ctx.seed = 7;
    {
        toy first;
        train::fit(first, tr, va, f, ctx);
    }
    f.resume = true;
    f.epochs = 4;
    auto refused = [&](const data::labelled_set& t2, const train::fit_options& g, const train::fit_context& c) {
        toy m;
        std::string what;
        try {
            train::fit(m, t2, va, g, c);
        } catch (const usage_error& e) {
            what = e.what();
        }
        CHECK(what.rfind(ck + ": checkpoint does not match this run (checkpoint vs now): ", 0) == 0);
        CHECK(what.find("; more --epochs is the only change that may continue") != std::string::npos);
        CHECK(m.epochs == 0);  // nothing trained
        return what;
    };
    SUBCASE("flipped labels") {
        auto t2 = tr;
        for (auto& y : t2.y) y = 1 - y;
        const auto w = refused(t2, f, ctx);
        CHECK(w.find("training data digest") != std::string::npos);
        CHECK(w.find("(labels changed)") != std::string::npos);
        CHECK(w.find("validation data digest") == std::string::npos);
    }
    SUBCASE("inputs rescaled, same size") {
        auto t2 = tr;
        for (auto& x : t2.x) x *= 2;
        CHECK(refused(t2, f, ctx).find("(inputs changed)") != std::string::npos);
    }
    SUBCASE("one option each: its name, the checkpoint's value and this run's") {
        auto g = f;
        auto c = ctx;
        std::string want;
        SUBCASE("weight decay") { g.weight_decay = 1e-3, want = "--weight-decay 0 vs 0.001"; }
        SUBCASE("schedule") { g.schedule = "step:1:0.5", want = "--schedule constant vs step:1:0.5"; }
        SUBCASE("loss") { g.loss = "mse", want = "--loss bce vs mse"; }
        SUBCASE("standardise") { g.standardize = "off", want = "--standardise on vs off"; }
        SUBCASE("seed") { c.seed = 8, want = "--seed 7 vs 8"; }
        SUBCASE("batch") { g.batch = 16, want = "--batch 8 vs 16"; }
        SUBCASE("lr") { g.lr = 0.01, want = "--lr 0.001 vs 0.01"; }
        SUBCASE("optimiser") { g.optimizer = "sgd", want = "--optimiser adam vs sgd"; }
        SUBCASE("class weight") { g.class_weight = "2:1", want = "--class-weight none vs 2:1"; }
        SUBCASE("patience") { g.patience = 3, want = "--patience 0 vs 3"; }
        SUBCASE("threads") {
            const int n = max_threads() == 1 ? 2 : 1;
            want = "--threads " + std::to_string(max_threads()) + " vs " + std::to_string(n);
            const int before = max_threads();
            set_threads(n);
            const auto w = refused(tr, g, c);
            set_threads(before);
            CHECK(w.find(want) != std::string::npos);
            want.clear();
        }
        if (!want.empty()) {
            const auto w = refused(tr, g, c);
            CHECK(w.find(want) != std::string::npos);
        }
    }
    SUBCASE("two differences in one message") {
        auto g = f;
        g.weight_decay = 0.5;
        g.batch = 9;
        const auto w = refused(tr, g, ctx);
        CHECK(w.find("--batch 8 vs 9, --weight-decay 0 vs 0.5") != std::string::npos);
    }
    SUBCASE("fewer epochs than the checkpoint has done") {
        auto g = f;
        g.epochs = 1;
        toy m;
        CHECK_THROWS_WITH_AS(train::fit(m, tr, va, g, ctx),
                             (ck + ": the checkpoint has done 2 epochs, more than --epochs 1; resume with --epochs 2 "
                                   "or more").c_str(),
                             usage_error);
    }
    SUBCASE("more epochs continue") {
        toy m;
        const auto r = train::fit(m, tr, va, f, ctx);
        CHECK(r.epochs_done == 4);
        CHECK(m.epochs == 4);
    }
    SUBCASE("a checkpoint of format 1 (an older jetml) is refused as such") {
        std::map<std::string, std::string> e;
        for (auto& z : zip_read(support::read_file(ck), ck)) e[z.name] = z.data;
        std::string st = e["state.txt"], old;
        std::istringstream in(st);
        for (std::string line; std::getline(in, line);)
            if (line.rfind("sig.", 0) != 0 && line.rfind("jetml_version=", 0) != 0)
                old += (line == "version=2" ? "version=1" : line) + "\n";
        old += "signature=toy;shape:(1);n:30;seed:7;batch:8;lr:0.001;optim:adam;val:0.2\n";
        std::vector<zip_entry> z{{"state.txt", old}};
        for (const auto& [k, v] : e)
            if (k != "state.txt") z.push_back({k, v});
        support::write_file(ck, zip_store(z));
        toy m;
        CHECK_THROWS_WITH_AS(train::fit(m, tr, va, f, ctx),
                             doctest::Contains("the checkpoint was written by an older jetml (checkpoint format 1"),
                             usage_error);
    }
    std::remove(ck.c_str());
}

TEST_CASE("train fit: a checkpoint whose patience had run out continues no further, like the uninterrupted run") {
    const auto tr = toy_data(20), va = toy_data(5);
    const std::string ck = tmp_path("pat.ckpt");
    train::fit_options f;
    f.batch = 8;
    f.patience = 2;
    f.epochs = 3;
    f.checkpoint = ck;
    const std::vector<double> script{5, 6, 7, 1, 0.5, 0.2};
    toy first;
    first.script = script;
    CHECK(train::fit(first, tr, va, f, train::fit_context{}).stopped_early);
    toy full;
    full.script = script;
    train::fit_options g = f;
    g.checkpoint.clear();
    g.epochs = 6;
    const auto rf = train::fit(full, tr, va, g, train::fit_context{});
    CHECK(rf.epochs_done == 3);
    toy resumed;
    resumed.script = script;
    f.epochs = 6;
    f.resume = true;
    const auto rr = train::fit(resumed, tr, va, f, train::fit_context{});
    CHECK(rr.stopped_early);
    CHECK(rr.epochs_done == 3);
    CHECK(resumed.epochs == 3);
    CHECK(resumed.p == full.p);
    std::remove(ck.c_str());
}
