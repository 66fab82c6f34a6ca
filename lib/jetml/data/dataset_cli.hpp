// SPDX-License-Identifier: MIT
// jetml/data/dataset_cli.hpp - the labelled-data options (inputs, -l, --label-col, --signal,
// --background, -w, --weight-col, --features, --side-col), declared once for every tool.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace jetml::data {

/// What a tool reads, as its command line gave it. Filled by add_dataset_options.
struct dataset_options {
    std::vector<std::string> inputs;     ///< sample files, NPY or CSV; '-' = stdin
    std::string labels;                  ///< -l: labels file, NPY (N,) or CSV
    std::string label_col;               ///< --label-col: label column of the CSV labels or of the CSV input
    /// --signal/--background: samples of label 1 and label 0 (train and the tools built on the
    /// engine read one of each; roc reads pairs of score files, one discriminant a pair).
    std::vector<std::string> signal, background;
    std::string weights;                 ///< -w: weights file, NPY (N,) or CSV
    std::string weight_col;              ///< --weight-col: weight column of the CSV weights or of the CSV input
    std::string features;                ///< --features: comma-separated CSV feature columns
    std::vector<std::string> side_cols;  ///< --side-col (repeatable): CSV columns carried beside the samples
    bool allow_missing = false;          ///< NaN sample values pass (for trees); set by the tool, not an option
    /// The --features list split at commas (empty parts dropped).
    std::vector<std::string> feature_list() const;
};

/// Which option groups a tool declares (bit flags, combined with |).
namespace dataset_parts {
constexpr unsigned samples = 1;   ///< positional inputs and --signal/--background
constexpr unsigned labels = 2;    ///< -l/--labels and --label-col
constexpr unsigned weights = 4;   ///< -w/--weights and --weight-col
constexpr unsigned features = 8;  ///< --features
constexpr unsigned side = 16;     ///< --side-col NAME
/// With samples: the inputs and --signal/--background are score files [NAME=]FILE and
/// --signal/--background are repeatable pairs (roc).
constexpr unsigned scores = 32;
/// What train needs.
constexpr unsigned training = samples | labels | weights | features;
}  // namespace dataset_parts

/// Declares the options of the groups in `which` on `app`, with one wording for every tool.
void add_dataset_options(CLI::App& app, dataset_options& d, unsigned which);

/// Throws jetml::usage_error for a missing or conflicting option (worded once, the same in
/// every tool): --signal without --background, more than one pair, inputs and
/// --signal/--background together, no samples, no labels, -l with --signal/--background,
/// --label-col/--weight-col/--side-col without a single CSV input to read them from, and an
/// input, labels or weights file that cannot be read.
void check_dataset_options(const dataset_options& d);

/// No limit on the number of --signal/--background pairs (roc).
constexpr std::size_t max_pairs_unlimited = static_cast<std::size_t>(-1);

/// The --signal/--background checks every tool shares: as many of each, at most max_pairs
/// pairs, neither sample inputs nor -l beside them, and -w (the weights of the signal rows,
/// then of the background rows) with one pair only. Throws jetml::usage_error.
void check_signal_background(std::size_t n_signal, std::size_t n_background, bool inputs, bool labels,
                             bool weights, std::size_t max_pairs);

/// Throws jetml::usage_error "OPTION: cannot read 'PATH': REASON" unless path is empty, "-"
/// or a readable file (an input named on the command line that is missing is a usage error,
/// exit 2, in every tool).
void check_readable(const std::string& path, const std::string& option);

}  // namespace jetml::data
