// SPDX-License-Identifier: MIT
// jetml/nn/fisher.cpp - regularised Fisher discriminant: weighted class moments with DSYRK,
// shrinkage, and a Cholesky solve in double precision (LAPACK through xtensor-blas).
#include "jetml/nn/fisher.hpp"

// xblas.hpp declares the CBLAS functions (cblas_dsyrk here) itself, in a way that conflicts with
// OpenBLAS's <cblas.h>, so this file takes them from xtensor-blas only; it must come before
// xlapack.hpp, which uses the ASSERT it defines.
#include <xtensor-blas/xblas.hpp>
#include <xtensor-blas/xlapack.hpp>
#include <xtensor/xadapt.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "jetml/core/error.hpp"

namespace jetml::nn {

namespace {
// Index in the model's (H, W, C) order of element i of the user's (C, H, W) order.
std::size_t hwc_index(const tshape& in, std::size_t i) {
    if (!in.spatial || in.c == 1) return i;
    const std::size_t hw = in.h * in.w, c = i / hw, p = i % hw;
    return p * in.c + c;
}
}  // namespace

sequential fisher_fit(const float* x, const float* y, const float* w, std::size_t n, const tshape& in,
                      double shrinkage, std::uint64_t seed) {
    if (!(shrinkage >= 0.0 && shrinkage <= 1.0))
        throw usage_error("Fisher shrinkage must be in [0, 1], got " + std::to_string(shrinkage));
    const std::size_t d = in.size();
    std::vector<double> mu[2] = {std::vector<double>(d, 0.0), std::vector<double>(d, 0.0)};
    double W[2] = {0, 0};
    for (std::size_t s = 0; s < n; ++s) {
        const double ws = w ? w[s] : 1.0;
        if (ws < 0 || !std::isfinite(ws)) throw error("Fisher: negative or non-finite weight at row " + std::to_string(s));
        const int k = y[s] > 0.5f ? 1 : 0;
        W[k] += ws;
        for (std::size_t j = 0; j < d; ++j) mu[k][j] += ws * x[s * d + j];
    }
    if (W[0] <= 0 || W[1] <= 0) throw error("Fisher: both classes need events with positive weight");
    for (int k = 0; k < 2; ++k)
        for (auto& v : mu[k]) v /= W[k];
    // S = sum_k pi_k C_k = (1/W) sum_i w_i (x_i - mu_{k_i})(x_i - mu_{k_i})^T, upper triangle.
    std::vector<double> S(d * d, 0.0);
    const std::size_t chunk = 512;
    std::vector<double> block(chunk * d);
    for (std::size_t s0 = 0; s0 < n; s0 += chunk) {
        const std::size_t m = std::min(chunk, n - s0);
        for (std::size_t r = 0; r < m; ++r) {
            const std::size_t s = s0 + r;
            const double sw = std::sqrt(w ? double(w[s]) : 1.0);
            const auto& mk = mu[y[s] > 0.5f ? 1 : 0];
            for (std::size_t j = 0; j < d; ++j) block[r * d + j] = sw * (x[s * d + j] - mk[j]);
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, int(d), int(m), 1.0, block.data(), int(d), 1.0,
                    S.data(), int(d));
    }
    const double Wt = W[0] + W[1];
    double trace = 0;
    for (std::size_t i = 0; i < d; ++i) trace += S[i * d + i] / Wt;
    const double target = trace / double(d);
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = i; j < d; ++j) {
            double v = (1.0 - shrinkage) * S[i * d + j] / Wt;
            if (i == j) v += shrinkage * target;
            S[i * d + j] = S[j * d + i] = v;
        }
    // Cholesky S = L L^T and the two triangular solves in LAPACK (dpotrf, dpotrs) through
    // xtensor-blas, on a column-major view of S (symmetric, so the row-major buffer is the same
    // matrix; no copy). The check of each pivot is the one the hand-written loop made: L_jj^2
    // is the pivot left after the previous columns.
    auto A = xt::adapt<xt::layout_type::column_major>(S.data(), d * d, xt::no_ownership(),
                                                      std::array<std::size_t, 2>{d, d});
    const int info = xt::lapack::potr(A, 'L');
    for (std::size_t j = 0; j < d; ++j) {
        const double diag = info > 0 && std::size_t(info) <= j + 1 ? 0.0 : S[j * d + j] * S[j * d + j];
        if (!(diag > 1e-12 * std::max(target, 1e-300)))
            throw error("Fisher: the pooled covariance is singular (pixel or feature " + std::to_string(j) +
                        " has no variance left); use a shrinkage > 0");
    }
    if (info != 0) throw error("Fisher: LAPACK dpotrf failed (info " + std::to_string(info) + ")");
    std::vector<double> v(d);
    for (std::size_t i = 0; i < d; ++i) v[i] = mu[1][i] - mu[0][i];
    auto b = xt::adapt(v.data(), d, xt::no_ownership(), std::array<std::size_t, 1>{d});
    if (xt::lapack::potrs(A, b, 'L') != 0) throw error("Fisher: LAPACK dpotrs failed");
    double bias = std::log(W[1] / W[0]);
    for (std::size_t i = 0; i < d; ++i) bias -= 0.5 * (mu[1][i] + mu[0][i]) * v[i];

    sequential m(in.spatial ? "flatten dense(1)" : "dense(1)", in, seed);
    param& pw = m.at(m.size() - 1).params()[0];
    param& pb = m.at(m.size() - 1).params()[1];
    for (std::size_t i = 0; i < d; ++i) pw.value[hwc_index(in, i)] = float(v[i]);
    pb.value[0] = float(bias);
    return m;
}

std::vector<float> fisher_weight_image(const sequential& m) {
    const tshape& in = m.input_shape();
    if (m.size() == 0 || m.outputs() != 1 || m.at(m.size() - 1).params().size() != 2 ||
        m.at(m.size() - 1).params()[0].size() != in.size())
        throw error("not a linear model with one output (expected 'flatten dense(1)' or 'dense(1)')");
    const param& pw = m.at(m.size() - 1).params()[0];
    std::vector<float> img(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) img[i] = pw.value[hwc_index(in, i)];
    return img;
}

}  // namespace jetml::nn
