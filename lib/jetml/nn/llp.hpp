// SPDX-License-Identifier: MIT
// jetml/nn/llp.hpp - learning from label proportions (Dery, Nachman, Rubbo, Schwartzman,
// arXiv:1702.00414): the samples come in bags whose signal fraction f is known, no event has
// a label of its own, and the classifier is trained so that the mean of its predictions over
// each bag's events matches the bag's fraction.
#pragma once
#include <cstddef>
#include <string>

#include "jetml/nn/loss.hpp"

namespace jetml::nn {

/// L = (1/n) sum_b W_b * BCE(f_b, p_b) over the bags b present in the batch, where
/// p_b = sum_{i in b} w_i sigmoid(z_i) / W_b is the bag's weighted mean prediction in the
/// batch, W_b = sum_{i in b} w_i, and f_b the bag's fraction. The target of each row is its
/// bag's fraction (every row of a bag carries the same value, in [0, 1]); side column 0 is
/// the bag id (rows with equal ids form a bag). p_b is clamped to [1e-7, 1 - 1e-7] in the
/// logarithms. With one row per bag and fractions 0 or 1 it is the binary cross-entropy of
/// sigmoid(z). One output (d = 1); batch-level (not separable).
class llp_loss : public loss {
public:
    std::string name() const override { return "llp"; }
    bool separable() const override { return false; }
    std::size_t side_columns() const override { return 1; }
    double eval(const loss_batch& b, float* grad, std::size_t norm = 0) const override;
};

}  // namespace jetml::nn
