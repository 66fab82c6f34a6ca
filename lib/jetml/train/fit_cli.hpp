// SPDX-License-Identifier: MIT
// jetml/train/fit_cli.hpp - the training engine's options, declared once for every tool built on it.
#pragma once
#include <CLI/CLI.hpp>

#include "jetml/core/cli.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::train {

/// Declares --epochs, --batch, --lr, --optimiser, --momentum, --weight-decay, --schedule,
/// --loss, --val-split, --val, --val-labels, --patience, --standardise, --checkpoint, --resume
/// and --class-weight on `app`, bound to `f` (defaults shown in --help). Call f.check() after
/// parsing.
inline void add_fit_options(CLI::App& app, fit_options& f) {
    app.add_option("--class-weight", f.class_weight,
                   "none, balanced (equal total weight per class) or S:B (multiply signal by S, background by B)")
        ->capture_default_str();
    app.add_option("--epochs", f.epochs, "maximum number of epochs")
        ->capture_default_str()
        ->check(jetml::whole_number(1, 1000000));
    app.add_option("--batch", f.batch, "mini-batch size")->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
    app.add_option("--lr", f.lr, "learning rate")->capture_default_str();
    app.add_option("--optimiser", f.optimizer, "sgd, adam or adamw")->capture_default_str();
    app.add_option("--momentum", f.momentum, "SGD momentum")->capture_default_str();
    app.add_option("--weight-decay", f.weight_decay, "L2 weight decay (decoupled for adamw)")->capture_default_str();
    app.add_option("--schedule", f.schedule, "learning-rate schedule: constant, step:SIZE[:GAMMA], cosine[:MIN_LR]")
        ->capture_default_str();
    app.add_option("--loss", f.loss,
                   "bce (binary cross-entropy from logits), mse, disco:LAMBDA[:all] (bce + LAMBDA x squared "
                   "distance correlation of the output with the side variable, on background or all events), or "
                   "for train's autoencoders mse (their default) or sorted-mse (on sorted intensities)")
        ->capture_default_str();
    app.add_option("--val-split", f.val_split, "fraction of the samples held out for validation")->capture_default_str();
    app.add_option("--val", f.val, "validation samples (instead of --val-split)");
    app.add_option("--val-labels", f.val_labels, "labels of --val");
    app.add_option("--patience", f.patience,
                   "stop after this many epochs without a better validation loss (0 = never)")
        ->capture_default_str();
    app.add_option("--standardise", f.standardize,
                   "input standardisation fitted on the training set: auto (features yes, images no), on, off")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "on", "off"}));
    app.add_option("--checkpoint", f.checkpoint, "checkpoint file written (atomically) after every epoch");
    app.add_flag("--resume", f.resume,
                 "continue from --checkpoint; refused (exit 2, listing every difference) when the data or an "
                 "option that changes the result differ from the checkpoint's; only a larger --epochs may continue");
}

}  // namespace jetml::train
