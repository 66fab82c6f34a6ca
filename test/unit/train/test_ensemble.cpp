// SPDX-License-Identifier: MIT
// test/unit/train/test_ensemble.cpp - the epoch ensemble keeps the K lowest validation losses,
// in order, and carries them through a checkpoint.
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "jetml/core/error.hpp"
#include "jetml/train/ensemble.hpp"
#include "support.hpp"

using namespace jetml;

namespace {

// A model whose "parameters" are the number of epochs seen and whose validation loss follows a
// fixed table, so that the kept epochs are known by hand.
struct scripted : train::trainable {
    std::vector<double> losses;
    std::size_t epochs = 0;
    void signature(train::fit_signature& s) const override { s.set("arch", "arch", "scripted"); }
    double train_batch(const train::batch&, double) override { return 1.0; }
    double end_epoch(std::size_t) override { ++epochs; return 1.0; }
    train::evaluation validate(const data::labelled_set&) override { return {losses.at(epochs - 1), NAN}; }
    std::string snapshot() override { return std::to_string(epochs); }
    void restore(const std::string& s) override { epochs = std::stoull(s); }
    train::saved_state save_state(const std::string&) override { return {{{"epochs", std::to_string(epochs)}}, {}}; }
    std::string load_state(const std::map<std::string, std::string>& k, const std::map<std::string, std::string>&,
                           const std::string&) override {
        epochs = std::stoull(k.at("epochs"));
        return std::to_string(epochs);
    }
};

data::labelled_set rows(std::size_t n) {
    data::labelled_set d;
    d.shape = {1}, d.size = 1, d.n = n;
    d.x.assign(n, 0.5f), d.y.assign(n, 0.0f), d.w.assign(n, 1.0f);
    return d;
}

std::vector<std::size_t> epochs_of(const train::epoch_ensemble& e) {
    std::vector<std::size_t> v;
    for (const auto& m : e.members()) v.push_back(m.epoch);
    return v;
}

}  // namespace

TEST_CASE("epoch ensemble: keeps the 3 epochs of lowest validation loss, lowest first, the earlier of a tie") {
    scripted s;
    s.losses = {5, 3, 4, 1, 3, 6};
    train::epoch_ensemble e(s, 3);
    train::fit_options f;
    f.epochs = 6, f.patience = 0;
    const auto tr = rows(10), va = rows(4);
    train::fit(e, tr, va, f, {});
    CHECK(epochs_of(e) == std::vector<std::size_t>{4, 2, 5});
    CHECK(e.members()[0].snap == "4");
    CHECK(e.members()[2].loss == 3.0);
}

TEST_CASE("epoch ensemble: a run resumed from its checkpoint keeps the same members") {
    const std::string ck = support::tmp_path("ensemble", "ckpt.zip");
    std::remove(ck.c_str());
    const auto tr = rows(10), va = rows(4);
    const std::vector<double> losses = {5, 2, 4, 1, 3, 0.5};
    scripted a;
    a.losses = losses;
    train::epoch_ensemble ea(a, 2);
    train::fit_options f;
    f.epochs = 6, f.patience = 0;
    train::fit(ea, tr, va, f, {});

    scripted b;
    b.losses = losses;
    train::epoch_ensemble eb(b, 2);
    train::fit_options g = f;
    g.epochs = 3, g.checkpoint = ck;
    train::fit(eb, tr, va, g, {});
    scripted c;
    c.losses = losses;
    train::epoch_ensemble ec(c, 2);
    g.epochs = 6, g.resume = true;
    train::fit(ec, tr, va, g, {});
    CHECK(epochs_of(ec) == epochs_of(ea));
    CHECK(epochs_of(ec) == std::vector<std::size_t>{6, 4});
    std::remove(ck.c_str());
}

TEST_CASE("epoch ensemble: zero members is a usage error") {
    scripted s;
    CHECK_THROWS_AS(train::epoch_ensemble(s, 0), usage_error);
}
