// SPDX-License-Identifier: MIT
// jetml/decor/adversary.hpp - Learning to Pivot (Louppe, Kagan, Cranmer, arXiv:1611.01046): a
// classifier f trained against an adversary r that infers a nuisance z from f's output, on
// E_lambda = L_f - lambda L_r, with the paper's schedule (pretrain f, pretrain r on the frozen
// f, then K adversary steps per classifier step) under the training engine.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::decor {

/// The adversary's negative log-likelihood -log p_r(z | s) of the nuisance z (side column 0) from
/// the adversary's raw outputs: a mixture density network of K Gaussians (outputs: K mixing
/// logits (softmax), K means, K log-sigmas) for a continuous z, or a softmax over C classes
/// (z = 0 .. C-1) for a categorical one. Separable: L = (1/norm) sum_i w_i l_i.
class adversary_nll : public nn::loss {
public:
    /// `categorical`: C = `k` classes; otherwise K = `k` Gaussians (k >= 1; >= 2 classes).
    adversary_nll(bool categorical, std::size_t k);
    std::string name() const override;
    bool separable() const override { return true; }
    std::size_t side_columns() const override { return 1; }
    double eval(const nn::loss_batch& b, float* grad, std::size_t norm = 0) const override;
    /// Outputs the adversary network needs: 3K or C.
    std::size_t outputs() const { return categorical_ ? k_ : 3 * k_; }
    bool categorical() const { return categorical_; }
    std::size_t components() const { return k_; }
    /// -log p(z | out) of one row of outputs; if g is not null writes d/dout into it.
    double row(const float* out, float z, float* g) const;

private:
    bool categorical_;
    std::size_t k_;
};

/// The classifier's loss in the adversarial phase: bce(z, y, w) - lambda * L_r, where L_r is
/// the adversary's NLL of the nuisance (side column 0) given s = sigmoid(z), with r's
/// parameters fixed (r in inference mode); the gradient flows through r to s and z. With
/// `background_only` the adversary term takes the rows with y < 0.5 only (class-conditional
/// pivot). Batch-level (it runs r over the batch).
class pivot_loss : public nn::loss {
public:
    /// `r` must outlive the loss; lambda >= 0.
    pivot_loss(nn::sequential& r, const adversary_nll& nll, double lambda, bool background_only);
    std::string name() const override;
    bool separable() const override { return false; }
    std::size_t side_columns() const override { return 1; }
    double eval(const nn::loss_batch& b, float* grad, std::size_t norm = 0) const override;
    /// L_r of the last eval (weighted mean over the adversary's rows).
    double last_adversary_loss() const { return last_lr_; }

private:
    nn::sequential* r_;
    const adversary_nll* nll_;
    double lambda_;
    bool bkg_;
    mutable std::vector<float> s_, wr_, g_, ds_;
    mutable double last_lr_ = 0;
};

/// Settings of adversarial training (beside the engine's fit_options, which drive f).
struct pivot_params {
    double lambda = 10;               ///< lambda >= 0 of E = L_f - lambda L_r
    std::string adv_arch = "dense(20) relu dense(20) relu";  ///< hidden layers of r (its output layer is added)
    bool categorical = false;         ///< softmax adversary for a categorical nuisance
    std::size_t components = 5;       ///< MDN Gaussians (continuous) or classes (categorical, set from the data)
    std::size_t pretrain_f = 5;       ///< epochs of f alone (bce)
    std::size_t pretrain_r = 5;       ///< epochs of r alone on the frozen f
    std::size_t k_steps = 10;         ///< adversary mini-batch steps per classifier step afterwards
    double adv_lr = 1e-3;             ///< Adam learning rate of r
    bool background_only = false;     ///< class-conditional: r sees the background (y = 0) only
    /// usage_error naming the option for any bad value.
    void check() const;
    std::string description() const;
};

/// f and r as one train::trainable. Epochs [0, pretrain_f) train f with bce; epochs
/// [pretrain_f, pretrain_f + pretrain_r) train r on f's frozen scores; later epochs cycle the
/// engine's batches through K adversary steps then one classifier step on E. The adversary's
/// input is sigmoid(f(x)) from f in inference mode; the nuisance is the data's side column 0 (a
/// continuous one standardised by `z_mean`, `z_std`). The engine keeps the last epoch (an
/// adversarial objective has no meaningful best). Checkpoint entries: f.* and r.* (model,
/// optimiser state), keys adv_count and opt steps.
class pivot_trainable : public train::trainable {
public:
    pivot_trainable(nn::sequential& f, nn::sequential& r, const pivot_params& p, const nn::optim_config& fopt,
                    nn::model_meta fmeta, double z_mean, double z_std);
    void signature(train::fit_signature& s) const override;
    void begin_epoch(std::size_t epoch, double lr) override;
    double train_batch(const train::batch& b, double lr) override;
    double end_epoch(std::size_t epoch) override;
    bool keeps_last() const override { return true; }
    train::evaluation validate(const data::labelled_set& va) override;
    std::string snapshot() override;
    void restore(const std::string& snap) override;
    train::saved_state save_state(const std::string& best) override;
    std::string load_state(const std::map<std::string, std::string>& keys,
                           const std::map<std::string, std::string>& entries, const std::string& src) override;

    /// Losses of the last validate(): L_f (bce) and L_r in the nuisance's own units (the
    /// standardisation's log-Jacobian added back, so a N(0,1) nuisance compares with H(Z)).
    double val_classifier_loss() const { return val_lf_; }
    double val_adversary_loss() const { return val_lr_; }
    const adversary_nll& nll() const { return nll_; }

private:
    void r_step(const train::batch& b, double lr);
    const float* scores(const float* x, std::size_t n);  // sigmoid(f(x)), inference
    nn::sequential& f_;
    nn::sequential& r_;
    pivot_params p_;
    nn::optimizer of_, or_;
    nn::model_meta fmeta_;
    double z_mean_, z_std_;
    adversary_nll nll_;
    pivot_loss ploss_;
    std::unique_ptr<nn::loss> bce_;
    std::size_t epoch_ = 0;
    std::uint64_t count_ = 0;  // batches seen in the adversarial phase
    double sum_e_ = 0, sum_r_ = 0;
    std::size_t n_e_ = 0, n_r_ = 0;
    std::vector<float> s_, z_, w_, dummy_;
    double val_lf_ = 0, val_lr_ = 0;
};

/// The adversary's full architecture: `hidden` then dense(outputs).
std::string adversary_arch(const std::string& hidden, std::size_t outputs);

}  // namespace jetml::decor
