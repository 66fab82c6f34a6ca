// SPDX-License-Identifier: MIT
// jetml/search/hunt_cli.hpp - cwola --hunt: the bump hunt's options, declared once, and the run
// from a CSV event table to its table, scores and plots.
#pragma once
#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/search/hunt.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::search {

/// The hunt's own options (the classifier, the engine and the features come from the tool).
struct hunt_cli {
    bool enabled = false;               ///< --hunt
    std::string mjj_col = "mjj";        ///< --mjj-col
    std::string range;                  ///< --range LO,HI ("" = the data's)
    std::string dijet = "3";            ///< --dijet 3|4
    std::string plots;                  ///< --plots PREFIX ("" = none)
    std::vector<std::string> effs;      ///< --efficiencies
    std::size_t nbins = 15;             ///< --bins
    hunt_options o;                     ///< --sr-bins, --sb-bins, --centres, --folds, --trainings, --select-eff, --state

    /// Declares --hunt and the hunt options on `app`.
    void add_options(CLI::App& app);

    /// Where the inputs and outputs come from.
    struct io {
        std::string input, features, truth_col, output, scores_out;
        bool csv = false;
    };
    /// Runs the hunt: reads the events, checks the options (usage_error) and the events
    /// (jetml::error) before any training, trains, and writes the table to `output` ("" =
    /// stdout), the scores to `scores_out` and the plots to `plots` (each written atomically).
    void run(const tool& t, const io& paths, train::classifier_spec spec, train::fit_options f);
};

}  // namespace jetml::search
