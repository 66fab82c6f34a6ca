// SPDX-License-Identifier: MIT
// jetml/nn/disco.cpp - the DisCo loss: bce + lambda * squared weighted distance correlation.
#include "jetml/nn/disco.hpp"

#include <cmath>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"

namespace jetml::nn {

namespace {
// Weighted double centring of |v_i - v_j| (m x m, row-major) with normalised weights u.
std::vector<double> centred_distances(const std::vector<double>& v, const std::vector<double>& u) {
    const std::size_t m = v.size();
    std::vector<double> a(m * m), row(m, 0.0);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) {
            a[i * m + j] = std::fabs(v[i] - v[j]);
            row[i] += a[i * m + j] * u[j];
        }
    double all = 0;
    for (std::size_t i = 0; i < m; ++i) row[i] /= double(m), all += row[i] * u[i];
    all /= double(m);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < m; ++j) a[i * m + j] += all - row[i] - row[j];
    return a;
}
double wsum(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& u) {
    const std::size_t m = u.size();
    double s = 0;
    for (std::size_t i = 0; i < m; ++i) {
        double r = 0;
        for (std::size_t j = 0; j < m; ++j) r += a[i * m + j] * b[i * m + j] * u[j];
        s += r * u[i];
    }
    return s;
}
}  // namespace

double distance_corr2(const float* x, const double* s, const float* w, std::size_t m, double* grad) {
    if (grad)
        for (std::size_t k = 0; k < m; ++k) grad[k] = 0;
    if (m < 2) return 0;
    std::vector<double> u(m), xv(m), sv(s, s + m);
    double wt = 0;
    for (std::size_t i = 0; i < m; ++i) wt += w ? double(w[i]) : 1.0;
    if (!(wt > 0)) return 0;
    for (std::size_t i = 0; i < m; ++i) u[i] = (w ? double(w[i]) : 1.0) * double(m) / wt, xv[i] = x[i];
    const auto A = centred_distances(xv, u), B = centred_distances(sv, u);
    const double vab = wsum(A, B, u), vaa = wsum(A, A, u), vbb = wsum(B, B, u);
    if (!(vaa > 0) || !(vbb > 0)) return 0;
    const double den = std::sqrt(vaa * vbb), r = vab / den;
    if (grad) {
        // With the weighted centring a projection that is self-adjoint in the weighted inner
        // product, d(sum u u A B)/ds_k = 2 u_k sum_j u_j A_kj sgn(s_k - s_j) and
        // d(sum u u B B)/ds_k = 4 u_k sum_j u_j B_kj sgn(s_k - s_j).
        for (std::size_t k = 0; k < m; ++k) {
            double ga = 0, gb = 0;
            for (std::size_t j = 0; j < m; ++j) {
                const double sg = sv[k] > sv[j] ? 1.0 : (sv[k] < sv[j] ? -1.0 : 0.0);
                ga += u[j] * A[k * m + j] * sg;
                gb += u[j] * B[k * m + j] * sg;
            }
            grad[k] = 2 * u[k] * ga / den - 0.5 * r * 4 * u[k] * gb / vbb;
        }
    }
    return r;
}

disco_loss::disco_loss(double lambda, bool all_events) : lambda_(lambda), all_(all_events) {
    if (!(lambda >= 0) || !std::isfinite(lambda)) throw usage_error("disco: lambda must be finite and >= 0");
}

std::string disco_loss::name() const { return "disco:" + format_double(lambda_) + (all_ ? ":all" : ""); }

double disco_loss::eval(const loss_batch& b, float* grad, std::size_t) const {
    if (b.d != 1) throw error("disco: needs one output per sample, got " + std::to_string(b.d));
    if (b.side.empty() || !b.side[0]) throw error("disco: needs a side column (the variable to decorrelate from)");
    double l = loss_eval(loss_kind::bce_logits, b.z, b.y, b.w, b.n, 1, grad, b.n);
    if (lambda_ == 0) return l;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < b.n; ++i)
        if (all_ || b.y[i] < 0.5f) rows.push_back(i);
    const std::size_t m = rows.size();
    std::vector<float> xs(m), ws(m);
    std::vector<double> s(m), g(grad ? m : 0);
    for (std::size_t k = 0; k < m; ++k) {
        const std::size_t i = rows[k];
        xs[k] = b.side[0][i];
        ws[k] = b.w ? b.w[i] : 1.0f;
        s[k] = 1.0 / (1.0 + std::exp(-double(b.z[i])));
    }
    const double r = distance_corr2(xs.data(), s.data(), ws.data(), m, grad ? g.data() : nullptr);
    if (grad)
        for (std::size_t k = 0; k < m; ++k) {
            const std::size_t i = rows[k];
            grad[i] = float(double(grad[i]) + lambda_ * g[k] * s[k] * (1 - s[k]));
        }
    return l + lambda_ * r;
}

}  // namespace jetml::nn
