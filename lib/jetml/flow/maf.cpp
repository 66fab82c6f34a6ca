// SPDX-License-Identifier: MIT
// jetml/flow/maf.cpp - the conditional MAF: structure, masks, initialisation, buffers and the
// evaluation passes (transform, log_prob, inverse, sample, recompute_statistics). The training
// pass (forward with batch statistics and the hand-written backward) is in maf_train.cpp.
#include "jetml/flow/maf.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/core/threads.hpp"
#include "jetml/flow/maf_detail.hpp"
#include "jetml/nn/gemm.hpp"

namespace jetml::flow {

void maf_config::check() const {
    if (dim < 2) throw usage_error("flow: the density needs at least 2 variables (got " + std::to_string(dim) + ")");
    if (blocks < 1) throw usage_error("flow: at least one MADE block is needed");
    if (hidden < 1) throw usage_error("flow: MADE layers need at least one hidden unit");
    if (depth < 1) throw usage_error("flow: a MADE needs at least one hidden layer");
    if (!(scale_bound >= 0) || !std::isfinite(scale_bound))
        throw usage_error("flow: the log-scale bound must be finite and >= 0");
}

std::string maf_config::spec() const {
    char b[64];
    std::snprintf(b, sizeof b, "%.17g", scale_bound);
    return "maf(dim=" + std::to_string(dim) + ",cond=" + std::to_string(cond) + ",blocks=" + std::to_string(blocks) +
           ",hidden=" + std::to_string(hidden) + ",depth=" + std::to_string(depth) + ",bn=" + (batchnorm ? "1" : "0") +
           ",reverse=" + (reverse ? "1" : "0") + ",bound=" + b + ")";
}

nn::optim_config maf_defaults::optimizer() {
    nn::optim_config c;
    c.kind = nn::optim_kind::adam;
    c.lr = lr;
    c.weight_decay = weight_decay;
    return c;
}

maf::maf(const maf_config& cfg, std::uint64_t seed) : cfg_(cfg), seed_(seed) {
    cfg_.check();
    set_blas_threads(1);  // OpenBLAS single-threaded under our regions (STYLE.md)
    build();
    init(seed);
}

namespace {
// pytorch-flows' degrees: input i -> i; hidden j -> j mod (D-1); output k -> (k mod D) - 1
std::vector<float> made_mask(std::size_t out, std::size_t in, std::size_t d, int kind) {
    // kind 0: input layer, 1: hidden layer, 2: output layer
    std::vector<float> m(out * in);
    for (std::size_t o = 0; o < out; ++o)
        for (std::size_t i = 0; i < in; ++i) {
            const long din = kind == 0 ? long(i % d) : long(i % (d - 1));
            const long dout = kind == 2 ? long(o % d) - 1 : long(o % (d - 1));
            m[o * in + i] = dout >= din ? 1.0f : 0.0f;
        }
    return m;
}

// torch.nn.init.orthogonal_: QR of a Gaussian (big x small) matrix, columns made orthonormal
// (modified Gram-Schmidt in double), signs as Q * sign(diag R), transposed back when out < in.
void orthogonal(float* w, std::size_t out, std::size_t in, rng& r) {
    const bool tr = out < in;
    const std::size_t rows = tr ? in : out, cols = tr ? out : in;
    std::vector<double> a(rows * cols);
    for (auto& v : a) v = r.normal();
    for (std::size_t j = 0; j < cols; ++j) {
        for (std::size_t k = 0; k < j; ++k) {
            double dot = 0;
            for (std::size_t i = 0; i < rows; ++i) dot += a[i * cols + k] * a[i * cols + j];
            for (std::size_t i = 0; i < rows; ++i) a[i * cols + j] -= dot * a[i * cols + k];
        }
        double nrm = 0;
        for (std::size_t i = 0; i < rows; ++i) nrm += a[i * cols + j] * a[i * cols + j];
        nrm = std::sqrt(nrm);
        for (std::size_t i = 0; i < rows; ++i) a[i * cols + j] /= nrm > 0 ? nrm : 1.0;
    }
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            const float v = float(a[i * cols + j]);
            if (tr) w[j * in + i] = v;  // w (out, in) = Q^T
            else w[i * in + j] = v;
        }
}

nn::param make_param(const std::string& name, std::vector<std::size_t> shape, bool trainable) {
    nn::param p;
    p.name = name;
    p.shape = std::move(shape);
    std::size_t n = 1;
    for (auto s : p.shape) n *= s;
    p.value.resize(n);
    if (trainable) p.grad.resize(n);
    p.trainable = trainable;
    p.decay = trainable;
    return p;
}
}  // namespace

void maf::build() {
    const std::size_t D = cfg_.dim, H = cfg_.hidden, L = cfg_.depth;
    masks_.clear();
    masks_.push_back(made_mask(H, D, D, 0));
    for (std::size_t l = 1; l < L; ++l) masks_.push_back(made_mask(H, H, D, 1));
    masks_.push_back(made_mask(2 * D, H, D, 2));
    params_.clear();
    bp_.assign(cfg_.blocks, block_params());
    for (std::size_t b = 0; b < cfg_.blocks; ++b) {
        const std::string pre = "made." + std::to_string(b) + ".";
        for (std::size_t l = 0; l <= L; ++l) {
            const std::size_t out = l == L ? 2 * D : H, in = l == 0 ? D : H;
            bp_[b].w.push_back(params_.size());
            params_.push_back(make_param(pre + std::to_string(l) + ".weight", {out, in}, true));
            bp_[b].b.push_back(params_.size());
            params_.push_back(make_param(pre + std::to_string(l) + ".bias", {out}, true));
            if (l == 0 && cfg_.cond > 0) {
                bp_[b].wc = params_.size();
                params_.push_back(make_param(pre + "0.cond_weight", {H, cfg_.cond}, true));
            }
        }
        if (cfg_.batchnorm) {
            const std::string bn = "bn." + std::to_string(b) + ".";
            bp_[b].lg = params_.size();
            params_.push_back(make_param(bn + "log_gamma", {D}, true));
            bp_[b].beta = params_.size();
            params_.push_back(make_param(bn + "beta", {D}, true));
            bp_[b].rmean = params_.size();
            params_.push_back(make_param(bn + "running_mean", {D}, false));
            bp_[b].rvar = params_.size();
            params_.push_back(make_param(bn + "running_var", {D}, false));
            params_[bp_[b].rvar].value.fill(1.0f);
        }
    }
    mask_of_.assign(params_.size(), -1);
    for (const auto& b : bp_)
        for (std::size_t l = 0; l <= L; ++l) mask_of_[b.w[l]] = int(l);
    wt_.assign(params_.size(), {});
    wct_.assign(cfg_.blocks, {});
    reserved_ = 0;
}

void maf::init(std::uint64_t seed) {
    std::uint64_t s = seed ^ 0x6D61660000000000ull;  // "maf"
    const std::uint64_t base = splitmix64(s);
    for (std::size_t b = 0; b < cfg_.blocks; ++b) {
        for (std::size_t l = 0; l <= cfg_.depth; ++l) {
            nn::param& w = params_[bp_[b].w[l]];
            rng r(base, bp_[b].w[l]);
            orthogonal(w.value.data(), w.shape[0], w.shape[1], r);
            const auto& m = masks_[l];
            for (std::size_t e = 0; e < w.size(); ++e) w.value[e] *= m[e];
        }
        if (cfg_.cond > 0) {
            nn::param& w = params_[bp_[b].wc];
            rng r(base, bp_[b].wc);
            orthogonal(w.value.data(), w.shape[0], w.shape[1], r);
        }
    }
}

std::vector<nn::param*> maf::parameters() {
    std::vector<nn::param*> v;
    for (auto& p : params_) v.push_back(&p);
    return v;
}

std::vector<const nn::param*> maf::parameters() const {
    std::vector<const nn::param*> v;
    for (const auto& p : params_) v.push_back(&p);
    return v;
}

nn::param& maf::parameter(const std::string& name) {
    for (auto& p : params_)
        if (p.name == name) return p;
    throw error("flow: no parameter named '" + name + "'");
}

const nn::param& maf::parameter(const std::string& name) const {
    for (const auto& p : params_)
        if (p.name == name) return p;
    throw error("flow: no parameter named '" + name + "'");
}

std::size_t maf::trainable_count() const {
    std::size_t n = 0;
    for (const auto& p : params_) n += p.trainable ? p.size() : 0;
    return n;
}

void maf::reserve(std::size_t n) {
    if (n <= reserved_) return;
    const std::size_t D = cfg_.dim, H = cfg_.hidden, K = cfg_.blocks;
    in_.assign(K + 1, nn::buffer());
    for (auto& b : in_) b.resize(n * D);
    h_.assign(K, std::vector<nn::buffer>(cfg_.depth));
    for (auto& bl : h_)
        for (auto& b : bl) b.resize(n * H);
    o_.assign(K, nn::buffer(n * 2 * D));
    a_.assign(K, nn::buffer(n * D));
    u_.assign(K, nn::buffer(n * D));
    xh_.assign(K, nn::buffer(cfg_.batchnorm ? n * D : 0));
    ld_.assign(n, 0.0);
    bmean_.assign(K, std::vector<double>(D));
    bvar_.assign(K, std::vector<double>(D));
    g_.resize(n * D);
    gu_.resize(n * D);
    do_.resize(n * 2 * D);
    dh_[0].resize(n * H);
    dh_[1].resize(n * H);
    reserved_ = n;
}

void maf::refresh_transposed() {
    for (std::size_t b = 0; b < cfg_.blocks; ++b) {
        for (std::size_t l = 0; l <= cfg_.depth; ++l) {
            const nn::param& w = params_[bp_[b].w[l]];
            detail::transpose(w.value.data(), w.shape[0], w.shape[1], wt_[bp_[b].w[l]]);
        }
        if (cfg_.cond > 0) {
            const nn::param& w = params_[bp_[b].wc];
            detail::transpose(w.value.data(), w.shape[0], w.shape[1], wct_[b]);
        }
    }
}

// The MADE network of block b on rows [r0, r1): hidden layers into h_[b], raw outputs into o_[b].
void maf::made_net_rows(std::size_t b, const float* x, std::size_t ldx, const float* c, std::size_t ldc,
                        std::size_t r0, std::size_t r1) {
    const std::size_t D = cfg_.dim, H = cfg_.hidden, L = cfg_.depth, m = r1 - r0;
    if (m == 0) return;
    float* h0 = h_[b][0].data() + r0 * H;
    const float* b0 = params_[bp_[b].b[0]].value.data();
    if (cfg_.cond > 0) {
        nn::gemm(m, H, cfg_.cond, c + r0 * ldc, ldc, 1, wct_[b].data(), H, 0.0f, h0, H);
        nn::gemm_bias(m, H, D, x + r0 * ldx, ldx, 1, wt_[bp_[b].w[0]].data(), H, 1.0f, b0, h0, H, true);
    } else {
        nn::gemm_bias(m, H, D, x + r0 * ldx, ldx, 1, wt_[bp_[b].w[0]].data(), H, 0.0f, b0, h0, H, true);
    }
    for (std::size_t l = 1; l < L; ++l)
        nn::gemm_bias(m, H, H, h_[b][l - 1].data() + r0 * H, H, 1, wt_[bp_[b].w[l]].data(), H, 0.0f,
                      params_[bp_[b].b[l]].value.data(), h_[b][l].data() + r0 * H, H, true);
    nn::gemm_bias(m, 2 * D, H, h_[b][L - 1].data() + r0 * H, H, 1, wt_[bp_[b].w[L]].data(), 2 * D, 0.0f,
                  params_[bp_[b].b[L]].value.data(), o_[b].data() + r0 * 2 * D, 2 * D, false);
}

// MADE of block b and its affine transform: a_[b], u_[b] rows and ld_ -= sum a.
void maf::made_rows(std::size_t b, const float* x, std::size_t ldx, const float* c, std::size_t ldc,
                    std::size_t r0, std::size_t r1) {
    made_net_rows(b, x, ldx, c, ldc, r0, r1);
    const std::size_t D = cfg_.dim;
    const float B = float(cfg_.scale_bound);
    for (std::size_t r = r0; r < r1; ++r) {
        const float* o = o_[b].data() + r * 2 * D;
        float* a = a_[b].data() + r * D;
        float* u = u_[b].data() + r * D;
        double s = 0;
        for (std::size_t i = 0; i < D; ++i) {
            a[i] = detail::bound(o[D + i], B);
            u[i] = (x[r * ldx + i] - o[i]) * std::exp(-a[i]);
            s += a[i];
        }
        ld_[r] -= s;
    }
}

// Batch norm (with the given statistics) and reverse of block b on rows [r0, r1): u_[b] -> in_[b+1].
void maf::bn_reverse_rows(std::size_t b, const double* mean, const double* var, std::size_t r0, std::size_t r1) {
    const std::size_t D = cfg_.dim;
    std::vector<float> mu(D), is(D), g(D), be(D);
    double ldc = 0;
    if (cfg_.batchnorm) {
        const float* lg = params_[bp_[b].lg].value.data();
        const float* bt = params_[bp_[b].beta].value.data();
        for (std::size_t j = 0; j < D; ++j) {
            mu[j] = float(mean[j]);
            is[j] = float(1.0 / std::sqrt(var[j]));
            g[j] = std::exp(lg[j]);
            be[j] = bt[j];
            ldc += double(lg[j]) - 0.5 * std::log(var[j]);
        }
    }
    for (std::size_t r = r0; r < r1; ++r) {
        const float* u = u_[b].data() + r * D;
        float* y = in_[b + 1].data() + r * D;
        float tmp[detail::max_dim_stack];
        float* t = D <= detail::max_dim_stack ? tmp : y;  // y is only an alias when no reverse
        if (cfg_.batchnorm) {
            float* xh = xh_[b].data() + r * D;
            for (std::size_t j = 0; j < D; ++j) {
                xh[j] = (u[j] - mu[j]) * is[j];
                t[j] = g[j] * xh[j] + be[j];
            }
            ld_[r] += ldc;
        } else {
            for (std::size_t j = 0; j < D; ++j) t[j] = u[j];
        }
        if (t != y) {
            for (std::size_t j = 0; j < D; ++j) y[j] = cfg_.reverse ? t[D - 1 - j] : t[j];
        } else if (cfg_.reverse) {
            std::reverse(y, y + D);
        }
    }
}

void maf::eval_stats() {
    emean_.assign(cfg_.blocks, std::vector<double>(cfg_.dim, 0.0));
    evar_.assign(cfg_.blocks, std::vector<double>(cfg_.dim, 1.0));
    if (!cfg_.batchnorm) return;
    for (std::size_t b = 0; b < cfg_.blocks; ++b)
        for (std::size_t j = 0; j < cfg_.dim; ++j) {
            emean_[b][j] = params_[bp_[b].rmean].value[j];
            evar_[b][j] = params_[bp_[b].rvar].value[j];
        }
}

int maf::threads_for(std::size_t n) const {
    if (omp_in_parallel()) return 1;
    return int(std::max<std::size_t>(1, std::min<std::size_t>(std::size_t(max_threads()), n / 16)));
}

void maf::transform(const float* xc, std::size_t n, float* z, double* ld) {
    if (params_.empty()) throw error("flow: the model is empty");
    const std::size_t D = cfg_.dim, R = row(), chunk = 1024;
    reserve(std::min(n, chunk));
    refresh_transposed();
    eval_stats();
    for (std::size_t s = 0; s < n; s += chunk) {
        const std::size_t m = std::min(chunk, n - s);
        const float* xs = xc + s * R;
        const int nth = threads_for(m);
#pragma omp parallel num_threads(nth)
        {
            std::size_t r0, r1;
            nn::split_range(m, omp_get_thread_num(), omp_get_num_threads(), r0, r1);
            for (std::size_t r = r0; r < r1; ++r) {
                std::memcpy(in_[0].data() + r * D, xs + r * R, D * sizeof(float));
                ld_[r] = 0;
            }
            for (std::size_t b = 0; b < cfg_.blocks; ++b) {
                made_rows(b, in_[b].data(), D, xs + D, R, r0, r1);
                bn_reverse_rows(b, emean_[b].data(), evar_[b].data(), r0, r1);
            }
            for (std::size_t r = r0; r < r1; ++r) {
                if (z) std::memcpy(z + (s + r) * D, in_[cfg_.blocks].data() + r * D, D * sizeof(float));
                if (ld) ld[s + r] = ld_[r];
            }
        }
    }
}

void maf::log_prob(const float* xc, std::size_t n, double* out) {
    const std::size_t D = cfg_.dim;
    std::vector<float> z(n * D);
    transform(xc, n, z.data(), out);
    for (std::size_t i = 0; i < n; ++i) out[i] += detail::log_normal(z.data() + i * D, D);
}

}  // namespace jetml::flow
