// SPDX-License-Identifier: MIT
// jetml/nn/loss.hpp - training losses on the network's raw outputs (logits).
//
// Every loss is a weighted mean over the batch, L = (1/n) sum_i w_i l_i (w_i = 1 when no
// weights are given), as PyTorch's `weight` argument does; the targets y have the shape of
// the outputs z, (n, d).
#pragma once
#include <cstddef>
#include <string>

namespace jetml::nn {

enum class loss_kind {
    bce_logits,  ///< l = sum_j [max(z,0) - z y + log(1 + exp(-|z|))]: binary CE of sigmoid(z)
    cce_logits,  ///< l = -sum_j y_j log softmax(z)_j: categorical CE (y one-hot or soft labels)
    mse          ///< l = (1/d) sum_j (z_j - y_j)^2
};

/// "bce", "cce", "mse".
const char* loss_name(loss_kind k);
/// Parses "bce", "cce", "mse" (usage_error otherwise).
loss_kind parse_loss(const std::string& s);

/// Mean weighted loss of a batch; if grad is not null, writes dL/dz (n, d) into it.
/// w may be null (unit weights). Numerically stable for any finite z.
/// `norm` (default: n) is the batch size the mean is taken over, for a caller that evaluates
/// a batch in parts: each part then returns its share of the batch loss and exact gradients.
double loss_eval(loss_kind kind, const float* z, const float* y, const float* w, std::size_t n,
                 std::size_t d, float* grad, std::size_t norm = 0);

}  // namespace jetml::nn
