// SPDX-License-Identifier: MIT
// jetml/nn/layers.cpp - the layers: dense, conv2d, max/avg pooling, flatten, dropout, batch
// normalisation, maxout and the activations, plus the factory that makes them from tokens.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "jetml/core/error.hpp"
#include "jetml/nn/gemm.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/nn/layer.hpp"
#include "jetml/nn/layer_args.hpp"

namespace jetml::nn {

param& layer::add_param(const std::string& name, std::vector<std::size_t> shape, bool decay,
                        bool trainable) {
    param p;
    p.name = name;
    // a bound on one array (1 GiB of float32, as much again for its gradient) keeps a huge
    // architecture (or a forged model file) a clear error instead of an overflow or an
    // allocation of many gigabytes
    constexpr std::size_t max_values = std::size_t(1) << 28;
    std::size_t n = 1;
    bool too_big = false;
    for (auto d : shape) {
        too_big = too_big || (d != 0 && n > max_values / d);
        if (!too_big) n *= d;
    }
    if (too_big || n > max_values) {
        std::string dims;
        for (auto d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
        throw usage_error("parameter '" + name + "' of shape (" + dims + ") has more than " +
                          std::to_string(max_values) + " values, the most a layer may have");
    }
    p.shape = std::move(shape);
    p.value.resize(n);
    p.grad.resize(n);
    p.decay = decay;
    p.trainable = trainable;
    params_.push_back(std::move(p));
    return params_.back();
}

namespace {

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

// Threshold (elements) above which elementwise loops use the OpenMP team. On a combined
// "parallel for simd" the if clause must name "parallel:": a plain if() also applies to the
// simd part (OpenMP 5) and below the threshold left GCC's scalar, branchy loop.
constexpr std::size_t par_elems = 1 << 16;

// Initial weights and biases: uniform in +-1/sqrt(fan_in), PyTorch's default for Linear and
// Conv2d (kaiming_uniform with a = sqrt(5), and its bias rule), so that a jetml model and the
// same architecture in PyTorch start alike. He's sqrt(6/fan_in) was the earlier choice; on raw
// GeV jet images (no standardisation) it trained more slowly and ended 0.002-0.003 lower in AUC
// than PyTorch on wtag-dev, while this rule matched it (test/study/wtag-vs-pytorch.sh).
void fan_in_uniform(buffer& w, std::size_t fan_in, rng& r) {
    const double bound = 1.0 / std::sqrt(double(std::max<std::size_t>(fan_in, 1)));
    for (auto& v : w) v = float(r.uniform(-bound, bound));
}

// Max-pool backward of one 2x2 window over C channels (window rows `row` floats apart, x0 at
// the top left): the general rule of pool_layer::backward (gradient to the first maximum in
// row-major order, dx = hit * dy) with AVX-512 compare masks, the same float results.
__attribute__((target("avx512f"))) void maxpool2_backward_avx512(const float* x0, std::size_t row,
                                                                 std::size_t C, const float* y,
                                                                 const float* g, float* dx0) {
    const float *x1 = x0 + C, *x2 = x0 + row, *x3 = x2 + C;
    float *d1 = dx0 + C, *d2 = dx0 + row, *d3 = d2 + C;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (std::size_t c = 0; c < C; c += 16) {
        const __mmask16 m = C - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (C - c)) - 1);
        const __m512 yv = _mm512_maskz_loadu_ps(m, y + c), gv = _mm512_maskz_loadu_ps(m, g + c);
        const __mmask16 h0 = _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(m, x0 + c), yv, _CMP_EQ_OQ);
        const __mmask16 h1 = _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(m, x1 + c), yv, _CMP_EQ_OQ) & ~h0;
        const __mmask16 h2 =
            _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(m, x2 + c), yv, _CMP_EQ_OQ) & ~(h0 | h1);
        const __mmask16 h3 =
            _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(m, x3 + c), yv, _CMP_EQ_OQ) & ~(h0 | h1 | h2);
        _mm512_mask_storeu_ps(dx0 + c, m, _mm512_mul_ps(_mm512_maskz_mov_ps(h0, one), gv));
        _mm512_mask_storeu_ps(d1 + c, m, _mm512_mul_ps(_mm512_maskz_mov_ps(h1, one), gv));
        _mm512_mask_storeu_ps(d2 + c, m, _mm512_mul_ps(_mm512_maskz_mov_ps(h2, one), gv));
        _mm512_mask_storeu_ps(d3 + c, m, _mm512_mul_ps(_mm512_maskz_mov_ps(h3, one), gv));
    }
}

//---------------------------------------------------------------------------------------- dense
class dense_layer final : public layer {
public:
    explicit dense_layer(std::size_t units) : units_(units) {}
    std::string spec() const override { return "dense(" + std::to_string(units_) + ")"; }
    tshape build(const tshape& in) override {
        in_ = in;
        params_.clear();
        add_param("weight", {units_, in.size()}, true);
        add_param("bias", {units_}, false);
        return out_ = tshape::vec(units_);
    }
    void init(rng& r) override {
        fan_in_uniform(params_[0].value, in_.size(), r);
        fan_in_uniform(params_[1].value, in_.size(), r);
    }
    bool begin_inference(const layer* next) override {
        dense_prepare(in_.size(), units_, params_[0].value.data(), wt_);
        frozen_ = true;
        relu_ = next && next->spec() == "relu";
        return relu_;
    }
    void end_inference() override { frozen_ = relu_ = false; }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        const bool inf = frozen_ && !train;
        dense_forward(n, in_.size(), units_, x, params_[0].value.data(), params_[1].value.data(), y,
                      inf && wt_.size() ? wt_.data() : nullptr, inf && relu_);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        dense_backward(n, in_.size(), units_, x, params_[0].value.data(), dy, dx,
                       params_[0].grad.data(), params_[1].grad.data());
    }
    double flops() const override { return double(in_.size()) * units_; }

private:
    std::size_t units_;
    buffer wt_;  // transposed weights, between begin_inference and end_inference
    bool frozen_ = false, relu_ = false;
};

//--------------------------------------------------------------------------------------- conv2d
class conv_layer final : public layer {
public:
    conv_layer(std::size_t filters, std::size_t k, std::size_t stride, bool same)
        : filters_(filters), k_(k), stride_(stride), same_(same) {}
    std::string spec() const override {
        return "conv(" + std::to_string(filters_) + "," + std::to_string(k_) + "," +
               std::to_string(stride_) + "," + (same_ ? "same" : "valid") + ")";
    }
    tshape build(const tshape& in) override {
        if (!in.spatial)
            throw usage_error("conv needs an image input (C, H, W), got " + in.str());
        in_ = in;
        p_ = conv_params{};
        p_.h = in.h, p_.w = in.w, p_.cin = in.c, p_.kh = p_.kw = k_, p_.cout = filters_;
        p_.stride = stride_;
        try {
            conv_geometry(p_, same_);
        } catch (const error& e) {
            throw usage_error(std::string(e.what()));
        }
        params_.clear();
        add_param("weight", {filters_, k_, k_, in.c}, true);
        add_param("bias", {filters_}, false);
        return out_ = tshape::image(filters_, p_.oh, p_.ow);
    }
    void init(rng& r) override {
        fan_in_uniform(params_[0].value, p_.k(), r);
        fan_in_uniform(params_[1].value, p_.k(), r);
    }
    bool begin_inference(const layer* next) override {
        relu_ = next && next->spec() == "relu";
        return relu_;
    }
    void end_inference() override { relu_ = false; }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        p_.n = n;
        conv2d_forward(p_, x, params_[0].value.data(), params_[1].value.data(), y, ws_, relu_ && !train);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        p_.n = n;
        conv2d_backward(p_, x, params_[0].value.data(), dy, dx, params_[0].grad.data(),
                        params_[1].grad.data(), ws_);
    }
    double flops() const override { return double(p_.oh * p_.ow * p_.cout) * p_.k(); }

private:
    std::size_t filters_, k_, stride_;
    bool same_;
    bool relu_ = false;  // applies a following ReLU, between begin_inference and end_inference
    conv_params p_;
    conv_workspace ws_;
};

//-------------------------------------------------------------------------------------- pooling
class pool_layer final : public layer {
public:
    pool_layer(bool is_max, std::size_t k, std::size_t stride) : max_(is_max), k_(k), stride_(stride) {}
    std::string spec() const override {
        return std::string(max_ ? "maxpool(" : "avgpool(") + std::to_string(k_) + "," +
               std::to_string(stride_) + ")";
    }
    tshape build(const tshape& in) override {
        if (!in.spatial)
            throw usage_error(std::string(max_ ? "maxpool" : "avgpool") +
                              " needs an image input (C, H, W), got " + in.str());
        if (in.h < k_ || in.w < k_)
            throw usage_error("pooling window " + std::to_string(k_) + " larger than its input " +
                              in.str());
        in_ = in;
        oh_ = (in.h - k_) / stride_ + 1;  // floor, as PyTorch's MaxPool2d/AvgPool2d default
        ow_ = (in.w - k_) / stride_ + 1;
        return out_ = tshape::image(in.c, oh_, ow_);
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        const std::size_t C = in_.c, W = in_.w;
        const float inv = 1.0f / float(k_ * k_);
#pragma omp parallel for schedule(static) if (n * out_.size() * k_ * k_ > par_elems && !omp_in_parallel())
        for (std::size_t s = 0; s < n; ++s) {
            const float* xs = x + s * in_.size();
            float* ys = y + s * out_.size();
            for (std::size_t oy = 0; oy < oh_; ++oy)
                for (std::size_t ox = 0; ox < ow_; ++ox) {
                    float* yo = ys + (oy * ow_ + ox) * C;
                    const float* x0 = xs + (oy * stride_ * W + ox * stride_) * C;
                    if (max_ && k_ == 2) {  // the common 2x2 window in one pass, same order
                        const float *x1 = x0 + C, *x2 = x0 + W * C, *x3 = x2 + C;
#pragma omp simd  // y never overlaps x
                        for (std::size_t c = 0; c < C; ++c)
                            yo[c] = std::max(std::max(std::max(x0[c], x1[c]), x2[c]), x3[c]);
                        continue;
                    }
                    for (std::size_t c = 0; c < C; ++c) yo[c] = max_ ? x0[c] : 0.0f;
                    for (std::size_t ky = 0; ky < k_; ++ky)
                        for (std::size_t kx = 0; kx < k_; ++kx) {
                            const float* xi = x0 + (ky * W + kx) * C;
                            if (max_)
                                for (std::size_t c = 0; c < C; ++c) yo[c] = std::max(yo[c], xi[c]);
                            else
                                for (std::size_t c = 0; c < C; ++c) yo[c] += xi[c];
                        }
                    if (!max_)
                        for (std::size_t c = 0; c < C; ++c) yo[c] *= inv;
                }
        }
    }
    void backward(const float* x, const float* y, const float* dy, float* dx, std::size_t n) override {
        if (!dx) return;
        const std::size_t C = in_.c, W = in_.w, H = in_.h;
        const float inv = 1.0f / float(k_ * k_);
        // Windows that do not overlap (stride >= k) write each input gradient once, so dx is
        // stored directly instead of zeroed and accumulated; only the pixels no window covers
        // are zeroed. Overlapping windows accumulate into a zeroed dx.
        const bool disjoint = stride_ >= k_;
        const bool avx512 = gemm_uses_avx512();
#pragma omp parallel for schedule(static) if (n * out_.size() * k_ * k_ > par_elems && !omp_in_parallel())
        for (std::size_t s = 0; s < n; ++s) {
            const float* xs = x + s * in_.size();
            float* dxs = dx + s * in_.size();
            if (!disjoint) {
                std::fill(dxs, dxs + in_.size(), 0.0f);
            } else {
                for (std::size_t iy = 0; iy < H; ++iy) {
                    const bool row_covered = iy < oh_ * stride_ && iy % stride_ < k_;
                    for (std::size_t ix = 0; ix < W; ++ix)
                        if (!row_covered || ix >= ow_ * stride_ || ix % stride_ >= k_) {
                            float* z = dxs + (iy * W + ix) * C;  // a plain loop: C is short
                            for (std::size_t c = 0; c < C; ++c) z[c] = 0.0f;
                        }
                }
            }
            for (std::size_t oy = 0; oy < oh_; ++oy)
                for (std::size_t ox = 0; ox < ow_; ++ox) {
                    const std::size_t o = s * out_.size() + (oy * ow_ + ox) * C;
                    const std::size_t base = (oy * stride_ * W + ox * stride_) * C;
                    const float* yo = y + o;
                    const float* go = dy + o;
                    if (max_ && disjoint && k_ == 2 && avx512) {
                        maxpool2_backward_avx512(xs + base, W * C, C, yo, go, dxs + base);
                    } else if (max_) {
                        // The gradient goes to the first maximum of each window (row-major), as
                        // a branch-free select across the contiguous channels (in chunks of 64,
                        // so the flags live on the stack: no allocation in the training loop).
                        for (std::size_t c0 = 0; c0 < C; c0 += 64) {
                            const std::size_t cn = std::min<std::size_t>(64, C - c0);
                            float taken[64];
                            for (std::size_t c = 0; c < cn; ++c) taken[c] = 0.0f;
                            for (std::size_t ky = 0; ky < k_; ++ky)
                                for (std::size_t kx = 0; kx < k_; ++kx) {
                                    const float* xi = xs + base + (ky * W + kx) * C + c0;
                                    float* di = dxs + base + (ky * W + kx) * C + c0;
                                    if (disjoint)
                                        for (std::size_t c = 0; c < cn; ++c) {
                                            const float hit =
                                                (xi[c] == yo[c0 + c] ? 1.0f : 0.0f) * (1.0f - taken[c]);
                                            di[c] = hit * go[c0 + c];
                                            taken[c] += hit;
                                        }
                                    else
                                        for (std::size_t c = 0; c < cn; ++c) {
                                            const float hit =
                                                (xi[c] == yo[c0 + c] ? 1.0f : 0.0f) * (1.0f - taken[c]);
                                            di[c] += hit * go[c0 + c];
                                            taken[c] += hit;
                                        }
                                }
                        }
                    } else {
                        for (std::size_t ky = 0; ky < k_; ++ky)
                            for (std::size_t kx = 0; kx < k_; ++kx) {
                                float* di = dxs + base + (ky * W + kx) * C;
                                if (disjoint)
                                    for (std::size_t c = 0; c < C; ++c) di[c] = go[c] * inv;
                                else
                                    for (std::size_t c = 0; c < C; ++c) di[c] += go[c] * inv;
                            }
                    }
                }
        }
    }

private:
    bool max_;
    std::size_t k_, stride_, oh_ = 0, ow_ = 0;
};

//-------------------------------------------------------------------------------------- flatten
class flatten_layer final : public layer {
public:
    std::string spec() const override { return "flatten"; }
    tshape build(const tshape& in) override {
        in_ = in;
        return out_ = tshape::vec(in.size());
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        std::memcpy(y, x, n * in_.size() * sizeof(float));
    }
    void backward(const float*, const float*, const float* dy, float* dx, std::size_t n) override {
        if (dx) std::memcpy(dx, dy, n * in_.size() * sizeof(float));
    }
    bool copies_in_inference() const override { return true; }
};

//-------------------------------------------------------------------------------------- dropout
class dropout_layer final : public layer {
public:
    explicit dropout_layer(double p) : p_(p) {}
    std::string spec() const override { return "dropout(" + fmt(p_) + ")"; }
    tshape build(const tshape& in) override {
        in_ = in;
        return out_ = in;
    }
    void reserve(std::size_t n) override { mask_.resize(n * in_.size()); }
    void set_step(std::uint64_t seed, std::uint64_t step) override { seed_ = seed, step_ = step; }
    void set_first_sample(std::size_t first) override { first_ = first; }
    bool copies_in_inference() const override { return true; }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        const std::size_t m = n * in_.size();
        if (!train || p_ <= 0.0) {
            std::memcpy(y, x, m * sizeof(float));
            trained_ = false;
            return;
        }
        if (mask_.size() < m) mask_.resize(m);
        const float scale = float(1.0 / (1.0 - p_));
        // One stream per (seed, step, sample in the batch): the masks depend on those only, not
        // on threads or on how the batch is split.
        std::uint64_t k = seed_ ^ (step_ * 0x9E3779B97F4A7C15ull);
        const std::uint64_t key = splitmix64(k);
        const std::size_t d = in_.size();
        for (std::size_t s = 0; s < n; ++s) {
            rng r(key, first_ + s);
            for (std::size_t i = s * d; i < (s + 1) * d; ++i) {
                mask_[i] = r.uniform() >= p_ ? scale : 0.0f;
                y[i] = x[i] * mask_[i];
            }
        }
        trained_ = true;
    }
    void backward(const float*, const float*, const float* dy, float* dx, std::size_t n) override {
        if (!dx) return;
        const std::size_t m = n * in_.size();
        if (!trained_) {
            std::memcpy(dx, dy, m * sizeof(float));
            return;
        }
        for (std::size_t i = 0; i < m; ++i) dx[i] = dy[i] * mask_[i];
    }

private:
    double p_;
    buffer mask_;
    std::uint64_t seed_ = 1, step_ = 0;
    std::size_t first_ = 0;
    bool trained_ = false;
};

//----------------------------------------------------------------------------------- batchnorm
class batchnorm_layer final : public layer {
public:
    batchnorm_layer(double momentum, double eps) : momentum_(momentum), eps_(eps) {}
    std::string spec() const override { return "batchnorm(" + fmt(momentum_) + "," + fmt(eps_) + ")"; }
    bool batch_independent() const override { return false; }
    tshape build(const tshape& in) override {
        in_ = in;
        C_ = in.spatial ? in.c : in.size();
        params_.clear();
        add_param("gamma", {C_}, false);
        add_param("beta", {C_}, false);
        add_param("running_mean", {C_}, false, false);
        add_param("running_var", {C_}, false, false);
        mean_.resize(C_);
        invstd_.resize(C_);
        return out_ = in;
    }
    void init(rng&) override {
        params_[0].value.fill(1.0f);
        params_[1].value.fill(0.0f);
        params_[2].value.fill(0.0f);
        params_[3].value.fill(1.0f);
    }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        const std::size_t m = n * in_.size() / C_;  // rows of C_ values
        const float* g = params_[0].value.data();
        const float* b = params_[1].value.data();
        float* rm = params_[2].value.data();
        float* rv = params_[3].value.data();
        if (train) {
            std::vector<double> s(C_, 0.0), s2(C_, 0.0);
            for (std::size_t r = 0; r < m; ++r)
                for (std::size_t c = 0; c < C_; ++c) s[c] += x[r * C_ + c];
            for (std::size_t c = 0; c < C_; ++c) s[c] /= double(m);
            for (std::size_t r = 0; r < m; ++r)
                for (std::size_t c = 0; c < C_; ++c) {
                    double d = x[r * C_ + c] - s[c];
                    s2[c] += d * d;
                }
            for (std::size_t c = 0; c < C_; ++c) {
                double var = s2[c] / double(m);
                mean_[c] = float(s[c]);
                invstd_[c] = float(1.0 / std::sqrt(var + eps_));
                // Running statistics as PyTorch keeps them (unbiased variance).
                double unbiased = m > 1 ? var * double(m) / double(m - 1) : var;
                rm[c] = float((1.0 - momentum_) * rm[c] + momentum_ * s[c]);
                rv[c] = float((1.0 - momentum_) * rv[c] + momentum_ * unbiased);
            }
        } else {
            for (std::size_t c = 0; c < C_; ++c) {
                mean_[c] = rm[c];
                invstd_[c] = float(1.0 / std::sqrt(double(rv[c]) + eps_));
            }
        }
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t c = 0; c < C_; ++c)
                y[r * C_ + c] = g[c] * (x[r * C_ + c] - mean_[c]) * invstd_[c] + b[c];
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        const std::size_t m = n * in_.size() / C_;
        const float* g = params_[0].value.data();
        float* dg = params_[0].grad.data();
        float* dbeta = params_[1].grad.data();
        std::vector<double> sdy(C_, 0.0), sdyx(C_, 0.0);
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t c = 0; c < C_; ++c) {
                double xh = (x[r * C_ + c] - mean_[c]) * invstd_[c];
                sdy[c] += dy[r * C_ + c];
                sdyx[c] += dy[r * C_ + c] * xh;
            }
        for (std::size_t c = 0; c < C_; ++c) dg[c] = float(sdyx[c]), dbeta[c] = float(sdy[c]);
        if (!dx) return;
        // Batch statistics in training: dx = g*invstd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat)).
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t c = 0; c < C_; ++c) {
                double xh = (x[r * C_ + c] - mean_[c]) * invstd_[c];
                dx[r * C_ + c] = float(g[c] * invstd_[c] *
                                       (dy[r * C_ + c] - (sdy[c] + xh * sdyx[c]) / double(m)));
            }
    }

private:
    double momentum_, eps_;
    std::size_t C_ = 0;
    buffer mean_, invstd_;
};

//--------------------------------------------------------------------------------------- maxout
class maxout_layer final : public layer {
public:
    maxout_layer(std::size_t units, std::size_t pieces) : units_(units), pieces_(pieces) {}
    std::string spec() const override {
        return "maxout(" + std::to_string(units_) + "," + std::to_string(pieces_) + ")";
    }
    tshape build(const tshape& in) override {
        in_ = in;
        params_.clear();
        add_param("weight", {units_ * pieces_, in.size()}, true);
        add_param("bias", {units_ * pieces_}, false);
        return out_ = tshape::vec(units_);
    }
    void init(rng& r) override {
        fan_in_uniform(params_[0].value, in_.size(), r);
        fan_in_uniform(params_[1].value, in_.size(), r);
    }
    void reserve(std::size_t n) override {
        z_.resize(n * units_ * pieces_);
        dz_.resize(n * units_ * pieces_);
    }
    bool begin_inference(const layer*) override {
        dense_prepare(in_.size(), units_ * pieces_, params_[0].value.data(), wt_);
        frozen_ = true;
        return false;
    }
    void end_inference() override { frozen_ = false; }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        const std::size_t zp = units_ * pieces_;
        if (z_.size() < n * zp) reserve(n);
        dense_forward(n, in_.size(), zp, x, params_[0].value.data(), params_[1].value.data(), z_.data(),
                      frozen_ && !train && wt_.size() ? wt_.data() : nullptr);
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t j = 0; j < units_; ++j) {
                const float* z = z_.data() + s * zp + j * pieces_;
                y[s * units_ + j] = *std::max_element(z, z + pieces_);
            }
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        const std::size_t zp = units_ * pieces_;
        std::fill(dz_.data(), dz_.data() + n * zp, 0.0f);
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t j = 0; j < units_; ++j) {
                const float* z = z_.data() + s * zp + j * pieces_;
                std::size_t q = std::size_t(std::max_element(z, z + pieces_) - z);
                dz_[s * zp + j * pieces_ + q] = dy[s * units_ + j];
            }
        dense_backward(n, in_.size(), zp, x, params_[0].value.data(), dz_.data(), dx,
                       params_[0].grad.data(), params_[1].grad.data());
    }
    double flops() const override { return double(in_.size()) * units_ * pieces_; }

private:
    std::size_t units_, pieces_;
    buffer z_, dz_;
    buffer wt_;  // transposed weights, between begin_inference and end_inference
    bool frozen_ = false;
};

//---------------------------------------------------------------------------------- activations
enum class act { relu, leakyrelu, elu, tanh, sigmoid, softmax };

class activation_layer final : public layer {
public:
    activation_layer(act kind, double alpha) : kind_(kind), alpha_(float(alpha)) {}
    std::string spec() const override {
        switch (kind_) {
            case act::relu: return "relu";
            case act::leakyrelu: return "leakyrelu(" + fmt(alpha_) + ")";
            case act::elu: return "elu(" + fmt(alpha_) + ")";
            case act::tanh: return "tanh";
            case act::sigmoid: return "sigmoid";
            case act::softmax: return "softmax";
        }
        return "?";
    }
    tshape build(const tshape& in) override {
        in_ = in;
        return out_ = in;
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        const std::size_t m = n * in_.size();
        const float a = alpha_;
        switch (kind_) {
            case act::relu:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    const float v = x[i];
                    y[i] = v > 0.0f ? v : 0.0f;
                }
                break;
            case act::leakyrelu:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    const float v = x[i];
                    y[i] = v > 0.0f ? v : a * v;
                }
                break;
            case act::elu:
#pragma omp parallel for schedule(static) if (m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) y[i] = x[i] > 0.0f ? x[i] : a * std::expm1(x[i]);
                break;
            case act::tanh:
#pragma omp parallel for schedule(static) if (m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) y[i] = std::tanh(x[i]);
                break;
            case act::sigmoid:
#pragma omp parallel for schedule(static) if (m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    // Stable on both sides: never exp of a large positive number.
                    float e = std::exp(-std::fabs(x[i]));
                    y[i] = x[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
                }
                break;
            case act::softmax: {
                const std::size_t d = in_.size();
                for (std::size_t s = 0; s < n; ++s) {
                    const float* xs = x + s * d;
                    float* ys = y + s * d;
                    float mx = *std::max_element(xs, xs + d);
                    double sum = 0;
                    for (std::size_t i = 0; i < d; ++i) sum += ys[i] = std::exp(xs[i] - mx);
                    for (std::size_t i = 0; i < d; ++i) ys[i] = float(ys[i] / sum);
                }
                break;
            }
        }
    }
    void backward(const float* x, const float* y, const float* dy, float* dx, std::size_t n) override {
        if (!dx) return;
        const std::size_t m = n * in_.size();
        const float a = alpha_;
        switch (kind_) {
            // Loads happen unconditionally (locals), so the selects vectorise instead of
            // becoming unpredictable branches.
            case act::relu:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    const float g = dy[i];
                    dx[i] = x[i] > 0.0f ? g : 0.0f;
                }
                break;
            case act::leakyrelu:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    const float g = dy[i];
                    dx[i] = x[i] > 0.0f ? g : a * g;
                }
                break;
            case act::elu:  // d/dx a(e^x - 1) = a e^x = y + a
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) {
                    const float g = dy[i], yy = y[i];
                    dx[i] = x[i] > 0.0f ? g : g * (yy + a);
                }
                break;
            case act::tanh:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
                break;
            case act::sigmoid:
#pragma omp parallel for simd schedule(static) if (parallel : m > par_elems && !omp_in_parallel())
                for (std::size_t i = 0; i < m; ++i) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
                break;
            case act::softmax: {
                const std::size_t d = in_.size();
                for (std::size_t s = 0; s < n; ++s) {
                    double dot = 0;
                    for (std::size_t i = 0; i < d; ++i) dot += double(dy[s * d + i]) * y[s * d + i];
                    for (std::size_t i = 0; i < d; ++i)
                        dx[s * d + i] = float(y[s * d + i] * (dy[s * d + i] - dot));
                }
                break;
            }
        }
    }

private:
    act kind_;
    float alpha_;
};

}  // namespace

//-------------------------------------------------------------------------------------- factory
namespace layer_args {

double number(const std::string& layer, const std::string& what, const std::string& s) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v))
        throw usage_error(layer + ": " + what + " must be a number, got '" + s + "'");
    return v;
}

std::size_t count(const std::string& layer, const std::string& what, const std::string& s) {
    double v = number(layer, what, s);
    if (v < 1 || v != std::floor(v) || v > 1e9)
        throw usage_error(layer + ": " + what + " must be a positive integer, got '" + s + "'");
    return std::size_t(v);
}

void nargs(const std::string& name, const std::vector<std::string>& a, std::size_t lo, std::size_t hi,
           const char* usage) {
    if (a.size() < lo || a.size() > hi)
        throw usage_error("layer " + name + " takes " + usage + ", got " + std::to_string(a.size()) +
                          " argument" + (a.size() == 1 ? "" : "s"));
}

conv_args conv(const std::string& name, const std::string& shown, const std::vector<std::string>& a) {
    std::vector<std::string> nums;
    conv_args c;
    for (const auto& s : a) {
        if (s == "same") c.same = true;
        else if (s == "valid") c.same = false;
        else nums.push_back(s);
    }
    if (nums.size() < 2 || nums.size() > 3)
        throw usage_error("layer " + shown + " takes (filters, kernel[, stride][, same|valid]), got " +
                          std::to_string(a.size()) + " arguments");
    if (nums.size() == 3) c.stride = count(name, "stride", nums[2]);  // checked first, as before
    c.filters = count(name, "filters", nums[0]);
    c.kernel = count(name, "kernel", nums[1]);
    return c;
}

}  // namespace layer_args

using layer_args::count;
using layer_args::nargs;
using layer_args::number;

std::unique_ptr<layer> make_layer(const std::string& name, const std::vector<std::string>& a) {
    if (name == "dense" || name == "linear") {
        nargs(name, a, 1, 1, "(units)");
        return std::make_unique<dense_layer>(count(name, "units", a[0]));
    }
    if (name == "conv" || name == "conv2d") {
        const auto c = layer_args::conv(name, "conv", a);
        return std::make_unique<conv_layer>(c.filters, c.kernel, c.stride, c.same);
    }
    if (name == "maxpool" || name == "avgpool") {
        nargs(name, a, 0, 2, "([size[, stride]])");
        std::size_t k = a.empty() ? 2 : count(name, "size", a[0]);
        std::size_t s = a.size() > 1 ? count(name, "stride", a[1]) : k;
        return std::make_unique<pool_layer>(name == "maxpool", k, s);
    }
    if (name == "flatten") {
        nargs(name, a, 0, 0, "no arguments");
        return std::make_unique<flatten_layer>();
    }
    if (name == "dropout") {
        nargs(name, a, 1, 1, "(rate)");
        double p = number(name, "rate", a[0]);
        if (p < 0 || p >= 1) throw usage_error("dropout: rate must be in [0, 1), got " + a[0]);
        return std::make_unique<dropout_layer>(p);
    }
    if (name == "batchnorm" || name == "bn") {
        nargs(name, a, 0, 2, "([momentum[, eps]])");
        double mom = a.empty() ? 0.1 : number(name, "momentum", a[0]);
        double eps = a.size() > 1 ? number(name, "eps", a[1]) : 1e-5;
        if (mom <= 0 || mom > 1) throw usage_error("batchnorm: momentum must be in (0, 1]");
        if (eps <= 0) throw usage_error("batchnorm: eps must be positive");
        return std::make_unique<batchnorm_layer>(mom, eps);
    }
    if (name == "maxout") {
        nargs(name, a, 2, 2, "(units, pieces)");
        return std::make_unique<maxout_layer>(count(name, "units", a[0]), count(name, "pieces", a[1]));
    }
    struct {
        const char* n;
        act k;
        double alpha;
        bool takes_alpha;
    } acts[] = {{"relu", act::relu, 0, false},         {"leakyrelu", act::leakyrelu, 0.01, true},
                {"elu", act::elu, 1.0, true},          {"tanh", act::tanh, 0, false},
                {"sigmoid", act::sigmoid, 0, false},   {"softmax", act::softmax, 0, false}};
    for (const auto& e : acts)
        if (name == e.n) {
            nargs(name, a, 0, e.takes_alpha ? 1 : 0, e.takes_alpha ? "([alpha])" : "no arguments");
            double alpha = a.empty() ? e.alpha : number(name, "alpha", a[0]);
            return std::make_unique<activation_layer>(e.k, alpha);
        }
    if (auto l = make_decoder_layer(name, a)) return l;
    throw usage_error("unknown layer '" + name +
                      "' (known: dense, conv, deconv, maxpool, avgpool, upsample, flatten, reshape, dropout, "
                      "batchnorm, maxout, latent, vae, relu, leakyrelu, elu, tanh, sigmoid, softmax)");
}

}  // namespace jetml::nn
