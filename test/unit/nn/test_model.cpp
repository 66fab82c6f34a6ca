// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/model, model_io and fisher: gradients through a whole network,
// save -> load -> identical predictions, determinism for a seed, small problems learned,
// model-file errors, and the Fisher discriminant against hand-computed values.
#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/core/rng.hpp"

#include "support.hpp"

using namespace jetml::nn;

namespace {

// A network with every kind of parameter: conv, batchnorm (with running statistics),
// maxout, dense; images with 2 channels exercise the NCHW -> NHWC transposition.
const char* every_param = "conv(3,3,same) batchnorm elu avgpool(2) conv(4,2,valid) leakyrelu maxpool(2) "
                          "flatten maxout(5,3) dropout(0.3) dense(4) tanh dense(1)";

}  // namespace

TEST_CASE("nn model: gradient of the loss through a whole network (finite differences)") {
    // tanh/sigmoid/elu/avgpool are smooth, so a central difference with h = 1e-2 on float32
    // forward passes is good to ~1e-3 absolute (see nn/test_layers.cpp for the estimate).
    const tshape in = tshape::image(2, 6, 6);
    // The second network starts with parameter-free layers, so backward() stops early and
    // gives its first dense layer no input gradient.
    for (const char* spec : {"conv(3,3,same) tanh avgpool(2) flatten dense(4) elu(1) dense(1)",
                             "avgpool(2) flatten dense(4) tanh dense(1)"}) {
    CAPTURE(spec);
    sequential m(spec, in, 3);
    const std::size_t n = 4;
    auto x = support::random_floats(n * in.size(), 1);
    std::vector<float> y = {1, 0, 1, 0}, w = {1, 2, 0.5f, 1};
    const float* z = m.forward(x.data(), n, true);
    std::vector<float> dz(n);
    loss_eval(loss_kind::bce_logits, z, y.data(), w.data(), n, 1, dz.data());
    m.backward(dz.data(), n);
    support::gradient_check check{1e-3, 1e-2, 4};
    auto loss = [&] {
        return loss_eval(loss_kind::bce_logits, m.forward(x.data(), n, true), y.data(), w.data(), n, 1, nullptr);
    };
    for (param* p : m.parameters()) {
        std::vector<float> g(p->grad.begin(), p->grad.end());
        for (std::size_t i = 0; i < p->size(); ++i) check(p->name, i, support::central_difference(p->value[i], 1e-2, loss), g[i]);
    }
    CHECK(check.bad == 0);
    }
}

TEST_CASE("nn model: presets build for their inputs") {
    CHECK(sequential("wtag", tshape::image(1, 25, 25), 1).outputs() == 1);
    CHECK(sequential("deeptop", tshape::image(1, 40, 40), 1).outputs() == 1);
    sequential dnn("dnn", tshape::image(1, 25, 25), 1);
    // 625*300+300 + 2*(300*300+300) + 301 parameters
    CHECK(dnn.trainable_count() == 625 * 300 + 300 + 2 * (300 * 300 + 300) + 301);
    CHECK(sequential("small", tshape::vec(4), 1).trainable_count() == 4 * 64 + 64 + 2 * (64 * 64 + 64) + 65);
    CHECK(sequential("maxout", tshape::image(1, 25, 25), 1).outputs() == 1);
    CHECK_THROWS_WITH_AS(sequential("conv(3,3) dense(1)", tshape::vec(4), 1),
                         doctest::Contains("layer 1 'conv(3,3)'"), jetml::usage_error);
}

TEST_CASE("nn model: save -> load gives identical predictions, parameters and metadata") {
    const tshape in = tshape::image(2, 10, 9);
    sequential m(every_param, in, 42);
    // a few training steps so batchnorm running statistics and the step counter move
    auto x = support::random_floats(16 * in.size(), 5);
    std::vector<float> y(16);
    for (std::size_t i = 0; i < 16; ++i) y[i] = float(i % 2);
    optimizer opt(optim_config{});
    for (int s = 0; s < 3; ++s) m.train_step(x.data(), y.data(), nullptr, 16, loss_kind::bce_logits, opt, 1e-2);

    model_meta meta;
    meta.loss = "bce";
    meta.epoch = 7;
    meta.data_shape = {16, 2, 10, 9};
    meta.prep_mean = support::random_floats(in.size(), 8);
    meta.prep_std = support::random_floats(in.size(), 9, 0.5, 2);
    meta.extra = {{"optimizer", "adam"}, {"note", "quote \" and backslash \\ survive"}};
    const std::string path = support::tmp_path("nn_test", "roundtrip.npz");
    save_model(path, m, meta);

    model_meta back;
    sequential l = load_model(path, &back);
    CHECK(l.arch() == m.arch());
    CHECK(l.seed() == 42);
    CHECK(l.step() == 3);
    CHECK(l.input_shape() == in);
    CHECK(back.epoch == 7);
    CHECK(back.loss == "bce");
    CHECK(back.data_shape == meta.data_shape);
    CHECK(back.prep_mean == meta.prep_mean);
    CHECK(back.prep_std == meta.prep_std);
    CHECK(back.get("note") == meta.extra[1].second);
    CHECK(back.format_version == model_format_version);
    auto pa = m.parameters(), pb = l.parameters();
    REQUIRE(pa.size() == pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
        CAPTURE(pa[i]->name);
        CHECK(std::memcmp(pa[i]->value.data(), pb[i]->value.data(), pa[i]->size() * 4) == 0);
    }
    std::vector<float> p1(16), p2(16);
    m.predict(x.data(), 16, p1.data());
    l.predict(x.data(), 16, p2.data());
    CHECK(p1 == p2);
    // writing the loaded model again gives the same bytes (no timestamps in the archive)
    const std::string path2 = support::tmp_path("nn_test", "roundtrip2.npz");
    save_model(path2, l, back);
    CHECK(support::read_file(path) == support::read_file(path2));
    std::remove(path.c_str());
    std::remove(path2.c_str());
}

TEST_CASE("nn model: model-file errors are clear") {
    sequential m("dense(2) relu dense(1)", tshape::vec(3), 1);
    const std::string path = support::tmp_path("nn_test", "bad.npz");
    save_model(path, m, model_meta{});
    auto entries = zip_read(support::read_file(path), path);
    REQUIRE(entries[0].name == "meta.json");
    auto with_meta = [&](const std::string& from, const std::string& to) {
        auto e = entries;
        auto pos = e[0].data.find(from);
        REQUIRE(pos != std::string::npos);
        e[0].data.replace(pos, from.size(), to);
        support::write_file(path, zip_store(e));
    };
    SUBCASE("a newer format version") {
        // this jetml reads versions 1..2 (model kinds came with version 2)
        with_meta("\"format_version\": 1", "\"format_version\": 3");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("format version 3 is newer"), jetml::error);
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("(up to 2); use a newer jetml"), jetml::error);
    }
    SUBCASE("format version 2 without a kind") {
        with_meta("\"format_version\": 1,\n  \"kind\": \"sequential\"", "\"format_version\": 2");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("meta.json: missing key 'kind'"), jetml::error);
    }
    SUBCASE("a kind that is not a network") {
        with_meta("\"kind\": \"sequential\"", "\"kind\": \"maf\"");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("model kind 'maf' is not a network (expected sequential, fisher or autoencoder)"),
                             jetml::error);
    }
    SUBCASE("format version 0") {
        with_meta("\"format_version\": 1", "\"format_version\": 0");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("version 0 is not supported"), jetml::error);
    }
    SUBCASE("not a jetml model") {
        with_meta("jetml-model", "other-model");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("not a jetml model"), jetml::error);
    }
    SUBCASE("a missing weight entry") {
        auto e = entries;
        e.erase(e.begin() + 1);
        support::write_file(path, zip_store(e));
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("missing entry '0.weight'"), jetml::error);
    }
    SUBCASE("an architecture that does not match the weights") {
        with_meta("dense(2) relu", "dense(3) relu");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("entry '0.weight' has 6 values"), jetml::error);
    }
    SUBCASE("a truncated file") {
        support::write_file(path, support::read_file(path).substr(0, 100));
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("truncated"), jetml::error);
    }
    SUBCASE("not a zip at all") {
        support::write_file(path, "hello");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("not a zip"), jetml::error);
    }
    // found by fuzzing: std::invalid_argument, std::out_of_range and a stack overflow escaped
    SUBCASE("a \\u escape without 4 hex digits") {
        with_meta("\"loss\": \"", "\"loss\": \"\\uzz12");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("meta.json: bad \\u escape (expected 4 hex digits)"),
                             jetml::error);
    }
    SUBCASE("an integer beyond 64 bits") {
        with_meta("\"seed\": ", "\"seed\": 99999999999999999999999");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("'seed' value 9999999999999999999999"), jetml::error);
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("does not fit 64 bits"), jetml::error);
    }
    SUBCASE("an input shape of 2^64 - 1 values (was a negative-size memset)") {
        with_meta("\"input_shape\": [3]", "\"input_shape\": [18446744073709551615]");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("input_shape (18446744073709551615,) has more than 67108864 values"),
                             jetml::error);
    }
    SUBCASE("an architecture of 2^32 weights per layer (was a 16 GiB allocation)") {
        with_meta("dense(2) relu", "dense(65536) dense(65536) relu");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("layer 2 'dense(65536)': parameter 'weight' of shape "
                                                                 "(65536, 65536) has more than 268435456 values"),
                             jetml::error);
    }
    SUBCASE("arrays nested 100000 deep") {
        with_meta("\"extra\": {", "\"extra\": {\"x\": " + std::string(100000, '[') + ", ");
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("nesting deeper than 64 levels"), jetml::error);
    }
    std::remove(path.c_str());
}

TEST_CASE("nn model: same seed and thread count give a bitwise-identical model") {
    const tshape in = tshape::image(1, 12, 12);
    auto x = support::random_floats(64 * in.size(), 3, 0, 1);
    std::vector<float> y(64);
    for (std::size_t i = 0; i < 64; ++i) y[i] = float(i % 2);
    auto run = [&](std::uint64_t seed) {
        sequential m("conv(4,3,same) relu maxpool(2) flatten dense(8) relu dropout(0.5) dense(1)", in, seed);
        optimizer opt(optim_config{});
        for (int ep = 0; ep < 2; ++ep)
            for (std::size_t b = 0; b < 64; b += 16)
                m.train_step(x.data() + b * in.size(), y.data() + b, nullptr, 16, loss_kind::bce_logits, opt, 1e-2);
        std::vector<float> all;
        for (auto* p : m.parameters()) all.insert(all.end(), p->value.begin(), p->value.end());
        return all;
    };
    for (int threads : {1, 2}) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        auto a = run(5), b = run(5), c = run(6);
        CHECK(a == b);
        CHECK(a != c);
        omp_set_num_threads(saved);
    }
}

TEST_CASE("nn model: a batch split across threads trains like one thread, reproducibly") {
    // Large enough per step (~6M multiply-adds at batch 32) for train_step to split the batch;
    // 2 channels exercise the NCHW -> NHWC transposition, dropout the per-sample masks.
    const tshape in = tshape::image(2, 12, 12);
    const std::size_t nb = 32;
    auto x = support::random_floats(4 * nb * in.size(), 7, 0, 1);
    std::vector<float> y(4 * nb), w(4 * nb);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = float(i % 3 == 0), w[i] = float(1 + i % 2);
    auto run = [&](int threads, std::vector<double>* losses) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        sequential m("conv(16,3,same) relu maxpool(2) flatten dense(32) relu dropout(0.5) dense(1)", in, 3);
        optimizer opt(optim_config{});
        for (std::size_t b = 0; b < 4; ++b) {
            double l = m.train_step(x.data() + b * nb * in.size(), y.data() + b * nb, w.data() + b * nb,
                                    nb, loss_kind::bce_logits, opt, 1e-2);
            if (losses) losses->push_back(l);
        }
        omp_set_num_threads(saved);
        CHECK(m.step() == 4);
        std::vector<float> all;
        for (auto* p : m.parameters()) all.insert(all.end(), p->value.begin(), p->value.end());
        return all;
    };
    std::vector<double> l1, l2, l3;
    const auto one = run(1, &l1), two = run(2, &l2), two_again = run(2, nullptr), three = run(3, &l3);
    CHECK(two == two_again);  // bitwise reproducible for a thread count
    // Against one thread only the order of float sums differs (gradients agree to ~1e-6
    // relative); 4 Adam steps of lr 1e-2 move parameters by up to 4e-2, so a wrong row, mask
    // or gradient share shows as differences of order 1e-2, while rounding stays below 1e-5.
    double worst2 = 0, worst3 = 0;
    for (std::size_t i = 0; i < one.size(); ++i) {
        worst2 = std::max(worst2, double(std::fabs(one[i] - two[i])));
        worst3 = std::max(worst3, double(std::fabs(one[i] - three[i])));
    }
    CHECK(worst2 < 1e-4);
    CHECK(worst3 < 1e-4);
    for (std::size_t b = 0; b < l1.size(); ++b) {
        CHECK(l2[b] == doctest::Approx(l1[b]).epsilon(1e-5));
        CHECK(l3[b] == doctest::Approx(l1[b]).epsilon(1e-5));
    }
}

TEST_CASE("nn model: predict gives the same outputs on 1, 2 and 3 threads") {
    const tshape in = tshape::image(2, 12, 12);
    sequential m("conv(16,3,same) relu maxpool(2) flatten dense(32) relu dropout(0.5) dense(1)", in, 3);
    const std::size_t n = 100;
    auto x = support::random_floats(n * in.size(), 8, 0, 1);
    std::vector<std::vector<float>> outs;
    for (int threads : {1, 2, 3}) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        std::vector<float> o(n);
        m.predict(x.data(), n, o.data(), 64);  // a full and a partial chunk
        outs.push_back(o);
        omp_set_num_threads(saved);
    }
    CHECK(outs[1] == outs[0]);
    CHECK(outs[2] == outs[0]);
}

TEST_CASE("nn model: predict equals the plain forward pass bitwise, for any batch and thread count") {
    // predict skips flatten and dropout, applies a ReLU that follows a dense or conv layer in
    // that layer's store and multiplies by weights transposed once per call; forward() calls every
    // layer as it is. The two must agree to the bit, and a row's output must not depend on the
    // rows that come with it (batch sizes with every tail length, 1-3 threads).
    struct net {
        const char* arch;
        tshape in;
    } nets[] = {
        {"flatten dense(40) relu dropout(0.3) dense(17) relu dense(3) relu", tshape::image(1, 5, 5)},
        {"dense(64) relu dense(64) leakyrelu dense(20) tanh dense(1)", tshape::vec(9)},
        {"dense(48) dropout(0.5) relu maxout(16,3) relu dense(2)", tshape::vec(30)},
        {"conv(16,3,same) relu maxpool(2) flatten dense(32) relu dropout(0.5) dense(1)", tshape::image(2, 8, 8)},
        // a ReLU fused into each convolution path: few filters (direct), stride 2 (im2col),
        // 20 filters (implicit GEMM with a masked tail)
        {"conv(5,3,same) relu conv(6,3,2,valid) relu conv(20,2,same) relu flatten dense(1)", tshape::image(3, 11, 9)},
        {"dense(24) relu", tshape::vec(5)},  // a fused ReLU as the last layer
        {"flatten", tshape::image(1, 3, 3)},  // every layer skipped
    };
    for (const auto& nt : nets) {
        CAPTURE(nt.arch);
        sequential m(nt.arch, nt.in, 11);
        const std::size_t n = 75, d = m.outputs();
        auto x = support::random_floats(n * nt.in.size(), 12);
        const float* f = m.forward(x.data(), n, false);
        const std::vector<float> ref(f, f + n * d);
        for (int threads : {1, 2, 3})
            for (std::size_t batch : {1, 7, 16, 64, 75, 200}) {
                CAPTURE(threads); CAPTURE(batch);
                const int saved = omp_get_max_threads();
                omp_set_num_threads(threads);
                std::vector<float> o(n * d, -7.0f);
                m.predict(x.data(), n, o.data(), batch);
                omp_set_num_threads(saved);
                CHECK(std::memcmp(o.data(), ref.data(), o.size() * sizeof(float)) == 0);
            }
    }
}

TEST_CASE("nn model: predict uses the current weights after a training step") {
    // the weights predict prepares (transposed) live only for one call
    sequential m("dense(32) relu dense(1)", tshape::vec(6), 5);
    const std::size_t n = 64;
    auto x = support::random_floats(n * 6, 13);
    std::vector<float> y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = float(i % 2);
    std::vector<float> before(n), after(n);
    m.predict(x.data(), n, before.data(), 32);
    optim_config oc;
    optimizer opt(oc);
    m.train_step(x.data(), y.data(), nullptr, n, loss_kind::bce_logits, opt, 0.1);
    m.predict(x.data(), n, after.data(), 32);
    const float* f = m.forward(x.data(), n, false);
    CHECK(std::memcmp(after.data(), f, n * sizeof(float)) == 0);
    CHECK(after != before);
}

TEST_CASE("nn model: learns XOR") {
    std::vector<float> x = {0, 0, 0, 1, 1, 0, 1, 1}, y = {0, 1, 1, 0};
    sequential m("dense(8) tanh dense(1)", tshape::vec(2), 1);
    optim_config c;
    c.lr = 0.05;
    optimizer opt(c);
    double loss = 1;
    for (int s = 0; s < 2000; ++s) loss = m.train_step(x.data(), y.data(), nullptr, 4, loss_kind::bce_logits, opt, c.lr);
    CHECK(loss < 0.05);
    std::vector<float> z(4);
    m.predict(x.data(), 4, z.data());
    CHECK(z[0] < 0);
    CHECK(z[1] > 0);
    CHECK(z[2] > 0);
    CHECK(z[3] < 0);
}

TEST_CASE("nn model: a CNN learns which half of an image is bright; SGD and batchnorm train") {
    const tshape in = tshape::image(1, 8, 8);
    const std::size_t n = 256;
    jetml::rng g(4);
    std::vector<float> x(n * 64), y(n);
    for (std::size_t s = 0; s < n; ++s) {
        y[s] = float(s % 2);
        for (std::size_t p = 0; p < 64; ++p) {
            bool right = p % 8 >= 4;
            x[s * 64 + p] = float(g.uniform() * (right == (y[s] > 0) ? 1.0 : 0.6));
        }
    }
    sequential m("conv(4,3,same) batchnorm relu maxpool(2) flatten dense(1)", in, 2);
    optim_config c;
    c.kind = optim_kind::sgd;
    c.lr = 0.05;
    optimizer opt(c);
    for (int ep = 0; ep < 30; ++ep)
        for (std::size_t b = 0; b < n; b += 32)
            m.train_step(x.data() + b * 64, y.data() + b, nullptr, 32, loss_kind::bce_logits, opt, c.lr);
    std::vector<float> z(n);
    m.predict(x.data(), n, z.data());
    std::size_t right = 0;
    for (std::size_t s = 0; s < n; ++s) right += (z[s] > 0) == (y[s] > 0);
    CHECK(right > 0.9 * n);  // the classes overlap little: mean pixel 0.5 vs 0.3 over 32 pixels
}

TEST_CASE("nn model: two-class softmax with categorical cross-entropy separates two Gaussians") {
    jetml::rng g(8);
    const std::size_t n = 400;
    std::vector<float> x(n * 2), y(n * 2);
    for (std::size_t s = 0; s < n; ++s) {
        const int k = int(s % 2);
        x[2 * s] = float(g.normal() + (k ? 1.5 : -1.5));
        x[2 * s + 1] = float(g.normal());
        y[2 * s + k] = 1, y[2 * s + 1 - k] = 0;
    }
    sequential m("dense(8) relu dense(2)", tshape::vec(2), 1);
    optim_config c;
    c.kind = optim_kind::adamw;
    c.lr = 0.01;
    c.weight_decay = 1e-3;
    optimizer opt(c);
    for (int ep = 0; ep < 50; ++ep)
        for (std::size_t b = 0; b < n; b += 50)
            m.train_step(x.data() + 2 * b, y.data() + 2 * b, nullptr, 50, loss_kind::cce_logits, opt, c.lr);
    std::vector<float> z(n * 2);
    m.predict(x.data(), n, z.data());
    std::size_t right = 0;
    for (std::size_t s = 0; s < n; ++s) right += (z[2 * s + 1] > z[2 * s]) == (s % 2 == 1);
    // Bayes accuracy for means +-1.5, unit width: Phi(1.5) = 0.933
    CHECK(right > 0.88 * n);
}

TEST_CASE("nn fisher: closed form against values worked out by hand") {
    // class 0: (+-1, 0), (0, +-2) around (0, 0); class 1: the same around (2, 1).
    // Class covariances (biased): diag(0.5, 2); pooled S = diag(0.5, 2).
    std::vector<float> x, y;
    const float pts[4][2] = {{1, 0}, {-1, 0}, {0, 2}, {0, -2}};
    for (int k = 0; k < 2; ++k)
        for (const auto& p : pts) {
            x.push_back(p[0] + 2.0f * k);
            x.push_back(p[1] + 1.0f * k);
            y.push_back(float(k));
        }
    SUBCASE("no shrinkage: w = S^-1 (2, 1) = (4, 0.5), b = -(mu0 + mu1).w/2 = -4.25") {
        sequential m = fisher_fit(x.data(), y.data(), nullptr, 8, tshape::vec(2), 0.0);
        auto w = fisher_weight_image(m);
        CHECK(w[0] == doctest::Approx(4.0).epsilon(1e-6));
        CHECK(w[1] == doctest::Approx(0.5).epsilon(1e-6));
        float probe[2] = {0, 0}, z;
        m.predict(probe, 1, &z);
        CHECK(z == doctest::Approx(-4.25).epsilon(1e-6));
    }
    SUBCASE("shrinkage 0.5: S' = 0.5 S + 0.5 (tr S / 2) I = diag(0.875, 1.625)") {
        sequential m = fisher_fit(x.data(), y.data(), nullptr, 8, tshape::vec(2), 0.5);
        auto w = fisher_weight_image(m);
        CHECK(w[0] == doctest::Approx(2.0 / 0.875).epsilon(1e-6));
        CHECK(w[1] == doctest::Approx(1.0 / 1.625).epsilon(1e-6));
    }
    SUBCASE("weights: class 1 weighted x3 adds log(3) to the bias, w unchanged") {
        std::vector<float> wt(8, 1.0f);
        for (int i = 4; i < 8; ++i) wt[i] = 3.0f;
        sequential m = fisher_fit(x.data(), y.data(), wt.data(), 8, tshape::vec(2), 0.0);
        float probe[2] = {0, 0}, z;
        m.predict(probe, 1, &z);
        CHECK(z == doctest::Approx(-4.25 + std::log(3.0)).epsilon(1e-6));
    }
    SUBCASE("singular covariance without shrinkage is an error") {
        std::vector<float> x3;
        for (std::size_t i = 0; i < 8; ++i) x3.insert(x3.end(), {x[2 * i], x[2 * i + 1], 0.0f});
        CHECK_THROWS_WITH_AS(fisher_fit(x3.data(), y.data(), nullptr, 8, tshape::vec(3), 0.0),
                             doctest::Contains("singular"), jetml::error);
        CHECK_NOTHROW(fisher_fit(x3.data(), y.data(), nullptr, 8, tshape::vec(3), 0.1));
    }
}

TEST_CASE("nn fisher: multi-channel image weights come back in (C, H, W) order") {
    // 2 channels of 2x2: only channel 1, pixel (0, 1) differs between the classes.
    const tshape in = tshape::image(2, 2, 2);
    jetml::rng g(3);
    std::vector<float> x, y;
    for (int s = 0; s < 200; ++s) {
        const int k = s % 2;
        for (int i = 0; i < 8; ++i) x.push_back(float(g.normal() + (k && i == 4 + 1 ? 3.0 : 0.0)));
        y.push_back(float(k));
    }
    sequential m = fisher_fit(x.data(), y.data(), nullptr, 200, in, 0.1);
    auto img = fisher_weight_image(m);
    std::size_t arg = std::max_element(img.begin(), img.end()) - img.begin();
    CHECK(arg == 5);
    // and the model applies it to (N, C, H, W) input consistently: score rises along that pixel
    std::vector<float> a(8, 0.0f), b(8, 0.0f);
    b[5] = 1.0f;
    float za, zb;
    m.predict(a.data(), 1, &za);
    m.predict(b.data(), 1, &zb);
    CHECK(zb - za == doctest::Approx(img[5]).epsilon(1e-5));
}

// Writes a model and the data to check it with numpy, when test/python/test_model_npz.py asks
// for it through JETML_NN_FIXTURE_DIR; otherwise does nothing.
TEST_CASE("nn model: fixture for the numpy interoperability check") {
    const char* dir = std::getenv("JETML_NN_FIXTURE_DIR");
    if (!dir) return;
    const tshape in = tshape::image(2, 6, 5);
    sequential m("conv(3,3,same) relu maxpool(2) conv(2,2,1,valid) flatten dense(4) tanh dense(1)", in, 9);
    const std::size_t n = 7;
    auto x = support::random_floats(n * in.size(), 10);
    std::vector<float> z(n);
    m.predict(x.data(), n, z.data());
    model_meta meta;
    meta.epoch = 3;
    meta.data_shape = {n, 2, 6, 5};
    meta.prep_mean = support::random_floats(in.size(), 11);
    meta.prep_std = support::random_floats(in.size(), 12, 1, 2);
    meta.extra = {{"purpose", "numpy check"}};
    save_model(std::string(dir) + "/model.npz", m, meta);
    jetml::save_npy(std::string(dir) + "/x.npy", {n, 2, 6, 5}, x.data());
    jetml::save_npy(std::string(dir) + "/z.npy", {n, 1}, z.data());
}

