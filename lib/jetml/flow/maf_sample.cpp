// SPDX-License-Identifier: MIT
// jetml/flow/maf_sample.cpp - the MAF's inverse pass and sampling (D sequential MADE evaluations
// per block), and the end-of-epoch recomputation of the batch-norm statistics.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/flow/maf.hpp"
#include "jetml/flow/maf_detail.hpp"

namespace jetml::flow {

void maf::inverse(const float* z, const float* c, std::size_t n, float* x) {
    if (params_.empty()) throw error("flow: the model is empty");
    if (cfg_.cond > 0 && !c && n > 0) throw error("flow: sampling a conditional flow needs its conditions");
    const std::size_t D = cfg_.dim, C = cfg_.cond, K = cfg_.blocks, chunk = 1024;
    const float B = float(cfg_.scale_bound);
    reserve(std::min(n, chunk));
    refresh_transposed();
    eval_stats();
    for (std::size_t s = 0; s < n; s += chunk) {
        const std::size_t m = std::min(chunk, n - s);
        const float* cs = C > 0 ? c + s * C : nullptr;
        const int nth = threads_for(m);
#pragma omp parallel num_threads(nth)
        {
            std::size_t r0, r1;
            nn::split_range(m, omp_get_thread_num(), omp_get_num_threads(), r0, r1);
            std::memcpy(in_[K].data() + r0 * D, z + (s + r0) * D, (r1 - r0) * D * sizeof(float));
            for (std::size_t b = K; b-- > 0;) {
                // undo the reverse and the batch norm: block output in_[b+1] -> MADE output u_[b]
                const float* lg = cfg_.batchnorm ? params_[bp_[b].lg].value.data() : nullptr;
                const float* bt = cfg_.batchnorm ? params_[bp_[b].beta].value.data() : nullptr;
                for (std::size_t r = r0; r < r1; ++r) {
                    const float* y = in_[b + 1].data() + r * D;
                    float* u = u_[b].data() + r * D;
                    for (std::size_t j = 0; j < D; ++j) {
                        const float t = cfg_.reverse ? y[D - 1 - j] : y[j];
                        u[j] = cfg_.batchnorm ? float((double(t) - bt[j]) * std::exp(-double(lg[j])) *
                                                          std::sqrt(evar_[b][j]) + emean_[b][j])
                                              : t;
                    }
                }
                // invert the MADE one variable at a time: x_i = u_i e^{a_i} + m_i, a and m from x_<i
                std::fill(in_[b].data() + r0 * D, in_[b].data() + r1 * D, 0.0f);
                for (std::size_t i = 0; i < D; ++i) {
                    made_net_rows(b, in_[b].data(), D, cs, C, r0, r1);
                    for (std::size_t r = r0; r < r1; ++r) {
                        const float* o = o_[b].data() + r * 2 * D;
                        in_[b][r * D + i] = u_[b][r * D + i] * std::exp(detail::bound(o[D + i], B)) + o[i];
                    }
                }
            }
            std::memcpy(x + (s + r0) * D, in_[0].data() + r0 * D, (r1 - r0) * D * sizeof(float));
        }
    }
}

void maf::sample(const float* c, std::size_t n, std::uint64_t seed, float* x, std::uint64_t first) {
    const std::size_t D = cfg_.dim;
    std::vector<float> z(n * D);
    for (std::size_t i = 0; i < n; ++i) {
        rng r(seed, first + i);
        for (std::size_t j = 0; j < D; ++j) z[i * D + j] = float(r.normal());
    }
    inverse(z.data(), c, n, x);
}

void maf::recompute_statistics(const float* xc, std::size_t n, std::size_t chunk) {
    if (!cfg_.batchnorm || n == 0) return;
    if (chunk == 0) chunk = 4096;
    const std::size_t D = cfg_.dim, R = row();
    std::vector<float> cur(n * D), u(n * D);
    for (std::size_t i = 0; i < n; ++i) std::memcpy(cur.data() + i * D, xc + i * R, D * sizeof(float));
    reserve(std::min(n, chunk));
    refresh_transposed();
    for (std::size_t b = 0; b < cfg_.blocks; ++b) {
        for (std::size_t s = 0; s < n; s += chunk) {
            const std::size_t m = std::min(chunk, n - s);
            const int nth = threads_for(m);
#pragma omp parallel num_threads(nth)
            {
                std::size_t r0, r1;
                nn::split_range(m, omp_get_thread_num(), omp_get_num_threads(), r0, r1);
                for (std::size_t r = r0; r < r1; ++r) ld_[r] = 0;
                made_rows(b, cur.data() + s * D, D, xc + s * R + D, R, r0, r1);
                std::memcpy(u.data() + (s + r0) * D, u_[b].data() + r0 * D, (r1 - r0) * D * sizeof(float));
            }
        }
        // statistics in row order (double), two passes
        std::vector<double> mean(D, 0.0), var(D, 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < D; ++j) mean[j] += u[i * D + j];
        for (auto& v : mean) v /= double(n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < D; ++j) {
                const double d = u[i * D + j] - mean[j];
                var[j] += d * d;
            }
        float* rm = params_[bp_[b].rmean].value.data();
        float* rv = params_[bp_[b].rvar].value.data();
        const float* lg = params_[bp_[b].lg].value.data();
        const float* bt = params_[bp_[b].beta].value.data();
        for (std::size_t j = 0; j < D; ++j) {
            rm[j] = float(mean[j]);
            rv[j] = float(var[j] / double(n) + 1e-5);
        }
        // the next block's input, with the stored (float) statistics as evaluation uses them
        for (std::size_t i = 0; i < n; ++i) {
            float t[detail::max_dim_stack];
            std::vector<float> big;
            float* tp = t;
            if (D > detail::max_dim_stack) big.resize(D), tp = big.data();
            for (std::size_t j = 0; j < D; ++j)
                tp[j] = float(std::exp(double(lg[j])) * (double(u[i * D + j]) - rm[j]) / std::sqrt(double(rv[j])) + bt[j]);
            for (std::size_t j = 0; j < D; ++j) cur[i * D + j] = cfg_.reverse ? tp[D - 1 - j] : tp[j];
        }
    }
}

}  // namespace jetml::flow
