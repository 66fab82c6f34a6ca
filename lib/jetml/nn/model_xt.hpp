// SPDX-License-Identifier: MIT
// jetml/nn/model_xt.hpp - classifiers trained and evaluated on xtensor arrays: thin wrappers over
// nn::fisher_fit, sequential::train_step and sequential::predict that work on the arrays' own storage.
#pragma once
#include <string>

#include "jetml/core/xt.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/model.hpp"

namespace jetml::nn {

/// The per-sample shape of a batch x: (N, C, H, W) images or (N, D) vectors.
template <class E> tshape sample_shape(const E& x) {
    const auto& s = x.shape();
    if (x.dimension() == 4) return tshape::image(s[1], s[2], s[3]);
    if (x.dimension() == 2) return tshape::vec(s[1]);
    throw error("x: expected (N, C, H, W) images or (N, D) features, got " + format_shape(xtu::shape_of(x)));
}

namespace detail {
template <class X, class Y> std::size_t check_xy(const X& x, const Y& y, const float* w, std::size_t nw) {
    static_assert(std::is_same_v<typename X::value_type, float> && std::is_same_v<typename Y::value_type, float>,
                  "x and y must be float32");
    xtu::require_c_order(x, "x");
    xtu::require_c_order(y, "y");
    const std::size_t n = x.dimension() ? x.shape()[0] : 0;
    if (y.size() != n) throw error("y: " + std::to_string(y.size()) + " labels for " + std::to_string(n) + " samples");
    if (w && nw != n) throw error("w: " + std::to_string(nw) + " weights for " + std::to_string(n) + " samples");
    return n;
}
}  // namespace detail

/// Fisher's discriminant (see fisher_fit in fisher.hpp) of x (N, C, H, W) or (N, D) with labels y
/// (N) 0/1, all float32 xtensor containers in C order (read in place, no copy), unit weights.
template <class X, class Y> sequential fisher_fit(const X& x, const Y& y, double shrinkage) {
    const std::size_t n = detail::check_xy(x, y, nullptr, 0);
    return fisher_fit(x.data(), y.data(), nullptr, n, sample_shape(x), shrinkage);
}

/// The same with per-sample weights w (N) float32.
template <class X, class Y, class W> sequential fisher_fit(const X& x, const Y& y, const W& w, double shrinkage) {
    static_assert(std::is_same_v<typename W::value_type, float>, "w must be float32");
    xtu::require_c_order(w, "w");
    const std::size_t n = detail::check_xy(x, y, w.data(), w.size());
    return fisher_fit(x.data(), y.data(), w.data(), n, sample_shape(x), shrinkage);
}

/// One optimisation step (sequential::train_step) on the batch x (N, ...) with targets y
/// (N, outputs) or (N) for a one-output model, read in place, unit weights. Returns the batch
/// loss; the result is bitwise that of train_step on the same buffers. (Epochs, validation and
/// early stopping belong to train::fit.)
template <class X, class Y>
double train_step(sequential& m, const X& x, const Y& y, loss_kind loss, optimizer& opt, double lr) {
    xtu::require_c_order(x, "x");
    xtu::require_c_order(y, "y");
    if (!(sample_shape(x) == m.input_shape()))
        throw error("x: samples of shape " + sample_shape(x).str() + ", the model takes " + m.input_shape().str());
    const std::size_t n = x.shape()[0];
    if (y.size() != n * m.outputs())
        throw error("y: " + std::to_string(y.size()) + " targets for " + std::to_string(n) + " samples of " +
                    std::to_string(m.outputs()) + " outputs");
    return m.train_step(x.data(), y.data(), nullptr, n, loss, opt, lr);
}

/// Inference outputs (N, outputs()) of x (N, ...): sequential::predict writing straight into the
/// returned tensor (bitwise equal to it for any batch and thread count). Raw values: logits for
/// models trained with bce, the LDA log-odds for Fisher models.
template <class X> xt::xtensor<float, 2> predict(sequential& m, const X& x, std::size_t batch = 256) {
    xtu::require_c_order(x, "x");
    if (!(sample_shape(x) == m.input_shape()))
        throw error("x: samples of shape " + sample_shape(x).str() + ", the model takes " + m.input_shape().str());
    const std::size_t n = x.shape()[0];
    auto out = xt::xtensor<float, 2>::from_shape({n, m.outputs()});
    if (n) m.predict(x.data(), n, out.data(), batch);
    return out;
}

/// The scores (N) of a one-output model: predict() into a 1-d tensor ((N, 1) and (N) have the
/// same storage), bitwise equal to it.
template <class X> xt::xtensor<float, 1> predict_scores(sequential& m, const X& x, std::size_t batch = 256) {
    if (m.outputs() != 1) throw error("predict_scores: the model has " + std::to_string(m.outputs()) + " outputs, not 1");
    xtu::require_c_order(x, "x");
    if (!(sample_shape(x) == m.input_shape()))
        throw error("x: samples of shape " + sample_shape(x).str() + ", the model takes " + m.input_shape().str());
    const std::size_t n = x.shape()[0];
    auto out = xt::xtensor<float, 1>::from_shape({n});
    if (n) m.predict(x.data(), n, out.data(), batch);
    return out;
}

}  // namespace jetml::nn
