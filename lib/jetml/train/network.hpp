// SPDX-License-Identifier: MIT
// jetml/train/network.hpp - an nn::sequential classifier (one output) as a train::trainable.
#pragma once
#include <memory>
#include <string>

#include "jetml/nn/loss.hpp"
#include "jetml/nn/model.hpp"
#include "jetml/nn/model_io.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::train {

/// Trains a network in place with one optimiser and one loss. Checkpoint entries: model.npz
/// (current network with `meta`), best.npz (best snapshot), optimizer.npy (moment buffers m
/// then v, float32) and the key opt_steps. Validation: the loss over the whole set (for a
/// batch-level loss, its row-weighted mean over consecutive chunks of `batch` rows, as in
/// training) and, when both classes are present, the weighted ROC AUC of the outputs.
class network_trainable : public trainable {
public:
    /// `m` must outlive this object; `meta` is written into the checkpoint's model entries;
    /// `batch` is the training batch size (validation predicts in chunks of max(batch, 256)).
    network_trainable(nn::sequential& m, const nn::optim_config& oc, nn::loss_kind loss, nn::model_meta meta,
                      std::size_t batch);
    /// The same with any loss (e.g. nn::make_loss("disco:10")); a loss with side_columns() > 0
    /// gets the side columns of the batches and of the validation set, in labelled_set order.
    network_trainable(nn::sequential& m, const nn::optim_config& oc, std::shared_ptr<const nn::loss> loss,
                      nn::model_meta meta, std::size_t batch);

    /// "arch", and what the optimiser and loss really are: "optimiser", "momentum" (sgd),
    /// "optimiser_constants" (Adam's betas and eps, or SGD's nesterov), "weight_decay", "loss".
    void signature(fit_signature& s) const override;
    void begin_epoch(std::size_t epoch, double lr) override;
    double train_batch(const batch& b, double lr) override;
    evaluation validate(const data::labelled_set& va) override;
    std::string snapshot() override;
    void restore(const std::string& snap) override;
    saved_state save_state(const std::string& best) override;
    std::string load_state(const std::map<std::string, std::string>& keys,
                           const std::map<std::string, std::string>& entries, const std::string& src) override;

    nn::sequential& model() { return m_; }
    nn::optimizer& optimizer() { return opt_; }

private:
    nn::sequential& m_;
    nn::optimizer opt_;
    std::shared_ptr<const nn::loss> loss_;
    nn::model_meta meta_;
    std::size_t batch_;
};

}  // namespace jetml::train
