// SPDX-License-Identifier: MIT
// jetml/nn/layers_decoder.cpp - the layers an autoencoder's decoder and bottleneck need:
// transposed convolution, nearest upsampling, reshape, the latent marker and the variational
// bottleneck (see layer.hpp for their tokens).
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/nn/kernels.hpp"
#include "jetml/nn/layer_args.hpp"
#include "jetml/nn/vae.hpp"

namespace jetml::nn {
namespace {

using layer_args::count;
using layer_args::nargs;
using layer_args::number;

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

//--------------------------------------------------------------------------------------- deconv
// The transposed convolution of an input (H, W, Cin) is the adjoint of the conv that maps its
// output (H', W', filters) back to (H, W, Cin); p_ is that conv's geometry.
class deconv_layer final : public layer {
public:
    deconv_layer(std::size_t filters, std::size_t k, std::size_t stride, bool same)
        : filters_(filters), k_(k), stride_(stride), same_(same) {}
    std::string spec() const override {
        return "deconv(" + std::to_string(filters_) + "," + std::to_string(k_) + "," + std::to_string(stride_) +
               "," + (same_ ? "same" : "valid") + ")";
    }
    tshape build(const tshape& in) override {
        if (!in.spatial) throw usage_error("deconv needs an image input (C, H, W), got " + in.str() + " (use reshape)");
        in_ = in;
        p_ = conv_params{};
        p_.h = same_ ? in.h * stride_ : (in.h - 1) * stride_ + k_;
        p_.w = same_ ? in.w * stride_ : (in.w - 1) * stride_ + k_;
        p_.cin = filters_, p_.cout = in.c, p_.kh = p_.kw = k_, p_.stride = stride_;
        conv_geometry(p_, same_);
        if (p_.oh != in.h || p_.ow != in.w)  // an invariant of the two geometries
            throw error("deconv: geometry of the adjoint conv does not match its input " + in.str());
        params_.clear();
        add_param("weight", {in.c, k_, k_, filters_}, true);
        add_param("bias", {filters_}, false);
        return out_ = tshape::image(filters_, p_.h, p_.w);
    }
    void init(rng& r) override {
        // PyTorch's ConvTranspose2d: fan_in is weight.size(1) * k * k = filters * k * k
        const double bound = 1.0 / std::sqrt(double(filters_ * k_ * k_));
        for (auto& v : params_[0].value) v = float(r.uniform(-bound, bound));
        for (auto& v : params_[1].value) v = float(r.uniform(-bound, bound));
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        p_.n = n;
        conv_transpose2d_forward(p_, x, params_[0].value.data(), params_[1].value.data(), y, ws_);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        p_.n = n;
        conv_transpose2d_backward(p_, x, params_[0].value.data(), dy, dx, params_[0].grad.data(),
                                  params_[1].grad.data(), ws_);
    }
    double flops() const override { return double(in_.size()) * double(k_ * k_ * filters_); }

private:
    std::size_t filters_, k_, stride_;
    bool same_;
    conv_params p_;
    deconv_workspace ws_;
};

//------------------------------------------------------------------------------------- upsample
class upsample_layer final : public layer {
public:
    explicit upsample_layer(std::size_t k) : k_(k) {}
    std::string spec() const override { return "upsample(" + std::to_string(k_) + ")"; }
    tshape build(const tshape& in) override {
        if (!in.spatial) throw usage_error("upsample needs an image input (C, H, W), got " + in.str());
        in_ = in;
        return out_ = tshape::image(in.c, in.h * k_, in.w * k_);
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        const std::size_t C = in_.c, W = in_.w, OH = out_.h, OW = out_.w;
        for (std::size_t s = 0; s < n; ++s) {
            const float* xs = x + s * in_.size();
            float* ys = y + s * out_.size();
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox)
                    std::memcpy(ys + (oy * OW + ox) * C, xs + ((oy / k_) * W + ox / k_) * C, C * sizeof(float));
        }
    }
    void backward(const float*, const float*, const float* dy, float* dx, std::size_t n) override {
        if (!dx) return;
        const std::size_t C = in_.c, W = in_.w, OH = out_.h, OW = out_.w;
        std::memset(dx, 0, n * in_.size() * sizeof(float));
        for (std::size_t s = 0; s < n; ++s) {
            const float* ds = dy + s * out_.size();
            float* xs = dx + s * in_.size();
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    float* d = xs + ((oy / k_) * W + ox / k_) * C;
                    const float* g = ds + (oy * OW + ox) * C;
                    for (std::size_t c = 0; c < C; ++c) d[c] += g[c];
                }
        }
    }

private:
    std::size_t k_;
};

//-------------------------------------------------------------------------- reshape and latent
// The same floats under another per-sample shape (reshape) or the same one (latent).
class copy_layer final : public layer {
public:
    copy_layer(bool latent, tshape to) : latent_(latent), to_(to) {}
    std::string spec() const override {
        if (latent_) return "latent";
        if (!to_.spatial) return "reshape(" + std::to_string(to_.c) + ")";
        return "reshape(" + std::to_string(to_.c) + "," + std::to_string(to_.h) + "," + std::to_string(to_.w) + ")";
    }
    tshape build(const tshape& in) override {
        in_ = in;
        if (latent_) return out_ = in;
        if (to_.size() != in.size())
            throw usage_error("reshape to " + to_.str() + " (" + std::to_string(to_.size()) + " values) of an input " +
                              in.str() + " (" + std::to_string(in.size()) + " values)");
        return out_ = to_;
    }
    void forward(const float* x, float* y, std::size_t n, bool) override {
        std::memcpy(y, x, n * in_.size() * sizeof(float));
    }
    void backward(const float*, const float*, const float* dy, float* dx, std::size_t n) override {
        if (dx) std::memcpy(dx, dy, n * in_.size() * sizeof(float));
    }
    bool copies_in_inference() const override { return true; }

private:
    bool latent_;
    tshape to_;
};

//------------------------------------------------------------------------------------------ vae
// Input (2d,): mean then log-variance. Training: z = mean + exp(logvar/2) eps with eps ~ N(0, 1)
// from one jetml::rng stream per (seed, step, sample in the batch), as dropout keys its masks,
// so a run is deterministic whatever the thread split; the KL term's gradient is added in
// backward. Inference: z = mean, no KL.
class vae_layer final : public layer {
public:
    vae_layer(std::size_t d, double beta) : d_(d), beta_(beta) {}
    std::string spec() const override { return "vae(" + std::to_string(d_) + "," + fmt(beta_) + ")"; }
    tshape build(const tshape& in) override {
        if (in.size() != 2 * d_)
            throw usage_error("vae(" + std::to_string(d_) + ") needs 2*" + std::to_string(d_) + " = " +
                              std::to_string(2 * d_) + " inputs (mean, log-variance), got " + in.str() +
                              " (put dense(" + std::to_string(2 * d_) + ") before it)");
        in_ = in;
        return out_ = tshape::vec(d_);
    }
    void reserve(std::size_t n) override { eps_.resize(n * d_); }
    void set_step(std::uint64_t seed, std::uint64_t step) override { seed_ = seed, step_ = step; }
    void set_first_sample(std::size_t first) override { first_ = first; }
    void set_batch_norm(std::size_t norm) override { norm_ = norm; }
    double aux_loss() const override { return aux_; }
    void forward(const float* x, float* y, std::size_t n, bool train) override {
        trained_ = train;
        aux_ = 0;
        if (!train) {
            for (std::size_t s = 0; s < n; ++s) std::memcpy(y + s * d_, x + s * 2 * d_, d_ * sizeof(float));
            return;
        }
        if (eps_.size() < n * d_) eps_.resize(n * d_);
        std::uint64_t k = seed_ ^ (step_ * 0x9E3779B97F4A7C15ull);
        const std::uint64_t key = splitmix64(k);
        double kl = 0;
        for (std::size_t s = 0; s < n; ++s) {
            const float* mu = x + s * 2 * d_;
            const float* lv = mu + d_;
            rng r(key, first_ + s);
            for (std::size_t j = 0; j < d_; ++j) {
                const float e = float(r.normal());
                eps_[s * d_ + j] = e;
                y[s * d_ + j] = mu[j] + std::exp(0.5f * lv[j]) * e;
            }
            kl += gaussian_kl(mu, lv, d_);
        }
        aux_ = beta_ * kl / double(norm_ ? norm_ : n);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, std::size_t n) override {
        if (!dx) return;
        const float c = trained_ ? float(beta_ / double(norm_ ? norm_ : n)) : 0.0f;
        for (std::size_t s = 0; s < n; ++s) {
            const float* mu = x + s * 2 * d_;
            const float* lv = mu + d_;
            const float* g = dy + s * d_;
            float* dm = dx + s * 2 * d_;
            float* dl = dm + d_;
            for (std::size_t j = 0; j < d_; ++j) {
                const float sd = std::exp(0.5f * lv[j]);
                dm[j] = g[j] + c * mu[j];
                dl[j] = (trained_ ? g[j] * eps_[s * d_ + j] * 0.5f * sd : 0.0f) + c * 0.5f * (sd * sd - 1.0f);
            }
        }
    }

private:
    std::size_t d_;
    double beta_;
    buffer eps_;
    std::uint64_t seed_ = 1, step_ = 0;
    std::size_t first_ = 0, norm_ = 0;
    bool trained_ = false;
    double aux_ = 0;
};

}  // namespace

std::unique_ptr<layer> make_decoder_layer(const std::string& name, const std::vector<std::string>& a) {
    if (name == "deconv" || name == "convtranspose") {
        const auto c = layer_args::conv(name, "deconv", a);
        return std::make_unique<deconv_layer>(c.filters, c.kernel, c.stride, c.same);
    }
    if (name == "upsample") {
        nargs(name, a, 0, 1, "([factor])");
        return std::make_unique<upsample_layer>(a.empty() ? 2 : count(name, "factor", a[0]));
    }
    if (name == "reshape" || name == "unflatten") {
        if (a.size() != 1 && a.size() != 3)
            throw usage_error("layer " + name + " takes (C, H, W) or (D), got " + std::to_string(a.size()) +
                              " argument" + (a.size() == 1 ? "" : "s"));
        if (a.size() == 1) return std::make_unique<copy_layer>(false, tshape::vec(count(name, "size", a[0])));
        return std::make_unique<copy_layer>(false, tshape::image(count(name, "channels", a[0]),
                                                                 count(name, "height", a[1]),
                                                                 count(name, "width", a[2])));
    }
    if (name == "latent") {
        nargs(name, a, 0, 0, "no arguments");
        return std::make_unique<copy_layer>(true, tshape());
    }
    if (name == "vae") {
        nargs(name, a, 1, 2, "(latent[, beta])");
        const double beta = a.size() > 1 ? number(name, "beta", a[1]) : 1.0;
        if (beta < 0) throw usage_error("vae: beta must be >= 0, got " + a[1]);
        return std::make_unique<vae_layer>(count(name, "latent", a[0]), beta);
    }
    return nullptr;
}

}  // namespace jetml::nn
