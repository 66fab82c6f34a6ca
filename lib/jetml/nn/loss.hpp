// SPDX-License-Identifier: MIT
// jetml/nn/loss.hpp - training losses on the network's raw outputs (logits).
//
// Every loss is a weighted mean over the batch, L = (1/n) sum_i w_i l_i (w_i = 1 when no
// weights are given), as PyTorch's `weight` argument does; the targets y have the shape of
// the outputs z, (n, d).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

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

/// A batch as a loss sees it: outputs z (n, d), targets y (n, d), weights w (n, or null for
/// unit weights) and the side columns of the batch (n each, e.g. mjj), all row-major.
struct loss_batch {
    const float* z = nullptr;
    const float* y = nullptr;
    const float* w = nullptr;
    std::vector<const float*> side;
    std::size_t n = 0, d = 1;
};

/// A training loss. A separable one is a weighted mean of per-sample terms,
/// L = (1/norm) sum_i w_i l_i, so a batch can be evaluated in parts (each part with
/// norm = the batch size returns its share and exact gradients); a batch-level one (DisCo's
/// distance correlation, an adversary's term) needs the whole batch at once.
class loss {
public:
    virtual ~loss() = default;
    /// The spec that make_loss() parses back, e.g. "bce" or "disco:10".
    virtual std::string name() const = 0;
    /// Whether L is a mean of per-sample terms (see above).
    virtual bool separable() const = 0;
    /// L over the n rows of b; if grad is not null writes dL/dz (n, d) into it. `norm` (0: n)
    /// is the batch size the mean is taken over; a batch-level loss ignores it and must be
    /// given the whole batch.
    virtual double eval(const loss_batch& b, float* grad, std::size_t norm = 0) const = 0;
    /// Side columns the loss needs (0 for the standard losses).
    virtual std::size_t side_columns() const { return 0; }
};

/// The separable standard loss of a kind (bce, cce, mse); values equal loss_eval bitwise.
std::unique_ptr<loss> make_standard_loss(loss_kind k);

/// A loss from its spec: "bce", "cce", "mse", "sorted-mse" (see nn/sorted_mse.hpp),
/// "disco:LAMBDA[:all]" (see nn/disco.hpp) or "llp" (label proportions, see nn/llp.hpp).
/// usage_error for an unknown name or a bad parameter.
std::unique_ptr<loss> make_loss(const std::string& spec);

/// The names make_loss() knows, for messages: "bce, cce, mse, disco:LAMBDA[:all], llp".
const char* known_losses();

}  // namespace jetml::nn
