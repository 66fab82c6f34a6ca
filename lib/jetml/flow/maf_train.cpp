// SPDX-License-Identifier: MIT
// jetml/flow/maf_train.cpp - the MAF's training pass: forward with batch statistics, the weighted
// mean NLL, the hand-written backward through batch norm and the MADE layers (library GEMM), the
// gradient sum over threads and the optimiser step, all in one parallel region per batch.
//
// Gradients, for one block with c_r = w_r / sum(w) and L = sum_r c_r (-log N(z_r) - ld_r):
//   dL/dz = c z.  Reverse: un-permute.  Batch norm (y = e^lg xh + beta, xh = (u - mu) / s,
//   s^2 = var + eps over the n rows, ld += sum(lg - log(s^2) / 2)), with S1 = sum_r dy,
//   S2 = sum_r dy xh:  dbeta = S1, dlg = e^lg S2 - 1,
//   du = e^lg / s (dy - S1 / n - xh S2 / n) + xh / (n s)   (the last term from the log-det).
//   MADE (u = (x - m) e^-a, a = B tanh(r / B), ld -= sum a):  dm = -du e^-a,
//   dr = (c - du u)(1 - (a / B)^2),  dx = du e^-a + (back-propagated through the masked layers).
#include <cmath>
#include <cstring>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/flow/maf.hpp"
#include "jetml/flow/maf_detail.hpp"
#include "jetml/nn/gemm.hpp"

namespace jetml::flow {

namespace {
constexpr double bn_eps = 1e-5;
}

void maf::reduce(const double* part, std::size_t k, double* total, int t, int nt, int& turn) {
    std::vector<double>& buf = red_[turn & 1];
    ++turn;
    std::memcpy(buf.data() + std::size_t(t) * k, part, k * sizeof(double));
#pragma omp barrier
    for (std::size_t j = 0; j < k; ++j) {
        double s = 0;
        for (int q = 0; q < nt; ++q) s += buf[std::size_t(q) * k + j];
        total[j] = s;
    }
}

float* maf::grad_of(std::size_t p, int t) {
    return t == 0 ? params_[p].grad.data() : tgrad_[std::size_t(t) - 1][p].data();
}

void maf::train_forward_rows(const float* xc, std::size_t r0, std::size_t r1, std::size_t n, int t, int nt,
                             int& turn) {
    const std::size_t D = cfg_.dim, R = row();
    for (std::size_t r = r0; r < r1; ++r) {
        std::memcpy(in_[0].data() + r * D, xc + r * R, D * sizeof(float));
        ld_[r] = 0;
    }
    std::vector<double> part2(2 * D), tot2(2 * D), mean(D), var(D);
    for (std::size_t b = 0; b < cfg_.blocks; ++b) {
        made_rows(b, in_[b].data(), D, xc + D, R, r0, r1);
        if (cfg_.batchnorm) {
            // one reduction of the sums of (u - s) and (u - s)^2 in double around a shift s that
            // every thread knows, the running mean (the full-set mean of the last epoch): one
            // barrier per layer, and no cancellation unless |mean - s| exceeds ~1e4 standard deviations
            const float* sh = params_[bp_[b].rmean].value.data();
            part2.assign(2 * D, 0.0);
            for (std::size_t r = r0; r < r1; ++r)
                for (std::size_t j = 0; j < D; ++j) {
                    const double d = double(u_[b][r * D + j]) - sh[j];
                    part2[j] += d;
                    part2[D + j] += d * d;
                }
            reduce(part2.data(), 2 * D, tot2.data(), t, nt, turn);
            for (std::size_t j = 0; j < D; ++j) {
                const double dm = tot2[j] / double(n);
                mean[j] = sh[j] + dm;
                var[j] = std::max(tot2[D + j] / double(n) - dm * dm, 0.0) + bn_eps;
            }
            if (t == 0) bmean_[b] = mean, bvar_[b] = var;
        }
        bn_reverse_rows(b, mean.data(), var.data(), r0, r1);
    }
}

void maf::train_backward_rows(const float* xc, const float* w, double wsum, std::size_t r0, std::size_t r1,
                              std::size_t n, int t, int nt, int& turn) {
    const std::size_t D = cfg_.dim, H = cfg_.hidden, L = cfg_.depth, R = row(), C = cfg_.cond, m = r1 - r0;
    const float B = float(cfg_.scale_bound);
    const float* z = in_[cfg_.blocks].data();
    std::vector<float> cw(m);
    for (std::size_t r = r0; r < r1; ++r) {
        cw[r - r0] = float((w ? double(w[r]) : 1.0) / wsum);
        for (std::size_t j = 0; j < D; ++j) g_[r * D + j] = cw[r - r0] * z[r * D + j];
    }
    std::vector<double> part(2 * D), tot(2 * D);
    for (std::size_t b = cfg_.blocks; b-- > 0;) {
        // un-reverse: gradient of the batch-norm output
        for (std::size_t r = r0; r < r1; ++r)
            for (std::size_t j = 0; j < D; ++j)
                gu_[r * D + j] = cfg_.reverse ? g_[r * D + D - 1 - j] : g_[r * D + j];
        if (cfg_.batchnorm) {
            std::fill(part.begin(), part.end(), 0.0);
            for (std::size_t r = r0; r < r1; ++r)
                for (std::size_t j = 0; j < D; ++j) {
                    part[j] += gu_[r * D + j];
                    part[D + j] += double(gu_[r * D + j]) * xh_[b][r * D + j];
                }
            reduce(part.data(), 2 * D, tot.data(), t, nt, turn);
            const float* lg = params_[bp_[b].lg].value.data();
            if (t == 0) {
                float* dlg = params_[bp_[b].lg].grad.data();
                float* dbeta = params_[bp_[b].beta].grad.data();
                for (std::size_t j = 0; j < D; ++j) {
                    dbeta[j] = float(tot[j]);
                    dlg[j] = float(std::exp(double(lg[j])) * tot[D + j] - 1.0);
                }
            }
            float k1[detail::max_dim_stack], m1[detail::max_dim_stack], m2[detail::max_dim_stack],
                k2[detail::max_dim_stack];
            std::vector<float> big;
            float* kk = k1;
            if (D > detail::max_dim_stack) big.resize(4 * D), kk = big.data();
            float* mm1 = D > detail::max_dim_stack ? kk + D : m1;
            float* mm2 = D > detail::max_dim_stack ? kk + 2 * D : m2;
            float* kk2 = D > detail::max_dim_stack ? kk + 3 * D : k2;
            for (std::size_t j = 0; j < D; ++j) {
                const double s = std::sqrt(bvar_[b][j]);
                kk[j] = float(std::exp(double(lg[j])) / s);
                mm1[j] = float(tot[j] / double(n));
                mm2[j] = float(tot[D + j] / double(n));
                kk2[j] = float(1.0 / (double(n) * s));
            }
            for (std::size_t r = r0; r < r1; ++r)
                for (std::size_t j = 0; j < D; ++j) {
                    const float xh = xh_[b][r * D + j];
                    gu_[r * D + j] = kk[j] * (gu_[r * D + j] - mm1[j] - xh * mm2[j]) + xh * kk2[j];
                }
        }
        // the affine transform
        for (std::size_t r = r0; r < r1; ++r) {
            const float* a = a_[b].data() + r * D;
            const float* u = u_[b].data() + r * D;
            const float* du = gu_.data() + r * D;
            float* dO = do_.data() + r * 2 * D;
            float* dx = g_.data() + r * D;
            for (std::size_t i = 0; i < D; ++i) {
                const float ea = std::exp(-a[i]);
                dO[i] = -du[i] * ea;
                dO[D + i] = (cw[r - r0] - du[i] * u[i]) * detail::bound_slope(a[i], B);
                dx[i] = du[i] * ea;
            }
        }
        // the masked layers, output to input
        auto bias_grad = [&](const float* d, std::size_t k, float* gb) {
            for (std::size_t j = 0; j < k; ++j) {
                double s = 0;
                for (std::size_t r = r0; r < r1; ++r) s += d[r * k + j];
                gb[j] = float(s);
            }
        };
        auto relu_mask = [&](float* d, const float* h) {
            for (std::size_t e = r0 * H; e < r1 * H; ++e)
                if (!(h[e] > 0)) d[e] = 0;
        };
        const auto& bpb = bp_[b];
        nn::gemm(2 * D, H, m, do_.data() + r0 * 2 * D, 1, 2 * D, h_[b][L - 1].data() + r0 * H, H, 0.0f,
                 grad_of(bpb.w[L], t), H);
        bias_grad(do_.data(), 2 * D, grad_of(bpb.b[L], t));
        float* dh = dh_[0].data();
        nn::gemm(m, H, 2 * D, do_.data() + r0 * 2 * D, 2 * D, 1, params_[bpb.w[L]].value.data(), H, 0.0f,
                 dh + r0 * H, H);
        relu_mask(dh, h_[b][L - 1].data());
        int cur = 0;
        for (std::size_t l = L - 1; l >= 1; --l) {
            float* d = dh_[cur].data();
            float* dn = dh_[1 - cur].data();
            nn::gemm(H, H, m, d + r0 * H, 1, H, h_[b][l - 1].data() + r0 * H, H, 0.0f, grad_of(bpb.w[l], t), H);
            bias_grad(d, H, grad_of(bpb.b[l], t));
            nn::gemm(m, H, H, d + r0 * H, H, 1, params_[bpb.w[l]].value.data(), H, 0.0f, dn + r0 * H, H);
            relu_mask(dn, h_[b][l - 1].data());
            cur = 1 - cur;
        }
        const float* d = dh_[cur].data();
        nn::gemm(H, D, m, d + r0 * H, 1, H, in_[b].data() + r0 * D, D, 0.0f, grad_of(bpb.w[0], t), D);
        if (C > 0) nn::gemm(H, C, m, d + r0 * H, 1, H, xc + D + r0 * R, R, 0.0f, grad_of(bpb.wc, t), C);
        bias_grad(d, H, grad_of(bpb.b[0], t));
        nn::gemm(m, D, H, d + r0 * H, H, 1, params_[bpb.w[0]].value.data(), D, 1.0f, g_.data() + r0 * D, D);
    }
}

double maf::pass(const float* xc, const float* w, std::size_t n, bool grad, nn::optimizer* opt, double lr) {
    if (params_.empty()) throw error("flow: the model is empty");
    if (n == 0) throw error("flow: an empty training batch");
    double wsum = 0;
    for (std::size_t i = 0; i < n; ++i) wsum += w ? double(w[i]) : 1.0;
    if (!(wsum > 0)) throw error("flow: the batch has no positive weight");
    reserve(n);
    refresh_transposed();
    const int nth = threads_for(n);
    if (grad && nth > 1) {
        tgrad_.resize(std::size_t(nth) - 1);
        for (auto& tg : tgrad_)
            if (tg.size() != params_.size()) {
                tg.assign(params_.size(), nn::buffer());
                for (std::size_t i = 0; i < params_.size(); ++i)
                    if (params_[i].trainable) tg[i].resize(params_[i].size());
            }
    }
    for (auto& rb : red_) rb.assign(std::size_t(nth) * 2 * cfg_.dim + std::size_t(nth), 0.0);
    const std::vector<nn::param*> ps = parameters();
    const std::size_t D = cfg_.dim;
    double loss = 0;
#pragma omp parallel num_threads(nth)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int turn = 0;
        std::size_t r0, r1;
        nn::split_range(n, t, nt, r0, r1);
        train_forward_rows(xc, r0, r1, n, t, nt, turn);
        double part = 0, tot = 0;
        for (std::size_t r = r0; r < r1; ++r)
            part += (w ? double(w[r]) : 1.0) * -(detail::log_normal(in_[cfg_.blocks].data() + r * D, D) + ld_[r]);
        reduce(&part, 1, &tot, t, nt, turn);
        tot /= wsum;
        if (t == 0) loss = tot;
        if (grad && std::isfinite(tot)) {
            train_backward_rows(xc, w, wsum, r0, r1, n, t, nt, turn);
#pragma omp barrier
            if (opt) {
#pragma omp single
                opt->begin_step(ps);
            }
            for (std::size_t i = 0; i < ps.size(); ++i) {
                if (!ps[i]->trainable) continue;
                std::size_t e0, e1;
                nn::split_range(ps[i]->size(), t, nt, e0, e1);
                float* g = ps[i]->grad.data();
                for (std::size_t q = 0; q + 1 < std::size_t(nt); ++q) {
                    const float* gq = tgrad_[q][i].data();
                    for (std::size_t e = e0; e < e1; ++e) g[e] += gq[e];
                }
                if (mask_of_[i] >= 0) {
                    const float* mk = masks_[std::size_t(mask_of_[i])].data();
                    for (std::size_t e = e0; e < e1; ++e) g[e] *= mk[e];
                }
                if (opt) opt->update(i, *ps[i], lr, e0, e1);
            }
        }
    }
    return loss;
}

double maf::train_step(const float* xc, const float* w, std::size_t n, nn::optimizer* opt, double lr) {
    return pass(xc, w, n, true, opt, lr);
}

double maf::train_loss(const float* xc, const float* w, std::size_t n) { return pass(xc, w, n, false, nullptr, 0); }

}  // namespace jetml::flow
