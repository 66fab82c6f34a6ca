// SPDX-License-Identifier: MIT
// jetml/nn/model.cpp - the sequential container.
#include "jetml/nn/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "jetml/error.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/threads.hpp"

namespace jetml::nn {

void nchw_to_nhwc(const float* src, float* dst, std::size_t n, std::size_t c, std::size_t h,
                  std::size_t w) {
    const std::size_t hw = h * w;
    for (std::size_t s = 0; s < n; ++s) {
        const float* a = src + s * c * hw;
        float* b = dst + s * c * hw;
        for (std::size_t ch = 0; ch < c; ++ch)
            for (std::size_t p = 0; p < hw; ++p) b[p * c + ch] = a[ch * hw + p];
    }
}

namespace {
std::uint64_t mix(std::uint64_t seed, std::uint64_t k) {
    std::uint64_t x = seed ^ (k * 0x9E3779B97F4A7C15ull);
    return splitmix64(x);
}
}  // namespace

sequential::sequential(const std::string& arch, const tshape& in, std::uint64_t seed)
    : in_(in), seed_(seed) {
    // OpenBLAS must not start its own threads under ours (see STYLE.md).
    set_blas_threads(1);
    auto tokens = parse_arch(resolve_arch(arch));
    tshape s = in;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::unique_ptr<layer> l;
        try {
            l = make_layer(tokens[i].name, tokens[i].args);
            s = l->build(s);
        } catch (const usage_error& e) {
            throw usage_error("architecture: layer " + std::to_string(i + 1) + " '" +
                              format_arch({tokens[i]}) + "': " + e.what());
        }
        if (s.size() == 0)
            throw usage_error("architecture: layer " + std::to_string(i + 1) + " has an empty output");
        rng r(mix(seed, 1), i);
        l->init(r);
        layers_.push_back(std::move(l));
    }
}

std::string sequential::arch() const {
    std::string s;
    for (const auto& l : layers_) s += (s.empty() ? "" : " ") + l->spec();
    return s;
}

const tshape& sequential::output_shape() const {
    return layers_.empty() ? in_ : layers_.back()->out_shape();
}

std::vector<param*> sequential::parameters() {
    std::vector<param*> v;
    for (auto& l : layers_)
        for (auto& p : l->params()) v.push_back(&p);
    return v;
}

std::vector<const param*> sequential::parameters() const {
    std::vector<const param*> v;
    for (const auto& l : layers_)
        for (const auto& p : l->params()) v.push_back(&p);
    return v;
}

std::size_t sequential::trainable_count() const {
    std::size_t n = 0;
    for (const auto* p : parameters())
        if (p->trainable) n += p->size();
    return n;
}

double sequential::flops() const {
    double f = 0;
    for (const auto& l : layers_) f += l->flops();
    return f;
}

void sequential::reserve(std::size_t n) {
    if (n <= reserved_) return;
    act_.resize(layers_.size() + 1);
    std::size_t mx = in_.size();
    act_[0].resize(in_.spatial && in_.c > 1 ? n * in_.size() : 0);
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        act_[i + 1].resize(n * layers_[i]->out_shape().size());
        mx = std::max(mx, layers_[i]->out_shape().size());
        layers_[i]->reserve(n);
    }
    ga_.resize(n * mx);
    gb_.resize(n * mx);
    reserved_ = n;
}

const float* sequential::forward(const float* x, std::size_t n, bool train) {
    if (layers_.empty()) throw error("model has no layers");
    reserve(n);
    if (in_.spatial && in_.c > 1) {
        nchw_to_nhwc(x, act_[0].data(), n, in_.c, in_.h, in_.w);
        input_ = act_[0].data();
    } else {
        input_ = x;
    }
    const float* cur = input_;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        if (train) layers_[i]->set_step(mix(seed_, 2 + i), step_);
        layers_[i]->forward(cur, act_[i + 1].data(), n, train);
        cur = act_[i + 1].data();
    }
    return cur;
}

void sequential::backward(const float* dout, std::size_t n) {
    // The gradient below the first layer with parameters is never used (the leading layers
    // are parameter-free, e.g. flatten): that layer gets no input gradient and the loop stops
    // there, which saves the dense 625-300-... net its 625x300 input-gradient product.
    std::size_t first = 0;
    while (first < layers_.size() && layers_[first]->params().empty()) ++first;
    const float* dy = dout;
    for (std::size_t k = layers_.size(); k-- > first;) {
        float* dx = k == first ? nullptr : (dy == ga_.data() ? gb_.data() : ga_.data());
        const float* x = k == 0 ? input_ : act_[k].data();
        layers_[k]->backward(x, act_[k + 1].data(), dy, dx, n);
        dy = dx;
    }
}

double sequential::train_step(const float* x, const float* y, const float* w, std::size_t n,
                              loss_kind loss, optimizer& opt, double lr) {
    const float* z = forward(x, n, true);
    // The loss gradient goes into the ping-pong buffer the last layer does not write.
    float* dz = gb_.data();
    double l = loss_eval(loss, z, y, w, n, outputs(), dz);
    if (!std::isfinite(l)) throw error("loss is not finite (" + std::to_string(l) + ") at step " +
                                       std::to_string(step_ + 1) + "; try a lower learning rate");
    // backward() alternates ga_/gb_ starting from the buffer that is not dout.
    backward(dz, n);
    opt.step(parameters(), lr);
    ++step_;
    return l;
}

void sequential::predict(const float* x, std::size_t n, float* out, std::size_t batch) {
    if (batch == 0) batch = 256;
    const std::size_t d = outputs(), isz = in_.size();
    for (std::size_t s = 0; s < n; s += batch) {
        const std::size_t m = std::min(batch, n - s);
        const float* z = forward(x + s * isz, m, false);
        std::memcpy(out + s * d, z, m * d * sizeof(float));
    }
}

std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed, std::uint64_t epoch) {
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = i;
    rng r(mix(seed, 0x5eed), epoch);
    for (std::size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[r.below(i)]);
    return idx;
}

double train_epoch(sequential& m, const float* x, const float* y, const float* w, std::size_t n,
                   std::size_t batch, loss_kind loss, optimizer& opt, double lr, std::uint64_t epoch) {
    if (batch == 0) throw usage_error("batch size must be positive");
    const std::size_t isz = m.input_shape().size(), osz = m.outputs();
    const auto order = epoch_order(n, m.seed(), epoch);
    buffer bx(batch * isz), by(batch * osz), bw(w ? batch : 0);
    m.reserve(batch);
    double total = 0;
    for (std::size_t s0 = 0; s0 < n; s0 += batch) {
        const std::size_t b = std::min(batch, n - s0);
        for (std::size_t i = 0; i < b; ++i) {
            const std::size_t k = order[s0 + i];
            std::memcpy(bx.data() + i * isz, x + k * isz, isz * sizeof(float));
            std::memcpy(by.data() + i * osz, y + k * osz, osz * sizeof(float));
            if (w) bw[i] = w[k];
        }
        total += double(b) * m.train_step(bx.data(), by.data(), w ? bw.data() : nullptr, b, loss, opt, lr);
    }
    return n ? total / double(n) : 0.0;
}

}  // namespace jetml::nn
