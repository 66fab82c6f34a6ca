// SPDX-License-Identifier: MIT
// jetml/train/ensemble.hpp - an epoch ensemble: a trainable that passes everything to another one
// and keeps the snapshots of the K epochs with the lowest validation loss (ANODE/CATHODE average
// the predictions of such epochs; CATHODE's classifier keeps the 10 best). The snapshots travel
// in the checkpoint, so a resumed run keeps the same ensemble.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jetml/train/fit.hpp"

namespace jetml::train {

/// Wraps `inner` (which must outlive it). The engine validates after every epoch; the snapshot
/// of an epoch whose loss is among the k lowest so far is kept (ties: the earlier epoch stays).
/// Without validation rows nothing is kept (fit() uses the training loss then, which validate()
/// does not see): members() is empty and callers fall back to the best parameters.
class epoch_ensemble : public trainable {
public:
    epoch_ensemble(trainable& inner, std::size_t k);

    /// The inner signature plus "ensemble" (k).
    void signature(fit_signature& s) const override;
    void begin_epoch(std::size_t epoch, double lr) override { inner_.begin_epoch(epoch, lr); }
    bool uses_batches() const override { return inner_.uses_batches(); }
    double train_batch(const batch& b, double lr) override { return inner_.train_batch(b, lr); }
    double end_epoch(std::size_t epoch) override;
    evaluation validate(const data::labelled_set& va) override;
    std::string snapshot() override { return inner_.snapshot(); }
    void restore(const std::string& snap) override { inner_.restore(snap); }
    /// The inner state plus entries "ensemble.I" (snapshots) and key "ensemble" (I:EPOCH:LOSS ...).
    saved_state save_state(const std::string& best) override;
    std::string load_state(const std::map<std::string, std::string>& keys,
                           const std::map<std::string, std::string>& entries, const std::string& src) override;

    /// A kept epoch: 1-based epoch, validation loss, snapshot bytes.
    struct member {
        std::size_t epoch;
        double loss;
        std::string snap;
    };
    /// The kept epochs, lowest loss first.
    const std::vector<member>& members() const { return kept_; }

private:
    trainable& inner_;
    std::size_t k_;
    std::size_t epoch_ = 0;
    std::vector<member> kept_;
};

}  // namespace jetml::train
