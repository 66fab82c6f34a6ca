// SPDX-License-Identifier: MIT
// Unit tests of jetml/train/signature (and the engine's make_signature): the 64-bit digest
// streams and notices every changed byte, the data digest names the part that changed, and a
// fit signature stores, compares and reports every option that changes a training run.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/train/fit.hpp"
#include "jetml/train/signature.hpp"
#include "support.hpp"

using namespace jetml;

namespace {

std::string bytes_of(std::size_t n, std::uint64_t seed) {
    rng g(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = char(g.below(256));
    return s;
}

data::labelled_set small_set(std::size_t n) {
    data::labelled_set d;
    d.shape = {3};
    d.size = 3;
    d.n = n;
    d.x = support::random_floats(n * 3, 9);
    for (std::size_t i = 0; i < n; ++i) d.y.push_back(float(i % 2)), d.w.push_back(1.0f);
    return d;
}

// The one-parameter trainable of test_fit.cpp is not needed here: make_signature only asks
// the trainable for its fields.
class named : public train::trainable {
public:
    void signature(train::fit_signature& s) const override { s.set("arch", "--arch", "dense(1)"); }
    double train_batch(const train::batch&, double) override { return 0; }
    train::evaluation validate(const data::labelled_set&) override { return {}; }
    std::string snapshot() override { return ""; }
    void restore(const std::string&) override {}
    train::saved_state save_state(const std::string&) override { return {}; }
    std::string load_state(const std::map<std::string, std::string>&, const std::map<std::string, std::string>&,
                           const std::string&) override {
        return "";
    }
};

}  // namespace

TEST_CASE("train signature: digest64 gives the same value for any split of the bytes over update()") {
    const std::string s = bytes_of(1000, 1);
    const std::uint64_t whole = train::digest64().update(s).value();
    for (std::size_t step : {1, 3, 7, 8, 31, 32, 33, 100, 999}) {
        train::digest64 d;
        for (std::size_t i = 0; i < s.size(); i += step) d.update(s.data() + i, std::min(step, s.size() - i));
        CHECK(d.value() == whole);
    }
    // value() does not end the stream
    train::digest64 d;
    d.update(s.data(), 500);
    (void)d.value();
    d.update(s.data() + 500, 500);
    CHECK(d.value() == whole);
    CHECK(train::digest64().update(s).hex().size() == 16);
}

TEST_CASE("train signature: digest64 changes with every single bit flip, the length and the seed") {
    // 70 bytes: two full stripes and a tail of 6, so lanes, 8-byte tail words and tail bytes are all hit
    std::string s = bytes_of(70, 2);
    std::set<std::uint64_t> seen{train::digest64().update(s).value()};
    for (std::size_t i = 0; i < s.size(); ++i)
        for (int b = 0; b < 8; ++b) {
            s[i] = char(s[i] ^ (1 << b));
            seen.insert(train::digest64().update(s).value());
            s[i] = char(s[i] ^ (1 << b));
        }
    CHECK(seen.size() == 1 + 70 * 8);
    // runs of zero bytes of every length from 0 to 200 all differ
    std::set<std::uint64_t> zeros;
    for (std::size_t n = 0; n <= 200; ++n) zeros.insert(train::digest64().update(std::string(n, '\0')).value());
    CHECK(zeros.size() == 201);
    CHECK(train::digest64(1).update(s).value() != train::digest64(2).update(s).value());
    // swapping two 8-byte words of one stripe (two lanes) is noticed
    std::string t = s;
    std::swap_ranges(t.begin(), t.begin() + 8, t.begin() + 8);
    CHECK(train::digest64().update(t).value() != train::digest64().update(s).value());
}

TEST_CASE("train signature: digest64 output bits are balanced (no stuck bit)") {
    // 4000 digests of consecutive integers: each of the 64 bits is set in 2000 +- 6 sigma
    // (sigma = sqrt(4000)/2 = 31.6) of them; a stuck or weak bit would fall far outside
    std::vector<int> ones(64, 0);
    for (std::uint64_t i = 0; i < 4000; ++i) {
        const std::uint64_t v = train::digest64().update_u64(i).value();
        for (int b = 0; b < 64; ++b) ones[std::size_t(b)] += int((v >> b) & 1);
    }
    for (int b = 0; b < 64; ++b) CHECK(std::abs(ones[std::size_t(b)] - 2000) < 190);
}

TEST_CASE("train signature: the data digest names what changed") {
    const auto a = small_set(40);
    const auto da = train::digest_data(a);
    CHECK(train::digest_data(a).all == da.all);
    SUBCASE("flipped labels") {
        auto b = a;
        for (auto& y : b.y) y = 1 - y;
        const auto db = train::digest_data(b);
        CHECK(db.labels != da.labels);
        CHECK(db.inputs == da.inputs);
        CHECK(db.all != da.all);
    }
    SUBCASE("inputs rescaled, same shape") {
        auto b = a;
        for (auto& x : b.x) x *= 2;
        const auto db = train::digest_data(b);
        CHECK(db.inputs != da.inputs);
        CHECK(db.labels == da.labels);
        CHECK(db.all != da.all);
    }
    SUBCASE("the same values in another shape") {
        auto b = a;
        b.shape = {1, 1, 3};
        CHECK(train::digest_data(b).inputs != da.inputs);
    }
    SUBCASE("weights") {
        auto b = a;
        b.w[7] = 2;
        CHECK(train::digest_data(b).weights != da.weights);
        CHECK(train::digest_data(b).inputs == da.inputs);
    }
    SUBCASE("a side column, its values and its name") {
        auto b = a;
        b.side.emplace_back("mass", std::vector<float>(40, 1.0f));
        const auto db = train::digest_data(b);
        CHECK(db.side != da.side);
        auto c = b;
        c.side[0].second[3] = 2;
        CHECK(train::digest_data(c).side != db.side);
        auto e = b;
        e.side[0].first = "mjj";
        CHECK(train::digest_data(e).side != db.side);
    }
    SUBCASE("another split of the same rows") {
        auto b = a;
        std::swap(b.x[0], b.x[3]);  // row 0 and row 1 exchanged
        std::swap(b.x[1], b.x[4]);
        std::swap(b.x[2], b.x[5]);
        CHECK(train::digest_data(b).inputs != da.inputs);
    }
}

TEST_CASE("train signature: costs little next to an epoch (measured on 64 MB)") {
    // 16M floats (64 MiB), the inputs of 10000 DeepTop images (40x40) a bit more than ten
    // times over; an epoch on them takes minutes, the digest must take well under a second
    // even in a slow sanitizer build
    std::vector<float> x(std::size_t(16) << 20, 0.5f);
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t v = train::digest64().update(x.data(), x.size() * sizeof(float)).value();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("digest64: 64 MiB in " << s * 1e3 << " ms (" << 64.0 / 1024 / s << " GiB/s), value " << v);
    CHECK(s < 1.0);
}

TEST_CASE("train signature: set replaces in place; state keys round-trip; compare lists every difference") {
    train::fit_signature s;
    s.set("batch", "--batch", "128");
    s.set("arch", "--arch", "dense(8) relu dense(1)");
    s.set("train_data", "training data digest", "aaaa", {{"inputs", "1"}, {"labels", "2"}});
    s.set("batch", "--batch", "64");
    REQUIRE(s.fields().size() == 3);
    CHECK(s.fields()[0].key == "batch");
    CHECK(s.fields()[0].value == "64");

    const auto keys = s.state_keys();
    const auto back = train::fit_signature::from_state_keys({keys.begin(), keys.end()});
    CHECK(s.compare(back).empty());
    CHECK(back.find("train_data")->parts.size() == 2);

    train::fit_signature now = s;
    now.set("batch", "--batch", "32");
    now.set("arch", "--arch", "dense(16) relu dense(1)");
    now.set("train_data", "training data digest", "bbbb", {{"inputs", "1"}, {"labels", "3"}});
    now.set("threads", "--threads", "2");
    const auto d = now.compare(back);
    REQUIRE(d.size() == 4);
    CHECK(d[0] == "--batch 64 vs 32");
    CHECK(d[1] == "--arch 'dense(8) relu dense(1)' vs 'dense(16) relu dense(1)'");
    CHECK(d[2] == "training data digest aaaa vs bbbb (labels changed)");
    CHECK(d[3] == "--threads (none) vs 2");
    // a field only the checkpoint has
    const auto r = back.compare(train::fit_signature::from_state_keys(
        {{"sig.batch", "64"}, {"sig.arch", "dense(8) relu dense(1)"}, {"sig.train_data", "aaaa"}, {"sig.tol", "1"}}));
    REQUIRE(r.size() == 1);
    CHECK(r[0] == "tol 1 vs (none)");
    // the readable record: the version first, parts after their field
    const auto rec = s.record();
    REQUIRE(rec.size() == 6);
    CHECK(rec[0].first == "jetml_version");
    CHECK(rec[3].first == "train_data");
    CHECK(rec[4].first == "train_data.inputs");
}

TEST_CASE("train signature: every option that changes a training run changes the engine's signature") {
    const auto tr = small_set(40), va = small_set(10);
    const named m;
    train::fit_options f0;
    train::fit_context c0;
    const auto base = train::make_signature(m, tr, va, f0, c0);
    CHECK(base.find("arch")->value == "dense(1)");
    CHECK(train::make_signature(m, tr, va, f0, c0).compare(base).empty());

    auto differs = [&](const train::fit_options& f, const train::fit_context& c, const std::string& label) {
        const auto d = train::make_signature(m, tr, va, f, c).compare(base);
        REQUIRE(d.size() >= 1);
        CHECK(d[0].rfind(label + " ", 0) == 0);
        return d.size();
    };
    train::fit_options f = f0;
    train::fit_context c = c0;
    c.seed = 2;
    differs(f0, c, "--seed");
    f = f0, f.batch = 64, differs(f, c0, "--batch");
    f = f0, f.lr = 0.01, differs(f, c0, "--lr");
    f = f0, f.optimizer = "adamw", differs(f, c0, "--optimiser");
    f = f0, f.weight_decay = 1e-3, differs(f, c0, "--weight-decay");
    f = f0, f.schedule = "step:2", differs(f, c0, "--schedule");
    f = f0, f.loss = "mse", differs(f, c0, "--loss");
    f = f0, f.loss = "disco:0.5", differs(f, c0, "--loss");
    f = f0, f.standardize = "off", differs(f, c0, "--standardise");
    f = f0, f.class_weight = "balanced", differs(f, c0, "--class-weight");
    f = f0, f.val_split = 0.3, differs(f, c0, "--val-split");
    f = f0, f.patience = 0, differs(f, c0, "--patience");
    {
        const int before = max_threads();
        set_threads(before == 1 ? 2 : 1);
        differs(f0, c0, "--threads");
        set_threads(before);
    }
    // --momentum only matters to sgd
    f = f0, f.momentum = 0.5;
    CHECK(train::make_signature(m, tr, va, f, c0).compare(base).empty());
    train::fit_options g = f0;
    g.optimizer = "sgd";
    const auto sgd = train::make_signature(m, tr, va, g, c0);
    g.momentum = 0.5;
    REQUIRE(train::make_signature(m, tr, va, g, c0).compare(sgd).size() == 1);
    // the data: other inputs, labels, or split
    auto tr2 = tr;
    tr2.y[0] = 1 - tr2.y[0];
    const auto dl = train::make_signature(m, tr2, va, f0, c0).compare(base);
    REQUIRE(dl.size() == 1);
    CHECK(dl[0].find("training data digest") == 0);
    CHECK(dl[0].find("(labels changed)") != std::string::npos);
    // --epochs alone changes nothing (it is the one change a resume may make) ...
    f = f0, f.epochs = 50;
    CHECK(train::make_signature(m, tr, va, f, c0).compare(base).empty());
    // ... unless the schedule's rates depend on it
    g = f0, g.schedule = "cosine";
    const auto cos = train::make_signature(m, tr, va, g, c0);
    g.epochs = 50;
    const auto dc = train::make_signature(m, tr, va, g, c0).compare(cos);
    REQUIRE(dc.size() == 1);
    CHECK(dc[0] == "--schedule 'cosine over 20 epochs' vs 'cosine over 50 epochs'");
}
