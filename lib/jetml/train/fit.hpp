// SPDX-License-Identifier: MIT
// jetml/train/fit.hpp - the training engine: one epoch loop over a `trainable` with seeded
// shuffling, a learning-rate schedule, validation, early stopping, the best snapshot,
// checkpoints with exact resume, SIGTERM/SIGINT handling and a progress bar.
//
// A checkpoint is a stored zip (format "jetml-checkpoint", version 2): state.txt (key=value
// lines: format, version, jetml_version, next_epoch, best_epoch, bad_epochs, best_loss, the
// trainable's own keys, and the run's fit_signature as sig.KEY lines) plus the trainable's
// entries (for a network: model.npz, best.npz, optimizer.npy). Resuming compares the stored
// signature with this run's and refuses (usage_error, exit 2) with every difference; only
// --epochs may change. Version 1 checkpoints (no signature fields) are refused as written by an
// older jetml.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/train/signature.hpp"

namespace jetml {
class tool;
}

namespace jetml::train {

/// The options of every tool built on the engine (declared for CLI11 by fit_cli.hpp).
struct fit_options {
    std::size_t epochs = 20;            ///< maximum number of epochs (boosting rounds)
    std::size_t batch = 128;            ///< mini-batch size (> 0)
    std::size_t patience = 5;           ///< stop after this many epochs without a better loss (0 = never)
    double lr = 1e-3;                   ///< learning rate (> 0)
    std::string optimizer = "adam";     ///< sgd, adam or adamw
    double momentum = 0.9;              ///< SGD momentum
    double weight_decay = 0;            ///< L2 weight decay (decoupled for adamw)
    std::string schedule = "constant";  ///< constant, step:SIZE[:GAMMA], cosine[:MIN_LR]
    std::string loss = "bce";           ///< loss name (nn::parse_loss)
    double val_split = 0.2;             ///< fraction held out for validation, [0, 1)
    std::string val, val_labels;        ///< validation files (instead of val_split)
    std::string standardize = "auto";   ///< auto (features yes, images no), on, off
    std::string checkpoint;             ///< checkpoint written after every epoch ("" = none)
    bool resume = false;                ///< continue from `checkpoint`
    std::string class_weight = "none";  ///< none, balanced or S:B

    /// Every check of the values above (usage_error with the option's name).
    void check() const;
    /// Whether inputs of `shape` (one sample) are standardised under `standardize`.
    bool standardises(const std::vector<std::size_t>& shape) const;
};

/// Samples of one mini-batch, gathered by the engine: x (n, size), y (n), w (n) and the
/// side columns of the data set (n each, same order as labelled_set::side).
struct batch {
    const float* x = nullptr;
    const float* y = nullptr;
    const float* w = nullptr;
    std::vector<const float*> side;
    std::size_t n = 0;
};

/// What validate() measures; NaN where it does not apply.
struct evaluation {
    double loss = NAN;  ///< weighted mean loss (the early-stopping criterion)
    double auc = NAN;   ///< ROC AUC (NaN without both classes or for a non-classifier)
};

/// The trainable's part of a checkpoint.
struct saved_state {
    std::vector<std::pair<std::string, std::string>> keys;     ///< extra state.txt lines (no '\n')
    std::vector<std::pair<std::string, std::string>> entries;  ///< zip entries: (name, bytes)
};

/// Something the engine can train: a classifier network, two networks trained against each
/// other, a flow trained by likelihood, an autoencoder, a tree booster (which does one
/// boosting round per epoch in end_epoch and ignores the batches).
class trainable {
public:
    virtual ~trainable() = default;
    /// Adds to `s` what the engine cannot know about this model: its architecture and the
    /// settings it uses that are not fit_options (e.g. the optimiser's constants, an adversary's
    /// weight), and replaces an engine field whose value it uses differently (e.g. "loss" with
    /// the loss it really evaluates). Called after the engine's fields; a checkpoint must match
    /// the whole signature.
    virtual void signature(fit_signature& s) const = 0;
    /// Called before the batches of `epoch` (0-based) at learning rate lr.
    virtual void begin_epoch(std::size_t epoch, double lr) { (void)epoch, (void)lr; }
    /// Whether the engine should feed mini-batches (a booster says no).
    virtual bool uses_batches() const { return true; }
    /// One optimisation step on a batch; returns its weighted mean loss. Throws jetml::error
    /// for a non-finite loss.
    virtual double train_batch(const batch& b, double lr) = 0;
    /// Called after the batches of an epoch; returns the epoch's training loss, or NaN to use
    /// the sample-weighted mean of the batch losses.
    virtual double end_epoch(std::size_t epoch) { (void)epoch; return NAN; }
    /// Whether the engine keeps the parameters of the last epoch instead of those of the best
    /// criterion (an adversarial objective has no meaningful best); patience then never runs out.
    virtual bool keeps_last() const { return false; }
    /// Loss (and AUC where it applies) on a validation set with at least one row.
    virtual evaluation validate(const data::labelled_set& va) = 0;
    /// The current parameters as opaque bytes.
    virtual std::string snapshot() = 0;
    /// Sets the parameters from snapshot() bytes.
    virtual void restore(const std::string& snap) = 0;
    /// Parameters and optimiser state for a checkpoint, with `best` (a snapshot) beside them.
    virtual saved_state save_state(const std::string& best) = 0;
    /// Restores save_state() output (keys of state.txt, entries by name); returns the best
    /// snapshot. `src` names the file in errors.
    virtual std::string load_state(const std::map<std::string, std::string>& keys,
                                   const std::map<std::string, std::string>& entries, const std::string& src) = 0;
};

/// What fit() did.
struct fit_result {
    std::size_t best_epoch = 0;       ///< 1-based epoch of the kept parameters (0: none finished)
    double best_loss = INFINITY;      ///< its validation loss (training loss without validation)
    std::size_t epochs_done = 0;      ///< epochs finished, including those of a resumed run
    bool stopped_early = false;       ///< patience ran out
    bool validated = false;           ///< the criterion was the validation loss
    fit_signature signature;          ///< what the run depended on (make_signature)
};

/// Where fit() reports: notes, progress bar and seed come from the tool.
struct fit_context {
    const jetml::tool* t = nullptr;  ///< may be null: no messages, no progress bar
    std::uint64_t seed = 1;          ///< shuffling seed (the tool's --seed)
    std::string interrupt_checkpoint;  ///< where a signal saves the state without --checkpoint
    /// What the message of a NaN or infinite loss suggests (a tool whose inputs are
    /// preprocessed by the model itself has no --standardise to offer).
    std::string diverge_hint = "try a lower --lr or --standardise on";
};

/// The data part of a signature, for any model fitted on `tr` and validated on `va` (also a
/// closed-form one): "seed" (--seed), "val_split" (--val-split, or "none (--val)" with a
/// validation file), "standardise" (on/off as applied, `standardised`), "class_weight",
/// "shape", "samples" ("N training + M validation"), and "train_data" / "val_data" (the data
/// digests of the sets as given, i.e. after standardisation, class weighting and the split,
/// with parts inputs, labels, weights, side).
fit_signature data_signature(const data::labelled_set& tr, const data::labelled_set& va, const fit_options& f,
                             std::uint64_t seed, bool standardised);
/// The whole signature fit() stores and checks: data_signature (with f.standardises(tr.shape))
/// plus "batch", "lr", "optimiser", "momentum" (sgd only), "weight_decay", "schedule" (with the
/// epoch count when the rates depend on it, as cosine's do), "loss", "patience" and "threads"
/// (the OpenMP thread count: a batch split over threads sums its gradients in another order,
/// so the bits of the result depend on it), then the trainable's own fields.
fit_signature make_signature(const trainable& m, const data::labelled_set& tr, const data::labelled_set& va,
                             const fit_options& f, const fit_context& ctx);
/// The "training" record of a model file's meta.json after fit(): r.signature.record() plus
/// "epochs" (the maximum asked for) and "epochs_done".
std::vector<std::pair<std::string, std::string>> training_record(const fit_result& r, const fit_options& f);

/// Trains `m` on `tr` for up to f.epochs epochs. Each epoch visits the rows in a Fisher-Yates
/// order from jetml::rng(seed, 0xE90C0000 + epoch), in batches of f.batch (the last smaller),
/// at the learning rate of f.schedule. After each epoch the criterion (validation loss if `va`
/// has rows, else training loss) is compared with the best: a better one snapshots the
/// parameters, patience counts the others. With f.checkpoint a checkpoint is written
/// atomically after every epoch; f.resume continues from it exactly (same final state as an
/// uninterrupted run). SIGTERM/SIGINT during an epoch saves the last finished epoch's
/// checkpoint and throws jetml::error. On return the best parameters are restored into `m`.
/// A resume whose signature differs from the checkpoint's, or that asks for fewer epochs than
/// the checkpoint has done, is a usage_error naming every difference; a checkpoint whose
/// patience had already run out continues no further.
fit_result fit(trainable& m, const data::labelled_set& tr, const data::labelled_set& va, const fit_options& f,
               const fit_context& ctx);

}  // namespace jetml::train
