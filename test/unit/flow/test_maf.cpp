// SPDX-License-Identifier: MIT
// test/unit/flow/test_maf.cpp - the conditional MAF against its plain double-precision reference
// twin, finite differences, a numeric Jacobian, its inverse, and normalisation on a grid.
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <omp.h>

#include "jetml/core/rng.hpp"
#include "jetml/flow/flow_file.hpp"
#include "jetml/flow/maf.hpp"
#include "jetml/io/npy.hpp"
#include "support.hpp"

using jetml::flow::maf;
using jetml::flow::maf_config;

namespace {

maf_config small_config(std::size_t d, std::size_t c, std::size_t blocks, std::size_t hidden, std::size_t depth) {
    maf_config cfg;
    cfg.dim = d, cfg.cond = c, cfg.blocks = blocks, cfg.hidden = hidden, cfg.depth = depth;
    return cfg;
}

// Every trainable parameter moved off its initial value (biases and batch-norm parameters are
// zero at initialisation, which would hide their terms), masked entries kept zero, and running
// statistics made non-trivial.
void perturb(maf& m, std::uint64_t seed, double scale = 0.2) {
    jetml::rng r(seed);
    for (auto* p : m.parameters()) {
        if (p->name.find("running_var") != std::string::npos) {
            for (auto& v : p->value) v = float(0.5 + r.uniform());
        } else if (p->name.find("running_mean") != std::string::npos) {
            for (auto& v : p->value) v = float(r.uniform(-0.5, 0.5));
        } else {
            const bool masked = p->name.find(".weight") != std::string::npos && p->name.find("cond") == std::string::npos;
            for (std::size_t e = 0; e < p->size(); ++e)
                if (!masked || p->value[e] != 0.0f) p->value[e] += float(r.uniform(-scale, scale));
        }
    }
}

std::vector<float> rows(std::size_t n, std::size_t d, std::uint64_t seed, double s = 1.0) {
    jetml::rng r(seed);
    std::vector<float> v(n * d);
    for (auto& x : v) x = float(s * r.normal());
    return v;
}

}  // namespace

TEST_CASE("flow maf: the ANODE/CATHODE default has pytorch-flows' 274,800 parameters") {
    maf m(maf_config{}, 1);
    CHECK(m.trainable_count() == 274800);
    CHECK(m.config().spec() == "maf(dim=4,cond=1,blocks=15,hidden=128,depth=2,bn=1,reverse=1,bound=5)");
    CHECK(jetml::flow::maf_defaults::optimizer().lr == doctest::Approx(1e-4));
    CHECK(jetml::flow::maf_defaults::optimizer().weight_decay == doctest::Approx(1e-6));
    CHECK(jetml::flow::maf_defaults::batch == 256);
}

TEST_CASE("flow maf: masks follow pytorch-flows' degrees (first variable bias-only)") {
    maf m(small_config(3, 1, 1, 5, 2), 1);
    // hidden degree j % 2: input i feeds hidden j when j % 2 >= i
    const auto& in = m.mask(0);
    for (std::size_t j = 0; j < 5; ++j)
        for (std::size_t i = 0; i < 3; ++i) CHECK(in[j * 3 + i] == (long(j % 2) >= long(i) ? 1.0f : 0.0f));
    // output k (degree k % 3 - 1) sees hidden j when k % 3 - 1 >= j % 2; outputs 0 and 3 see none
    const auto& out = m.mask(2);
    for (std::size_t k = 0; k < 6; ++k)
        for (std::size_t j = 0; j < 5; ++j) CHECK(out[k * 5 + j] == (long(k % 3) - 1 >= long(j % 2) ? 1.0f : 0.0f));
    // the initial weights are orthogonal before masking: the cond weight (5, 1) has unit norm
    const auto& wc = m.parameter("made.0.0.cond_weight").value;
    double s = 0;
    for (float v : wc) s += double(v) * v;
    CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("flow maf: log p, transform and train loss equal the double-precision reference") {
    for (std::size_t cond : {0, 2}) {
        CAPTURE(cond);
        maf m(small_config(3, cond, 3, 16, 2), 7);
        perturb(m, 11);
        const std::size_t n = 50, R = 3 + cond;
        const auto xc = rows(n, R, 3);
        const auto w = support::random_floats(n, 5, 0.5, 2.0);
        std::vector<double> lp(n), lpr(n);
        m.log_prob(xc.data(), n, lp.data());
        jetml::flow::maf_ref_nll(m, xc.data(), nullptr, n, false, lpr.data());
        double worst = 0;
        for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(lp[i] - lpr[i]));
        // float32 passes through 3 blocks of width 16: ~1e-6 relative on values of order 10
        CHECK(worst < 2e-4);
        const double tl = m.train_loss(xc.data(), w.data(), n);
        const double tr = jetml::flow::maf_ref_nll(m, xc.data(), w.data(), n, true);
        CHECK(tl == doctest::Approx(tr).epsilon(1e-5));
    }
}

TEST_CASE("flow maf: gradients of the NLL match finite differences for every parameter kind") {
    for (double bound : {0.0, 1.5}) {
        CAPTURE(bound);
        maf_config cfg = small_config(3, 2, 2, 8, 2);
        cfg.scale_bound = bound;
        maf m(cfg, 5);
        perturb(m, 21, 0.3);
        const std::size_t n = 24;
        const auto xc = rows(n, 5, 9);
        const auto w = support::random_floats(n, 6, 0.2, 1.5);
        m.train_step(xc.data(), w.data(), n);  // gradients only
        // the numeric derivative of the double-precision reference loss (batch statistics); the
        // float parameter is moved by +-h, so h = 1e-3 leaves ~1e-4 relative rounding in the step
        support::gradient_check chk{2e-4, 2e-3};
        std::size_t kinds = 0;
        for (auto* p : m.parameters()) {
            if (!p->trainable) continue;
            ++kinds;
            for (std::size_t e = 0; e < p->size(); ++e) {
                const double num = support::central_difference(p->value[e], 1e-3, [&] {
                    return jetml::flow::maf_ref_nll(m, xc.data(), w.data(), n, true);
                });
                // a masked weight has zero analytic gradient (it is not a parameter of the flow)
                const bool masked = p->name.find(".weight") != std::string::npos &&
                                    p->name.find("cond") == std::string::npos &&
                                    m.mask(std::size_t(p->name[7] - '0'))[e] == 0.0f;
                chk(p->name, e, masked ? 0.0 : num, p->grad[e]);
            }
        }
        CHECK(kinds == 2 * (3 * 2 + 1 + 2));  // per block 3 weights, 3 biases, cond weight, log_gamma, beta
        CHECK(chk.bad == 0);
    }
}

TEST_CASE("flow maf: the log-determinant equals log|det| of the numeric Jacobian") {
    for (bool bn : {false, true}) {
        CAPTURE(bn);
        maf_config cfg = small_config(4, 1, 3, 12, 2);
        cfg.batchnorm = bn;
        maf m(cfg, 3);
        perturb(m, 4, 0.3);
        const std::size_t D = 4;
        const auto xc = rows(5, 5, 17);
        for (std::size_t s = 0; s < 5; ++s) {
            std::vector<double> z(D), zp(D), zm(D), ld(1), ldp(1);
            std::vector<float> x(xc.begin() + long(s * 5), xc.begin() + long(s * 5 + 5));
            jetml::flow::maf_ref_transform(m, x.data(), 1, z.data(), ld.data());
            // Jacobian dz_i/dx_j by central differences of the reference (double inside, float x)
            std::vector<double> J(D * D);
            const double h = 1e-3;
            for (std::size_t j = 0; j < D; ++j) {
                const float x0 = x[j];
                x[j] = float(x0 + h);
                const double hp = double(x[j]) - x0;
                jetml::flow::maf_ref_transform(m, x.data(), 1, zp.data(), ldp.data());
                x[j] = float(x0 - h);
                const double hm = x0 - double(x[j]);
                jetml::flow::maf_ref_transform(m, x.data(), 1, zm.data(), ldp.data());
                x[j] = x0;
                for (std::size_t i = 0; i < D; ++i) J[i * D + j] = (zp[i] - zm[i]) / (hp + hm);
            }
            // log|det| by Gaussian elimination with partial pivoting
            double logdet = 0;
            for (std::size_t c = 0; c < D; ++c) {
                std::size_t piv = c;
                for (std::size_t r = c + 1; r < D; ++r)
                    if (std::fabs(J[r * D + c]) > std::fabs(J[piv * D + c])) piv = r;
                for (std::size_t k = 0; k < D; ++k) std::swap(J[c * D + k], J[piv * D + k]);
                logdet += std::log(std::fabs(J[c * D + c]));
                for (std::size_t r = c + 1; r < D; ++r) {
                    const double f = J[r * D + c] / J[c * D + c];
                    for (std::size_t k = c; k < D; ++k) J[r * D + k] -= f * J[c * D + k];
                }
            }
            // and the fast pass gives the same log-det
            std::vector<float> zf(D);
            std::vector<double> ldf(1);
            m.transform(x.data(), 1, zf.data(), ldf.data());
            CHECK(logdet == doctest::Approx(ld[0]).epsilon(1e-4));
            CHECK(ldf[0] == doctest::Approx(ld[0]).epsilon(1e-5));
        }
    }
}

TEST_CASE("flow maf: inverse(forward(x)) = x and sampling is reproducible") {
    maf m(small_config(4, 2, 5, 32, 2), 2);
    perturb(m, 8, 0.1);
    const std::size_t n = 300, D = 4;
    const auto xc = rows(n, 6, 12);
    std::vector<float> z(n * D), c(n * 2), back(n * D);
    m.transform(xc.data(), n, z.data(), nullptr);
    for (std::size_t i = 0; i < n; ++i) c[i * 2] = xc[i * 6 + 4], c[i * 2 + 1] = xc[i * 6 + 5];
    m.inverse(z.data(), c.data(), n, back.data());
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < D; ++j) worst = std::max(worst, double(std::fabs(back[i * D + j] - xc[i * 6 + j])));
    CHECK(worst < 1e-5);
    // samples: same seed, same rows; the first-row offset selects the streams
    std::vector<float> s1(n * D), s2(n * D), s3(10 * D);
    m.sample(c.data(), n, 99, s1.data());
    m.sample(c.data(), n, 99, s2.data());
    CHECK(s1 == s2);
    m.sample(c.data() + 2 * 100, 10, 99, s3.data(), 100);
    double dev = 0;
    for (std::size_t e = 0; e < 10 * D; ++e) dev = std::max(dev, double(std::fabs(s1[100 * D + e] - s3[e])));
    MESSAGE("rows 100..109 sampled alone vs in a batch of 300: max deviation " << dev);
    CHECK(dev < 1e-5);
}

TEST_CASE("flow maf: a 2-D conditional density integrates to 1 on a grid") {
    maf_config cfg = small_config(2, 1, 4, 16, 2);
    maf m(cfg, 13);
    perturb(m, 14, 0.15);
    for (float cval : {-1.0f, 0.5f}) {
        CAPTURE(cval);
        // midpoint rule on [-12, 12]^2 with h = 0.04: the density is smooth on that scale and its
        // tails (Gaussian base, scales bounded by e^5) are negligible beyond the box
        const std::size_t k = 600;
        const double lo = -12, h = 24.0 / double(k);
        std::vector<float> xc(k * 3);
        std::vector<double> lp(k);
        double total = 0;
        for (std::size_t a = 0; a < k; ++a) {
            for (std::size_t b = 0; b < k; ++b) {
                xc[b * 3] = float(lo + (double(a) + 0.5) * h);
                xc[b * 3 + 1] = float(lo + (double(b) + 0.5) * h);
                xc[b * 3 + 2] = cval;
            }
            m.log_prob(xc.data(), k, lp.data());
            for (double v : lp) total += std::exp(v) * h * h;
        }
        MESSAGE("integral " << total);
        CHECK(std::fabs(total - 1.0) < 1e-3);
    }
}

TEST_CASE("flow maf: a training step is bitwise reproducible for a thread count and close across counts") {
    const auto xc = rows(256, 5, 31);
    auto run = [&](int threads, bool steps) {
        omp_set_num_threads(threads);
        maf m(small_config(4, 1, 3, 32, 2), 4);
        jetml::nn::optimizer opt(jetml::flow::maf_defaults::optimizer());
        std::vector<double> losses;
        for (int s = 0; s < (steps ? 5 : 1); ++s)
            losses.push_back(m.train_step(xc.data(), nullptr, 256, steps ? &opt : nullptr, 1e-3));
        std::vector<float> v;
        for (auto* p : m.parameters()) v.insert(v.end(), (steps ? p->value : p->grad).begin(), (steps ? p->value : p->grad).end());
        return std::make_pair(losses, v);
    };
    const int nmax = omp_get_max_threads();
    const auto a = run(2, true), b = run(2, true), ga = run(2, false), gc = run(1, false);
    omp_set_num_threads(nmax);
    // same thread count: the same bits after five Adam steps
    CHECK(a.first == b.first);
    CHECK(a.second == b.second);
    // across thread counts only the order of the float sums differs: loss and gradients agree to
    // float rounding (Adam would then amplify that rounding for near-zero gradients)
    CHECK(ga.first[0] == doctest::Approx(gc.first[0]).epsilon(1e-6));
    CHECK(support::nmse(ga.second, gc.second) < 1e-10);
}

TEST_CASE("flow maf: recompute_statistics sets the full-set batch statistics") {
    maf m(small_config(3, 1, 2, 8, 2), 6);
    perturb(m, 2, 0.1);
    const std::size_t n = 500;
    const auto xc = rows(n, 4, 44, 2.0);
    m.recompute_statistics(xc.data(), n, 128);  // chunked
    // with these statistics, evaluation equals a training-mode pass over the whole set
    const double ev = jetml::flow::maf_ref_nll(m, xc.data(), nullptr, n, false);
    const double tr = jetml::flow::maf_ref_nll(m, xc.data(), nullptr, n, true);
    CHECK(ev == doctest::Approx(tr).epsilon(1e-5));
}

// Writes the files test/python/test_maf_numpy.py checks (a small conditional flow with every
// parameter non-trivial, rows [x | c] and jetml's log p) into the directory named by
// JETML_FLOW_FIXTURE_DIR; otherwise does nothing.
TEST_CASE("flow maf: fixture for the numpy check") {
    const char* dir = std::getenv("JETML_FLOW_FIXTURE_DIR");
    if (!dir) return;
    maf_config cfg = small_config(3, 2, 3, 16, 3);
    cfg.scale_bound = 2.0;
    maf m(cfg, 21);
    perturb(m, 22, 0.3);
    const std::size_t n = 64;
    const auto xc = rows(n, 5, 23, 1.5);
    std::vector<double> lp(n);
    m.log_prob(xc.data(), n, lp.data());
    jetml::flow::flow_meta meta;
    meta.epoch = 1;
    jetml::flow::save_flow(std::string(dir) + "/flow.npz", m, meta);
    jetml::save_npy(std::string(dir) + "/xc.npy", {n, 5}, xc.data());
    jetml::save_npy(std::string(dir) + "/logp.npy", {n}, lp.data());
    std::vector<float> z(n * 3), c(n * 2), x(n * 3);
    jetml::rng r(24);
    for (auto& v : z) v = float(r.normal());
    for (std::size_t i = 0; i < n; ++i) c[i * 2] = xc[i * 5 + 3], c[i * 2 + 1] = xc[i * 5 + 4];
    m.inverse(z.data(), c.data(), n, x.data());
    jetml::save_npy(std::string(dir) + "/z.npy", {n, 3}, z.data());
    jetml::save_npy(std::string(dir) + "/x_of_z.npy", {n, 3}, x.data());
}
