// SPDX-License-Identifier: MIT
// jetml/nn/disco.hpp - DisCo (Kasieczka & Shih, arXiv:2001.05310): binary cross-entropy plus
// lambda times the squared distance correlation between a side variable and the classifier output.
#pragma once
#include <cstddef>
#include <string>

#include "jetml/nn/loss.hpp"

namespace jetml::nn {

/// Squared weighted distance correlation dCorr^2(x, s) of m pairs, computed in double as in
/// the paper's reference code: weights normalised to mean 1, a_ij = |x_i - x_j| double-centred
/// with weighted means (A_ij = a_ij - abar_i - abar_j + abar), the same for s, and
/// dCorr^2 = sum w_i w_j A_ij B_ij / sqrt(sum w_i w_j A_ij^2 * sum w_i w_j B_ij^2).
/// w may be null (unit weights). 0 when m < 2 or either variable is constant. If grad is not
/// null, writes d dCorr^2 / d s_k (m) into it.
double distance_corr2(const float* x, const double* s, const float* w, std::size_t m, double* grad);

/// L = bce(z, y, w) + lambda * dCorr^2(side_0, sigmoid(z)), the distance correlation taken over
/// the background rows (y < 0.5) by default or over all rows, with the event weights w. One
/// output (d = 1) and one side column; batch-level (not separable).
class disco_loss : public loss {
public:
    /// lambda >= 0; `all_events`: the correlation over every row instead of the background.
    disco_loss(double lambda, bool all_events);
    std::string name() const override;
    bool separable() const override { return false; }
    std::size_t side_columns() const override { return 1; }
    double eval(const loss_batch& b, float* grad, std::size_t norm = 0) const override;

private:
    double lambda_;
    bool all_;
};

}  // namespace jetml::nn
