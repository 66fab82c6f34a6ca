// SPDX-License-Identifier: MIT
// jetml/train/autoencoder_cli.hpp - the autoencoder options of train (--autoencoder, --only-class,
// --normalise), declared once.
#pragma once
#include <CLI/CLI.hpp>

#include "jetml/train/autoencoder.hpp"

namespace jetml::train {

/// What the autoencoder options set.
struct autoencoder_cli {
    bool on = false;      ///< --autoencoder
    int only_class = -1;  ///< --only-class (-1: every row)
    autoencoder_spec spec;
};

/// Declares --autoencoder, --only-class and --normalise on `app`, bound to `a`.
inline void add_autoencoder_options(CLI::App& app, autoencoder_cli& a) {
    app.add_flag("--autoencoder", a.on,
                 "train an autoencoder without labels: the samples are the targets (--arch ae-dense, ae-conv, "
                 "vae-dense, vae-conv, or a layer string whose output has the input's shape); --loss mse or sorted-mse");
    app.add_option("--only-class", a.only_class,
                   "with --autoencoder and labels: train on the rows of this label only (0 or 1)")
        ->check(CLI::Range(0, 1));
    app.add_option("--normalise", a.spec.normalise,
                   "with --autoencoder: none, or sum (divide each sample by the sum of its values, in training and "
                   "scoring)")
        ->capture_default_str()
        ->check(CLI::IsMember({"none", "sum"}));
}

}  // namespace jetml::train
