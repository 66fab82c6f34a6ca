// SPDX-License-Identifier: MIT
// jetml/stats/metrics_xt.hpp - ROC curves and AUC of xtensor score and label arrays.
#pragma once
#include "jetml/core/xt.hpp"
#include "jetml/stats/metrics.hpp"

namespace jetml {

namespace detail {
template <class S, class L> roc_data roc_data_of(const S& score, const L& label, const double* w, std::size_t nw) {
    xtu::require_c_order(score, "scores");
    xtu::require_c_order(label, "labels");
    const std::size_t n = score.size();
    if (label.size() != n)
        throw error("labels: " + std::to_string(label.size()) + " labels for " + std::to_string(n) + " scores");
    if (w && nw != n) throw error("weights: " + std::to_string(nw) + " weights for " + std::to_string(n) + " scores");
    roc_data d;
    d.score.assign(score.data(), score.data() + n);
    d.label.resize(n);
    using LT = typename L::value_type;
    for (std::size_t i = 0; i < n; ++i) d.label[i] = label.data()[i] == LT(1) ? 1 : label.data()[i] == LT(0) ? 0 : 2;
    if (w) d.weight.assign(w, w + n);
    check_roc_data(d);
    return d;
}
}  // namespace detail

/// Area under the ROC curve of scores (N) against labels (N) 0/1 (any arithmetic element types),
/// as auc(const roc_data&): the same number to the bit. Throws jetml::error on unequal lengths,
/// a non-finite score or a label other than 0/1.
template <class S, class L, class = std::enable_if_t<xtu::is_container_v<S> && xtu::is_container_v<L>>>
double auc(const S& score, const L& label) {
    return auc(detail::roc_data_of(score, label, nullptr, 0));
}

/// The same with per-event weights (N), converted to double.
template <class S, class L, class W,
          class = std::enable_if_t<xtu::is_container_v<S> && xtu::is_container_v<L> && xtu::is_container_v<W>>>
double auc(const S& score, const L& label, const W& weight) {
    xtu::require_c_order(weight, "weights");
    std::vector<double> wd(weight.data(), weight.data() + weight.size());
    return auc(detail::roc_data_of(score, label, wd.data(), wd.size()));
}

/// The ROC curve of scores against labels (see compute_roc), as a (P, 3) table of columns
/// fpr (eps_B), tpr (eps_S), threshold, point 0 being (0, 0, +inf).
template <class S, class L>
xt::xtensor<double, 2> roc_table(const S& score, const L& label, bool drop_intermediate = true) {
    const roc_curve c = compute_roc(detail::roc_data_of(score, label, nullptr, 0), drop_intermediate);
    auto t = xt::xtensor<double, 2>::from_shape({c.size(), 3});
    for (std::size_t i = 0; i < c.size(); ++i) t(i, 0) = c.fpr(i), t(i, 1) = c.tpr(i), t(i, 2) = c.threshold[i];
    return t;
}

}  // namespace jetml
