// SPDX-License-Identifier: MIT
// Unit tests of jetml/nn/layers_decoder and the transposed-convolution kernels: forward values
// by hand, finite-difference gradients of deconv, upsample, reshape, latent and vae (with its
// KL term), the fast transposed conv against its reference twin, architecture errors, model
// files, and the fixture that test/python/test_deconv_torch.py checks against PyTorch.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/nn/layer.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/vae.hpp"

#include "nn/layer_support.hpp"
#include "support.hpp"

using namespace jetml::nn;

namespace {

using layer_test::make;

// L = sum_i r_i y_i + the layer's own term (vae: beta * KL / n), in double.
double probe(layer& l, const std::vector<float>& x, const std::vector<float>& r, std::size_t n) {
    std::vector<float> y(n * l.out_shape().size());
    l.set_step(11, 3);
    l.set_batch_norm(n);
    l.forward(x.data(), y.data(), n, true);
    double s = l.aux_loss();
    for (std::size_t i = 0; i < y.size(); ++i) s += double(r[i]) * y[i];
    return s;
}

// Finite-difference check of dL/dx and dL/dparam. Float32 layers, central differences with
// h = 1e-2 on O(1) inputs: rounding adds ~1e-7 |L| / h ~ 1e-4 per derivative and truncation
// O(h^2) ~ 1e-4 (the vae's exp(logvar/2) has O(1) third derivatives), so
// |numeric - analytic| <= 2e-3 + 1e-2 |analytic| holds for correct gradients, and a missing
// term or a wrong index is off by O(1).
void gradcheck(const std::string& token, const tshape& in, std::size_t n, std::uint64_t seed) {
    CAPTURE(token);
    auto l = make(token, in);
    const std::size_t isz = in.size(), osz = l->out_shape().size();
    std::vector<float> x = support::random_floats(n * isz, seed, -1.5, 1.5);
    const std::vector<float> r = support::random_floats(n * osz, 99);
    std::vector<float> y(n * osz), dx(n * isz);
    l->set_step(11, 3);
    l->set_batch_norm(n);
    l->forward(x.data(), y.data(), n, true);
    l->backward(x.data(), y.data(), r.data(), dx.data(), n);
    std::vector<std::vector<float>> pg;
    for (auto& p : l->params()) pg.emplace_back(p.grad.begin(), p.grad.end());
    support::gradient_check check{2e-3, 1e-2};
    auto loss = [&] { return probe(*l, x, r, n); };
    for (std::size_t i = 0; i < x.size(); ++i) check("dx", i, support::central_difference(x[i], 1e-2, loss), dx[i]);
    for (std::size_t k = 0; k < l->params().size(); ++k) {
        auto& p = l->params()[k];
        for (std::size_t i = 0; i < p.size(); ++i)
            check(p.name, i, support::central_difference(p.value[i], 1e-2, loss), pg[k][i]);
    }
    CHECK(check.bad == 0);
}

// The conv whose adjoint maps (n, ih, iw, cin_t) to the deconv(filters, k, stride, same) output.
conv_params deconv_geom(std::size_t n, std::size_t ih, std::size_t iw, std::size_t cin_t, std::size_t filters,
                        std::size_t k, std::size_t stride, bool same) {
    conv_params p;
    p.n = n;
    p.h = same ? ih * stride : (ih - 1) * stride + k;
    p.w = same ? iw * stride : (iw - 1) * stride + k;
    p.cin = filters, p.cout = cin_t, p.kh = p.kw = k, p.stride = stride;
    conv_geometry(p, same);
    REQUIRE(p.oh == ih);
    REQUIRE(p.ow == iw);
    return p;
}

}  // namespace

TEST_CASE("nn decoder layers: forward values by hand") {
    SUBCASE("upsample repeats each pixel k x k times, channels kept") {
        auto l = make("upsample(2)", tshape::image(2, 1, 2));
        CHECK(l->out_shape() == tshape::image(2, 2, 4));
        const std::vector<float> x = {1, 10, 2, 20};  // (H, W, C): pixel 0 = (1, 10), pixel 1 = (2, 20)
        std::vector<float> y(16);
        l->forward(x.data(), y.data(), 1, false);
        const std::vector<float> want = {1, 10, 1, 10, 2, 20, 2, 20, 1, 10, 1, 10, 2, 20, 2, 20};
        CHECK(y == want);
    }
    SUBCASE("deconv of one pixel is the kernel; stride 2 valid places kernels 2 apart, overlaps add") {
        auto l = make("deconv(1,3,2,valid)", tshape::image(1, 1, 2));
        CHECK(l->out_shape() == tshape::image(1, 3, 5));
        auto& w = l->params()[0].value;
        for (std::size_t i = 0; i < 9; ++i) w[i] = float(i + 1);
        l->params()[1].value[0] = 0.5f;
        const std::vector<float> x = {1, 10};
        std::vector<float> y(15);
        l->forward(x.data(), y.data(), 1, false);
        // row 0: [1 2 3] at columns 0-2 from x0, [10 20 30] at 2-4 from x1 (column 2: 3 + 10)
        const std::vector<float> row0 = {1.5f, 2.5f, 13.5f, 20.5f, 30.5f};
        for (std::size_t i = 0; i < 5; ++i) CHECK(y[i] == row0[i]);
        CHECK(y[10] == 7.5f);
        CHECK(y[12] == 9 + 70 + 0.5f);
    }
    SUBCASE("deconv same: output H*stride; valid: (H-1)*stride+k") {
        CHECK(make("deconv(4,3,2,same)", tshape::image(8, 5, 7))->out_shape() == tshape::image(4, 10, 14));
        CHECK(make("deconv(4,4,2)", tshape::image(8, 5, 5))->out_shape() == tshape::image(4, 10, 10));
        CHECK(make("deconv(4,5,1,valid)", tshape::image(8, 5, 5))->out_shape() == tshape::image(4, 9, 9));
        CHECK(make("deconv(4,2,3,same)", tshape::image(1, 3, 3))->out_shape() == tshape::image(4, 9, 9));
    }
    SUBCASE("reshape and latent copy the values") {
        auto l = make("reshape(2,3,4)", tshape::vec(24));
        CHECK(l->out_shape() == tshape::image(2, 3, 4));
        CHECK(make("reshape(24)", tshape::image(2, 3, 4))->out_shape() == tshape::vec(24));
        CHECK(make("latent", tshape::vec(5))->out_shape() == tshape::vec(5));
        std::vector<float> x = support::random_floats(24, 3), y(24);
        l->forward(x.data(), y.data(), 1, false);
        CHECK(x == y);
    }
    SUBCASE("vae: inference gives the mean; training mean + sd * eps with the KL term") {
        auto l = make("vae(2,0.5)", tshape::vec(4));
        const std::vector<float> x = {0.5f, -1.0f, std::log(4.0f), 0.0f};  // mean (0.5, -1), var (4, 1)
        std::vector<float> y(2);
        l->forward(x.data(), y.data(), 1, false);
        CHECK(y[0] == 0.5f);
        CHECK(y[1] == -1.0f);
        CHECK(l->aux_loss() == 0.0);
        l->set_step(5, 1);
        l->set_batch_norm(1);
        l->forward(x.data(), y.data(), 1, true);
        // KL = 0.5 [(0.25 + 4 - 1 - ln 4) + (1 + 1 - 1 - 0)] = 0.5 (4.25 - ln 4)
        const double kl = 0.5 * (4.25 - std::log(4.0));
        CHECK(gaussian_kl(x.data(), x.data() + 2, 2) == doctest::Approx(kl).epsilon(1e-6));
        CHECK(l->aux_loss() == doctest::Approx(0.5 * kl).epsilon(1e-6));
        // z1 = -1 + 1 * eps1 and z0 = 0.5 + 2 * eps0 share the same eps draws
        const double eps1 = y[1] + 1.0;
        CHECK(std::fabs(eps1) > 0.0);
        CHECK(std::fabs(eps1) < 6.0);
    }
}

TEST_CASE("nn decoder layers: the vae noise depends on (seed, step, sample) only") {
    auto a = make("vae(3)", tshape::vec(6)), b = make("vae(3)", tshape::vec(6));
    const auto x = support::random_floats(4 * 6, 5);
    std::vector<float> ya(12), yb(12), y2(12);
    a->set_step(9, 4);
    a->forward(x.data(), ya.data(), 4, true);
    // the same batch in two parts gives the same draws
    b->set_step(9, 4);
    b->set_first_sample(0);
    b->forward(x.data(), yb.data(), 2, true);
    b->set_first_sample(2);
    b->forward(x.data() + 12, yb.data() + 6, 2, true);
    CHECK(ya == yb);
    a->set_step(9, 5);  // another step: other draws
    a->forward(x.data(), y2.data(), 4, true);
    CHECK(y2 != ya);
}

TEST_CASE("nn decoder layers: finite-difference gradients") {
    const tshape img = tshape::image(3, 4, 5);
    SUBCASE("deconv same, stride 1, odd and even kernels") {
        gradcheck("deconv(2,3,same)", img, 2, 1);
        gradcheck("deconv(2,4,same)", img, 2, 2);
    }
    SUBCASE("deconv stride 2, same and valid, kernel smaller than the stride") {
        gradcheck("deconv(2,3,2,same)", img, 2, 3);
        gradcheck("deconv(3,2,2,valid)", img, 2, 4);
        gradcheck("deconv(2,1,2,same)", img, 2, 5);
    }
    SUBCASE("deconv with >= 16 channels and filters (implicit-GEMM paths)") {
        gradcheck("deconv(16,3,same)", tshape::image(16, 3, 3), 2, 6);
        gradcheck("deconv(16,3,2,same)", tshape::image(16, 3, 3), 2, 7);
    }
    SUBCASE("upsample") { gradcheck("upsample(2)", img, 2, 8); gradcheck("upsample(3)", img, 1, 9); }
    SUBCASE("reshape and latent") {
        gradcheck("reshape(60)", img, 2, 10);
        gradcheck("reshape(5,3,4)", tshape::vec(60), 2, 11);
        gradcheck("latent", tshape::vec(7), 2, 12);
    }
    SUBCASE("vae with its KL term, beta 1 and 0.3") {
        gradcheck("vae(3)", tshape::vec(6), 4, 13);
        gradcheck("vae(3,0.3)", tshape::vec(6), 4, 14);
    }
}

TEST_CASE("nn kernels: fast transposed conv equals the reference twin") {
    // float32 sums in another order than the double reference: NMSE <= 1e-9 (as for conv2d)
    constexpr double tol = 1e-9;
    struct g { std::size_t n, ih, iw, cin, filters, k, stride; bool same; };
    const std::vector<g> geoms = {
        {3, 5, 5, 4, 1, 3, 1, true},   {3, 5, 4, 4, 3, 4, 1, true},  {2, 5, 5, 3, 2, 5, 1, false},
        {3, 4, 6, 3, 2, 3, 2, true},   {3, 4, 4, 2, 3, 4, 2, true},  {2, 3, 3, 5, 2, 3, 2, false},
        {2, 3, 3, 2, 2, 2, 3, true},   {2, 3, 3, 2, 2, 1, 2, false}, {4, 6, 6, 32, 16, 3, 1, true},
        {4, 6, 5, 16, 17, 4, 1, true}, {3, 5, 5, 32, 16, 3, 2, true}, {9, 7, 7, 24, 1, 3, 1, true},
        {70, 4, 4, 20, 20, 3, 1, true}};
    for (bool avx512 : {true, false})
        for (int threads : {1, 2}) {
            const bool saved = gemm_set_avx512(avx512);
            const int saved_t = omp_get_max_threads();
            omp_set_num_threads(threads);
            for (const auto& G : geoms) {
                CAPTURE(avx512); CAPTURE(threads); CAPTURE(G.ih); CAPTURE(G.cin); CAPTURE(G.filters);
                CAPTURE(G.k); CAPTURE(G.stride); CAPTURE(G.same);
                const conv_params p = deconv_geom(G.n, G.ih, G.iw, G.cin, G.filters, G.k, G.stride, G.same);
                const auto x = support::random_floats(p.n * p.out_size(), 1), w = support::random_floats(p.cout * p.k(), 2),
                           b = support::random_floats(p.cin, 3), dy = support::random_floats(p.n * p.in_size(), 4);
                std::vector<float> y(p.n * p.in_size(), 7.0f), yr(y.size());
                deconv_workspace ws;
                conv_transpose2d_forward(p, x.data(), w.data(), b.data(), y.data(), ws);
                conv_transpose2d_forward_ref(p, x.data(), w.data(), b.data(), yr.data());
                CHECK(support::nmse(y, yr) < tol);
                std::vector<float> dx(x.size(), 7.0f), dxr(x.size()), dw(w.size(), 7.0f), dwr(w.size()),
                    db(b.size(), 7.0f), dbr(b.size());
                for (int rep = 0; rep < 2; ++rep)  // overwrites, never accumulates
                    conv_transpose2d_backward(p, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws);
                conv_transpose2d_backward_ref(p, x.data(), w.data(), dy.data(), dxr.data(), dwr.data(), dbr.data());
                CHECK(support::nmse(dx, dxr) < tol);
                CHECK(support::nmse(dw, dwr) < tol);
                CHECK(support::nmse(db, dbr) < tol);
            }
            omp_set_num_threads(saved_t);
            gemm_set_avx512(saved);
        }
}

TEST_CASE("nn decoder layers: architecture errors are usage errors naming the layer") {
    const tshape img = tshape::image(1, 8, 8);
    CHECK_THROWS_WITH_AS(sequential("flatten deconv(2,3)", img, 1), doctest::Contains("deconv needs an image input"),
                         jetml::usage_error);
    CHECK_THROWS_WITH_AS(sequential("flatten reshape(2,3,3)", img, 1), doctest::Contains("reshape to (2, 3, 3)"),
                         jetml::usage_error);
    CHECK_THROWS_WITH_AS(sequential("flatten dense(5) vae(3)", img, 1), doctest::Contains("needs 2*3 = 6 inputs"),
                         jetml::usage_error);
    CHECK_THROWS_WITH_AS(sequential("flatten dense(4) vae(2,-1)", img, 1), doctest::Contains("beta must be >= 0"),
                         jetml::usage_error);
    CHECK_THROWS_WITH_AS(sequential("upsample(0)", img, 1), doctest::Contains("positive integer"), jetml::usage_error);
    CHECK_THROWS_WITH_AS(sequential("deconv(2)", img, 1), doctest::Contains("takes (filters, kernel"), jetml::usage_error);
}

TEST_CASE("nn decoder layers: a convolutional VAE saves and loads with identical outputs") {
    const tshape img = tshape::image(1, 8, 8);
    const std::string arch = "conv(4,3,2,same) relu flatten dense(6) vae(3,0.5) dense(64) relu reshape(4,4,4) "
                             "upsample(2) deconv(4,3,same) relu deconv(1,3,2,same) latent reshape(256) dense(64) "
                             "reshape(1,8,8)";
    sequential m(arch, img, 5);
    CHECK(m.outputs() == 64);
    const std::size_t n = 6;
    const auto x = support::random_floats(n * img.size(), 8, 0, 1);
    optimizer opt(optim_config{});
    const double l = m.train_step(x.data(), x.data(), nullptr, n, loss_kind::mse, opt, 1e-2);
    CHECK(l > m.aux_loss());  // the step's loss includes the KL term
    CHECK(m.aux_loss() > 0);
    std::vector<float> z(n * 64), z2(n * 64);
    m.predict(x.data(), n, z.data());
    const std::string path = support::tmp_path("decoder", "vae.npz");
    save_model(path, m, model_meta{});
    sequential back = load_model(path);
    CHECK(back.arch() == m.arch());
    back.predict(x.data(), n, z2.data());
    CHECK(z == z2);
    std::remove(path.c_str());
}

TEST_CASE("nn decoder layers: a VAE trains the same on 1 and 2 threads up to rounding, bitwise on 2 twice") {
    const tshape img = tshape::image(1, 16, 16);
    const std::size_t nb = 64;
    const auto x = support::random_floats(3 * nb * img.size(), 4, 0, 1);
    auto run = [&](int threads) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        sequential m("conv(16,3,2,same) relu flatten dense(8) vae(4) dense(1024) relu reshape(16,8,8) "
                     "deconv(1,3,2,same)", img, 3);
        optimizer opt(optim_config{});
        std::vector<double> ls;
        for (std::size_t b = 0; b < 3; ++b)
            ls.push_back(m.train_step(x.data() + b * nb * img.size(), x.data() + b * nb * img.size(), nullptr, nb,
                                      loss_kind::mse, opt, 1e-2));
        omp_set_num_threads(saved);
        std::vector<float> all;
        for (auto* p : m.parameters()) all.insert(all.end(), p->value.begin(), p->value.end());
        return std::make_pair(all, ls);
    };
    const auto one = run(1), two = run(2), again = run(2);
    CHECK(two.first == again.first);
    // the noise per sample does not depend on the split; only float sums differ (see test_model.cpp)
    double worst = 0;
    for (std::size_t i = 0; i < one.first.size(); ++i) worst = std::max(worst, double(std::fabs(one.first[i] - two.first[i])));
    CHECK(worst < 1e-4);
    for (std::size_t b = 0; b < 3; ++b) CHECK(two.second[b] == doctest::Approx(one.second[b]).epsilon(1e-5));
}

TEST_CASE("nn decoder layers: fixture for the PyTorch ConvTranspose2d check") {
    const char* dir = std::getenv("JETML_DECONV_FIXTURE_DIR");
    if (!dir) return;
    // (cin, ih, iw, filters, k, stride, same): the cases test/python/test_deconv_torch.py reads
    const std::vector<std::vector<std::size_t>> cases = {
        {3, 5, 5, 2, 3, 1, 1}, {3, 5, 4, 2, 4, 1, 1}, {2, 4, 4, 3, 3, 2, 1}, {2, 4, 5, 3, 4, 2, 1},
        {4, 3, 3, 2, 5, 2, 0}, {2, 3, 3, 2, 2, 3, 1}, {32, 5, 5, 16, 3, 1, 1}, {16, 5, 5, 20, 3, 2, 1},
        {8, 4, 4, 1, 3, 2, 0}};
    for (std::size_t c = 0; c < cases.size(); ++c) {
        const auto& k = cases[c];
        const std::string tok = "deconv(" + std::to_string(k[3]) + "," + std::to_string(k[4]) + "," +
                                std::to_string(k[5]) + "," + (k[6] ? "same" : "valid") + ")";
        auto l = make(tok, tshape::image(k[0], k[1], k[2]), 30 + c);
        const std::size_t n = 3, isz = l->in_shape().size(), osz = l->out_shape().size();
        const auto x = support::random_floats(n * isz, 40 + c), dy = support::random_floats(n * osz, 50 + c);
        std::vector<float> y(n * osz), dx(n * isz);
        l->forward(x.data(), y.data(), n, true);
        l->backward(x.data(), y.data(), dy.data(), dx.data(), n);
        const tshape o = l->out_shape();
        const std::string pre = std::string(dir) + "/case" + std::to_string(c) + ".";
        // NHWC as the layer holds them; the python side transposes
        jetml::save_npy(pre + "x.npy", {n, k[1], k[2], k[0]}, x.data());
        jetml::save_npy(pre + "y.npy", {n, o.h, o.w, o.c}, y.data());
        jetml::save_npy(pre + "dy.npy", {n, o.h, o.w, o.c}, dy.data());
        jetml::save_npy(pre + "dx.npy", {n, k[1], k[2], k[0]}, dx.data());
        jetml::save_npy(pre + "w.npy", {k[0], k[4], k[4], k[3]}, l->params()[0].value.data());
        jetml::save_npy(pre + "b.npy", {k[3]}, l->params()[1].value.data());
        jetml::save_npy(pre + "dw.npy", {k[0], k[4], k[4], k[3]}, l->params()[0].grad.data());
        jetml::save_npy(pre + "db.npy", {k[3]}, l->params()[1].grad.data());
        support::write_file(pre + "spec", tok + "\n");
    }
}
