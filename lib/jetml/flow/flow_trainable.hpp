// SPDX-License-Identifier: MIT
// jetml/flow/flow_trainable.hpp - a conditional MAF trained by negative log-likelihood under the
// training engine (train::fit): epochs, shuffling, early stopping, best snapshot, checkpoints.
#pragma once
#include <cstddef>
#include <map>
#include <string>

#include "jetml/data/labelled.hpp"
#include "jetml/flow/flow_file.hpp"
#include "jetml/flow/maf.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::flow {

/// Trains `m` in place. The data sets' rows are [x | c] (shape (D + C)); labels are ignored,
/// weights weight the NLL. A step is maf::train_step (batch statistics) with the optimiser (the
/// ANODE/CATHODE default: maf_defaults::optimizer(), Adam 1e-4, weight decay 1e-6, batch 256).
/// After each epoch the batch-norm running statistics are recomputed on the whole training set
/// (pytorch-flows' trainer), so validation, the best snapshot and the saved model use them.
/// Validation loss: the weighted mean NLL (nats per event) with those statistics; no AUC.
/// Snapshots hold every parameter (running statistics included). Checkpoint entries: model.npz
/// (current flow file), best.npz, optimizer.npy (Adam m then v of the trainable parameters) and
/// the key opt_steps.
class flow_trainable : public train::trainable {
public:
    /// `m` and `train` must outlive this object; `meta` goes into the checkpoint's model files.
    flow_trainable(maf& m, const nn::optim_config& oc, const data::labelled_set& train, std::size_t batch,
                   flow_meta meta = {});

    /// "arch" (the flow's spec), the optimiser and its constants, "weight_decay" and "loss"
    /// ("nll"): what the flow really trains with.
    void signature(train::fit_signature& s) const override;
    void begin_epoch(std::size_t epoch, double lr) override;
    double train_batch(const train::batch& b, double lr) override;
    double end_epoch(std::size_t epoch) override;
    train::evaluation validate(const data::labelled_set& va) override;
    std::string snapshot() override;
    void restore(const std::string& snap) override;
    train::saved_state save_state(const std::string& best) override;
    std::string load_state(const std::map<std::string, std::string>& keys,
                           const std::map<std::string, std::string>& entries, const std::string& src) override;

    nn::optimizer& optimizer() { return opt_; }

private:
    maf& m_;
    nn::optimizer opt_;
    const data::labelled_set& train_;
    std::size_t batch_;
    flow_meta meta_;
};

/// Weighted mean NLL (nats) of the rows of `set` under `m` in evaluation mode.
double mean_nll(maf& m, const data::labelled_set& set);

}  // namespace jetml::flow
