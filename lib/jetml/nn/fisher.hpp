// SPDX-License-Identifier: MIT
// jetml/nn/fisher.hpp - Fisher's linear discriminant in closed form, regularised so that it
// works on 625-pixel jet images whose pixel covariance is singular (the "Fisher jet",
// arXiv:1407.5675).
#pragma once
#include <cstdint>
#include <vector>

#include "jetml/nn/model.hpp"

namespace jetml::nn {

/// Fits w = S'^{-1} (mu_1 - mu_0) with the pooled within-class covariance
/// S = pi_1 C_1 + pi_0 C_0 (weighted, biased class covariances, priors pi_k from the class
/// weights) shrunk towards a multiple of the identity, S' = (1 - a) S + a (tr S / d) I, the
/// convention of scikit-learn's LinearDiscriminantAnalysis(solver="lsqr", shrinkage=a).
/// The result is a model "flatten dense(1)" (images) or "dense(1)" (vectors) whose output is
/// the LDA log-odds w.x - w.(mu_1 + mu_0)/2 + log(pi_1/pi_0) (sklearn's decision_function).
/// x (n, C, H, W) or (n, D); y (n) labels 0/1; w (n) weights or null; 0 <= shrinkage <= 1.
/// Throws jetml::error if a class is empty or S' is not positive definite.
sequential fisher_fit(const float* x, const float* y, const float* w, std::size_t n, const tshape& in,
                      double shrinkage, std::uint64_t seed = 1);

/// The discriminant weights of a fitted Fisher model in the input's own order, (C, H, W) for
/// images, so they can be written as an image.
std::vector<float> fisher_weight_image(const sequential& m);

}  // namespace jetml::nn
