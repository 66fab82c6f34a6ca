// SPDX-License-Identifier: MIT
// jetml/data/dataset_cli.cpp - the labelled-data options and their conflict checks, worded once.
#include "jetml/data/dataset_cli.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <CLI/CLI.hpp>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"

namespace jetml::data {

std::vector<std::string> dataset_options::feature_list() const { return split_list(features); }

void add_dataset_options(CLI::App& app, dataset_options& d, unsigned which) {
    using namespace dataset_parts;
    if ((which & samples) && (which & scores)) {
        app.add_option("inputs", d.inputs,
                       "score files [NAME=]FILE, NPY (N,) or CSV; '-' = stdin (default); a repeated NAME "
                       "makes an ensemble of runs")
            ->type_name("[NAME=]FILE");
        app.add_option("--signal", d.signal, "signal scores [NAME=]FILE (repeatable; pairs with --background)")
            ->type_name("[NAME=]FILE");
        app.add_option("--background", d.background, "background scores [NAME=]FILE, one per --signal")
            ->type_name("[NAME=]FILE");
    } else if (which & samples) {
        app.add_option("inputs", d.inputs, "samples: NPY or CSV; '-' = stdin");
        app.add_option("--signal", d.signal, "signal samples (label 1), instead of inputs + labels")->type_name("FILE");
        app.add_option("--background", d.background, "background samples (label 0)")->type_name("FILE");
    }
    if (which & labels) {
        app.add_option("-l,--labels", d.labels, "labels 0/1 (1 = signal): NPY (N,) of any int/float/bool dtype, or CSV");
        auto* o = app.add_option("--label-col", d.label_col, "label column of a CSV labels file, or of the CSV input itself");
        if (!d.label_col.empty()) o->capture_default_str();
    }
    if (which & weights) {
        app.add_option("-w,--weights", d.weights, "per-event weights: NPY (N,) or CSV (with --weight-col)");
        app.add_option("--weight-col", d.weight_col, "weight column of a CSV weights file or of the CSV input");
    }
    if (which & features) app.add_option("--features", d.features, "comma-separated CSV feature columns");
    if (which & side)
        app.add_option("--side-col", d.side_cols, "CSV column carried beside the samples, e.g. mjj (repeatable)")
            ->type_name("NAME");
}

void check_signal_background(std::size_t n_signal, std::size_t n_background, bool inputs, bool labels,
                             bool weights, std::size_t max_pairs) {
    if (n_signal == 0 && n_background == 0) return;
    if (n_signal != n_background)
        throw usage_error("--signal and --background go together: they come in pairs, got " + std::to_string(n_signal) +
                          " and " + std::to_string(n_background));
    if (n_signal > max_pairs)
        throw usage_error("--signal and --background: " + std::to_string(n_signal) + " pairs given, " +
                          std::to_string(max_pairs) + " expected");
    if (inputs) throw usage_error("give either input files or --signal/--background, not both");
    if (labels) throw usage_error("--labels cannot be combined with --signal/--background");
    if (weights && n_signal > 1)
        throw usage_error("--weights with --signal/--background needs exactly one pair (the weights of the signal "
                          "rows, then of the background rows); use --weight-col in CSV inputs for several pairs");
}

void check_readable(const std::string& path, const std::string& option) {
    if (path.empty() || path == "-") return;
    if (::access(path.c_str(), R_OK) != 0)
        throw usage_error(option + ": cannot read '" + path + "': " + std::strerror(errno));
}

void check_dataset_options(const dataset_options& d) {
    const bool sb = !d.signal.empty() || !d.background.empty();
    check_signal_background(d.signal.size(), d.background.size(), !d.inputs.empty(), !d.labels.empty(),
                            !d.weights.empty(), 1);
    if (!sb && d.inputs.empty()) throw usage_error("no samples: give input files or --signal/--background");
    if (!sb && d.labels.empty() && d.label_col.empty())
        throw usage_error("no labels: give -l FILE, --label-col NAME, or --signal/--background");
    if (!sb && d.labels.empty() && d.inputs.size() != 1)
        throw usage_error("--label-col without -l reads labels from the single CSV input");
    if (d.weights.empty() && !d.weight_col.empty() && d.inputs.size() != 1)
        throw usage_error("--weight-col without -w reads weights from the single CSV input");
    for (const auto& f : d.inputs) check_readable(f, "input");
    for (const auto& f : d.signal) check_readable(f, "--signal");
    for (const auto& f : d.background) check_readable(f, "--background");
    check_readable(d.labels, "--labels");
    check_readable(d.weights, "--weights");
}

}  // namespace jetml::data
