// SPDX-License-Identifier: MIT
// jetml/train/classifier_cli.hpp - the classifier options (--arch, --shrinkage), declared once
// for train and the tools built on train::fit_classifier.
#pragma once
#include <CLI/CLI.hpp>

#include "jetml/core/error.hpp"
#include "jetml/train/classifier.hpp"

namespace jetml::train {

/// Declares --arch and --shrinkage on `app`, bound to `c`. Call check_classifier_spec after
/// parsing.
inline void add_classifier_options(CLI::App& app, classifier_spec& c) {
    app.add_option("--arch", c.arch, "architecture: preset name, layer string, @FILE, or fisher")->capture_default_str();
    app.add_option("--shrinkage", c.shrinkages,
                   "Fisher: covariance shrinkage towards the identity, in [0, 1]; a comma list keeps "
                   "the value with the best validation AUC")
        ->delimiter(',')
        ->capture_default_str();
}

/// Usage errors for the classifier options' values.
inline void check_classifier_spec(const classifier_spec& c) {
    for (double a : c.shrinkages)
        if (!(a >= 0 && a <= 1)) throw usage_error("--shrinkage values must be in [0, 1]");
}

}  // namespace jetml::train
