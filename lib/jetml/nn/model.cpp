// SPDX-License-Identifier: MIT
// jetml/nn/model.cpp - the sequential container.
#include "jetml/nn/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/core/threads.hpp"

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
    // "input" stands for the model's input: dense(input) has its size, reshape(input) its shape
    for (auto& t : tokens) {
        if (t.args.size() != 1 || t.args[0] != "input") continue;
        if (t.name == "dense" || t.name == "linear") t.args = {std::to_string(in.size())};
        else if (t.name == "reshape" || t.name == "unflatten")
            t.args = in.spatial ? std::vector<std::string>{std::to_string(in.c), std::to_string(in.h), std::to_string(in.w)}
                                : std::vector<std::string>{std::to_string(in.size())};
    }
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

double sequential::aux_loss() const {
    double a = 0;
    for (const auto& l : layers_) a += l->aux_loss();
    return a;
}

const float* sequential::activation(std::size_t i) const {
    if (i >= layers_.size() || act_.size() <= i + 1) throw error("activation of layer " + std::to_string(i) + " not available");
    return act_[i + 1].data();
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
    // backward() reads the input of the first layer: x, or its channels-last copy in act_[0]
    input_ = in_.spatial && in_.c > 1 ? act_[0].data() : x;
    norm_ = n;
    return forward_part(layers_, x, 0, n, train);
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

void sequential::backward_input(const float* dout, std::size_t n, float* dx_in) {
    if (in_.spatial && in_.c > 1) throw error("input gradients of a multi-channel image network are not supported");
    const float* dy = dout;
    for (std::size_t k = layers_.size(); k-- > 0;) {
        float* dx = k == 0 ? dx_in : (dy == ga_.data() ? gb_.data() : ga_.data());
        const float* x = k == 0 ? input_ : act_[k].data();
        layers_[k]->backward(x, act_[k + 1].data(), dy, dx, n);
        dy = dx;
    }
}

namespace {
const loss& standard_loss_of(loss_kind k) {
    static const auto bce = make_standard_loss(loss_kind::bce_logits), cce = make_standard_loss(loss_kind::cce_logits),
                      mse = make_standard_loss(loss_kind::mse);
    return k == loss_kind::bce_logits ? *bce : k == loss_kind::cce_logits ? *cce : *mse;
}
}  // namespace

double sequential::train_step(const float* x, const float* y, const float* w, std::size_t n,
                              loss_kind loss, optimizer& opt, double lr) {
    return train_step(x, y, w, {}, n, standard_loss_of(loss), opt, lr);
}

double sequential::train_step(const float* x, const float* y, const float* w, const std::vector<const float*>& side,
                              std::size_t n, const loss& L, optimizer& opt, double lr) {
    if (layers_.empty()) throw error("model has no layers");
    const int nth = split_threads(n, 3.0);
    if (nth > 1) return train_step_split(x, y, w, side, n, L, opt, lr, nth);
    const float* z = forward(x, n, true);
    // The loss gradient goes into the ping-pong buffer the last layer does not write.
    float* dz = gb_.data();
    loss_batch b;
    b.z = z, b.y = y, b.w = w, b.side = side, b.n = n, b.d = outputs();
    double l = L.eval(b, dz, n) + aux_loss();
    if (!std::isfinite(l)) throw error("loss is not finite (" + std::to_string(l) + ") at step " +
                                       std::to_string(step_ + 1) + "; try a lower learning rate");
    // backward() alternates ga_/gb_ starting from the buffer that is not dout.
    backward(dz, n);
    opt.step(parameters(), lr);
    ++step_;
    return l;
}

// Layer copies for threads 1.. nth-1 (made once, reserved for the model's batch size); their
// parameter values are refreshed by the callers.
void sequential::make_replicas(int nth) {
    while (reps_.size() < std::size_t(nth - 1)) {
        std::vector<std::unique_ptr<layer>> c;
        for (const auto& l : layers_) {
            auto tok = parse_arch(l->spec());
            auto r = make_layer(tok.at(0).name, tok.at(0).args);
            r->build(l->in_shape());
            c.push_back(std::move(r));
        }
        reps_.push_back(std::move(c));
    }
    for (auto& c : reps_)
        for (auto& l : c) l->reserve(reserved_);
}

int sequential::split_threads(std::size_t n, double passes) const {
    const int nth = omp_in_parallel() ? 1 : max_threads();
    if (nth < 2 || n < 2 * std::size_t(nth)) return 1;
    for (const auto& l : layers_)
        if (!l->batch_independent()) return 1;
    // Below ~4M multiply-adds per call (a training step is ~3 forward passes), about 40 us on
    // one core, the barriers and the gradient reduction cost more than a second core saves
    // (the 4-64-64-64-1 net: 3.3M per training step at batch 128).
    if (passes * flops() * double(n) < 4.0e6) return 1;
    return int(std::min<std::size_t>(std::size_t(nth), n / 2));
}

// Forward of samples [r0, r1) of the batch, whose inputs start at x, through the layer stack
// `ls` (the model's own or a thread's copy), into rows [r0, r1) of the shared activation
// buffers; returns the output rows. Layers marked in `skip` (null: none) are not called: in
// inference they only copy their input or are applied by the layer before them.
const float* sequential::forward_part(std::vector<std::unique_ptr<layer>>& ls, const float* x,
                                      std::size_t r0, std::size_t r1, bool train,
                                      const std::vector<char>* skip) {
    const std::size_t m = r1 - r0;
    const float* cur;
    if (in_.spatial && in_.c > 1) {
        nchw_to_nhwc(x, act_[0].data() + r0 * in_.size(), m, in_.c, in_.h, in_.w);
        cur = act_[0].data() + r0 * in_.size();
    } else {
        cur = x;
    }
    for (std::size_t i = 0; i < ls.size(); ++i) {
        if (skip && (*skip)[i]) continue;
        if (train) {
            ls[i]->set_step(mix(seed_, 2 + i), step_);
            ls[i]->set_first_sample(r0);
            ls[i]->set_batch_norm(norm_);
        }
        float* out = act_[i + 1].data() + r0 * ls[i]->out_shape().size();
        ls[i]->forward(cur, out, m, train);
        cur = out;
    }
    return cur;
}

// Backward of samples [r0, r1) from dL/doutput `dz` (their rows only), which lies in `gb`; the
// input gradients alternate between the thread's own scratch blocks ga and gb.
void sequential::backward_part(std::vector<std::unique_ptr<layer>>& ls, float* ga, float* gb,
                               std::size_t r0, std::size_t r1) {
    const std::size_t m = r1 - r0;
    std::size_t first = 0;
    while (first < ls.size() && ls[first]->params().empty()) ++first;
    const float* dy = gb;
    for (std::size_t k = ls.size(); k-- > first;) {
        const std::size_t isz = ls[k]->in_shape().size(), osz = ls[k]->out_shape().size();
        float* dx = k == first ? nullptr : (dy == ga ? gb : ga);
        const float* xin = k == 0 ? (in_.spatial && in_.c > 1 ? act_[0].data() : input_) + r0 * isz
                                  : act_[k].data() + r0 * isz;
        ls[k]->backward(xin, act_[k + 1].data() + r0 * osz, dy, dx, m);
        dy = dx;
    }
}

double sequential::train_step_split(const float* x, const float* y, const float* w,
                                    const std::vector<const float*>& side, std::size_t n, const loss& L,
                                    optimizer& opt, double lr, int nth) {
    reserve(n);
    input_ = x;
    norm_ = n;
    make_replicas(nth);
    const std::size_t d = outputs();
    const auto ps = parameters();
    std::vector<std::vector<param*>> rps(reps_.size());
    for (std::size_t t = 0; t < reps_.size(); ++t)
        for (auto& l : reps_[t])
            for (auto& p : l->params()) rps[t].push_back(&p);
    std::vector<double> part(std::size_t(nth), 0.0), aux(std::size_t(nth), 0.0);
    std::vector<char> active(std::size_t(nth), 0);
    double total = 0;
    bool finite = true;
    const bool whole = !L.separable();
    if (whole) dzall_.resize(n * d);
    // Each thread's gradient scratch is the block of ga_/gb_ its rows would use for the widest
    // layer, so threads at different layers never overlap.
    const std::size_t mx = ga_.size() / reserved_;
#pragma omp parallel num_threads(nth)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        // 1. the copies take the current parameter values (elements split across threads)
        for (std::size_t i = 0; i < ps.size(); ++i) {
            std::size_t e0, e1;
            split_range(ps[i]->size(), t, nt, e0, e1);
            if (e1 > e0)
                for (auto& r : rps)
                    std::memcpy(r[i]->value.data() + e0, ps[i]->value.data() + e0, (e1 - e0) * sizeof(float));
        }
#pragma omp barrier
        // 2. forward, loss and backward of this thread's share of the batch
        std::size_t r0, r1;
        split_range(n, t, nt, r0, r1);
        auto& ls = t == 0 ? layers_ : reps_[std::size_t(t) - 1];
        float* ga = ga_.data() + r0 * mx;
        float* gb = gb_.data() + r0 * mx;
        if (r1 > r0) {
            active[std::size_t(t)] = 1;
            forward_part(ls, x + r0 * in_.size(), r0, r1, true);
            for (const auto& l : ls) aux[std::size_t(t)] += l->aux_loss();
            if (!whole) {
                loss_batch b;
                b.z = act_.back().data() + r0 * d, b.y = y + r0 * d, b.w = w ? w + r0 : nullptr;
                for (const float* c : side) b.side.push_back(c + r0);
                b.n = r1 - r0, b.d = d;
                part[std::size_t(t)] = L.eval(b, gb, n);
            }
        }
        if (whole) {
            // a batch-level loss: once over the whole output, then each share takes its rows
#pragma omp barrier
#pragma omp single
            {
                loss_batch b;
                b.z = act_.back().data(), b.y = y, b.w = w, b.side = side, b.n = n, b.d = d;
                part[0] = L.eval(b, dzall_.data(), n);
            }
            if (r1 > r0) std::memcpy(gb, dzall_.data() + r0 * d, (r1 - r0) * d * sizeof(float));
        }
        if (r1 > r0) backward_part(ls, ga, gb, r0, r1);
#pragma omp barrier
#pragma omp single
        {
            for (double v : part) total += v;
            for (double v : aux) total += v;
            finite = std::isfinite(total);
            if (finite) opt.begin_step(ps);
        }
        // 3. gradients summed in thread order, then the update, per element range
        if (finite)
            for (std::size_t i = 0; i < ps.size(); ++i) {
                std::size_t e0, e1;
                split_range(ps[i]->size(), t, nt, e0, e1);
                if (e1 <= e0 || !ps[i]->trainable) continue;
                float* g = ps[i]->grad.data();
                for (std::size_t r = 0; r < rps.size(); ++r) {
                    if (!active[r + 1]) continue;
                    const float* gr = rps[r][i]->grad.data();
                    for (std::size_t e = e0; e < e1; ++e) g[e] += gr[e];
                }
                opt.update(i, *ps[i], lr, e0, e1);
            }
    }
    if (!finite)
        throw error("loss is not finite (" + std::to_string(total) + ") at step " +
                    std::to_string(step_ + 1) + "; try a lower learning rate");
    ++step_;
    return total;
}

namespace {

// The layers of a stack between begin_inference() and end_inference() (also on an
// exception), and the layers inference passes skip: those that only copy, and those that the
// layer before them applies (a ReLU after a dense or conv layer).
class inference_scope {
public:
    explicit inference_scope(std::vector<std::unique_ptr<layer>>& ls) : ls_(ls), skip_(ls.size(), 0) {
        for (std::size_t i = 0; i < ls_.size(); ++i) skip_[i] = ls_[i]->copies_in_inference();
        for (std::size_t i = 0; i < ls_.size(); ++i) {
            if (skip_[i]) continue;
            std::size_t j = i + 1;
            while (j < ls_.size() && skip_[j]) ++j;
            if (ls_[i]->begin_inference(j < ls_.size() ? ls_[j].get() : nullptr)) skip_[j] = 1;
        }
    }
    ~inference_scope() {
        for (auto& l : ls_) l->end_inference();
    }
    inference_scope(const inference_scope&) = delete;
    inference_scope& operator=(const inference_scope&) = delete;
    const std::vector<char>* skip() const { return &skip_; }

private:
    std::vector<std::unique_ptr<layer>>& ls_;
    std::vector<char> skip_;
};

}  // namespace

void sequential::predict(const float* x, std::size_t n, float* out, std::size_t batch) {
    if (batch == 0) batch = 256;
    const std::size_t d = outputs(), isz = in_.size();
    if (layers_.empty()) throw error("model has no layers");
    if (n == 0) return;
    // Several threads: the call is cut into chunks of at most `rows` samples (fewer when the
    // call has fewer than threads x rows), and each thread takes whole chunks, running the
    // forward pass on its own copy of the layers in its own block of rows of the activation
    // buffers: no barrier between layers or chunks, and a thread's weights stay in its cache
    // for a whole chunk. A sample's outputs do not depend on the other rows of its chunk, so
    // this equals the one-thread result.
    // Chunks of ~6.4e7 multiply-adds (at least 64 samples) keep the activations of a chunk near
    // the cache while amortising each layer call: 64 samples for the W-tag and DeepTop CNNs,
    // 176 for the dense 625-300-300-300-1 net, 7500 for 4-64-64-64-1 (bench_nn: at 8192-sample
    // calls the CNNs run 30 % faster in 64-sample chunks than in 4096-sample ones).
    const double per_sample = std::max(flops(), 1.0);
    std::size_t rows = std::size_t(std::ceil(6.4e7 / per_sample / 8.0)) * 8;
    rows = std::min(batch, std::max<std::size_t>(rows, 64));
    const int nth = split_threads(n, 1.0);
    if (nth > 1) {
        const std::size_t chunk = std::min(rows, (n + std::size_t(nth) - 1) / std::size_t(nth));
        const std::size_t nchunks = (n + chunk - 1) / chunk;
        reserve(std::size_t(nth) * chunk);
        make_replicas(nth);
        const auto ps = parameters();
        for (std::size_t t = 0; t < reps_.size(); ++t) {
            std::size_t i = 0;
            for (auto& l : reps_[t])
                for (auto& p : l->params()) {
                    std::memcpy(p.value.data(), ps[i]->value.data(), p.size() * sizeof(float));
                    ++i;
                }
        }
#pragma omp parallel num_threads(nth)
        {
            const int t = omp_get_thread_num();
            auto& ls = t == 0 ? layers_ : reps_[std::size_t(t) - 1];
            const inference_scope scope(ls);
            const std::size_t r0 = std::size_t(t) * chunk;
            // dynamic: a thread slowed by another process takes fewer chunks
#pragma omp for schedule(dynamic, 1)
            for (std::size_t c = 0; c < nchunks; ++c) {
                const std::size_t s = c * chunk, m = std::min(chunk, n - s);
                const float* z = forward_part(ls, x + s * isz, r0, r0 + m, false, scope.skip());
                std::memcpy(out + s * d, z, m * d * sizeof(float));
            }
        }
        return;
    }
    reserve(std::min(rows, n));
    const inference_scope scope(layers_);
    for (std::size_t s = 0; s < n; s += rows) {
        const std::size_t m = std::min(rows, n - s);
        const float* z = forward_part(layers_, x + s * isz, 0, m, false, scope.skip());
        std::memcpy(out + s * d, z, m * d * sizeof(float));
    }
}

}  // namespace jetml::nn
