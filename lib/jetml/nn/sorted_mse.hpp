// SPDX-License-Identifier: MIT
// jetml/nn/sorted_mse.hpp - the reconstruction loss on sorted intensities ("sorted-mse"): the mean
// squared difference of a sample's output values and its target values, each sorted. It
// compares the distributions of pixel intensities and ignores where they sit, one of the remedies
// proposed against autoencoders that flag simple jets as normal and complex ones as anomalous
// (Finke, Kraemer, Morandini, Muck, Oleksiyuk, arXiv:2104.09051).
#pragma once
#include "jetml/nn/loss.hpp"

namespace jetml::nn {

/// l_i = (1/d) sum_j (sort(z_i)_j - sort(y_i)_j)^2, L = (1/norm) sum_i w_i l_i. Its gradient
/// goes to the output each sorted position came from: dL/dz_{i, pi(j)} = w_i 2 (sort(z_i)_j -
/// sort(y_i)_j) / (d norm), where pi sorts z_i (ties: the lower index first; the loss is
/// continuous there, so the choice does not matter). Separable.
class sorted_mse_loss : public loss {
public:
    std::string name() const override { return "sorted-mse"; }
    bool separable() const override { return true; }
    double eval(const loss_batch& b, float* grad, std::size_t norm = 0) const override;
};

}  // namespace jetml::nn
