// SPDX-License-Identifier: MIT
// jetml/stats/roc_study.hpp - what roc does, as a library: score inputs named [NAME=]FILE (with
// labels, or as --signal/--background pairs) read into discriminants, each with one or more
// runs (an ensemble); their curves, summary numbers and uncertainties; the summary table and
// the curve CSV. tools/roc.cpp declares the options and calls these in order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jetml/core/shard.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/stats/metrics.hpp"

namespace jetml::stats {

/// One run of a discriminant: where its scores come from, its events and its curves.
struct roc_member {
    std::string path, column;          ///< scores (label mode) or signal scores (pair mode)
    std::string bkg_path, bkg_column;  ///< background scores (pair mode)
    roc_data data;
    roc_curve full, shown;             ///< every threshold; the curve as shown (drop_intermediate)
    std::vector<double> values;        ///< summary numbers, in summarize()'s order
};

/// A named discriminant: one run, or several (an ensemble: mean and spread over the runs).
struct roc_discriminant {
    std::string name;
    std::vector<roc_member> members;
    std::vector<double> value, err;  ///< per summary quantity; err NaN without an uncertainty
};

/// What roc's command line names: the labelled-data options (inputs and --signal/--background
/// as [NAME=]FILE, -l, -w, --label-col, --weight-col) and the score columns of CSV inputs.
struct roc_inputs {
    data::dataset_options data;
    std::vector<std::string> score_cols;  ///< [NAME=]COL of CSV score files (default "score")
    std::string ensemble;                 ///< every input is one run of this discriminant
    shard_spec shard;                     ///< --shard: only these rows of every input (labelled files only)
};

/// "NAME=REST" -> (NAME, REST) when the text before '=' looks like a name (no '/') and the
/// whole argument is not an existing file; else ("", arg).
std::pair<std::string, std::string> split_name(const std::string& arg);

/// Checks the options before anything is read (throws jetml::usage_error) and fills the
/// defaults: scores on stdin when no input is named, score column "score".
void check_roc_inputs(roc_inputs& in);

/// Reads every score input once (standard input too), with labels from -l or the label column
/// of the first CSV score file, weights from -w or --weight-col, and checks them (finite
/// scores, 0/1 labels, finite weights, equal lengths; errors name the file and the row).
std::vector<roc_discriminant> load_roc_inputs(const roc_inputs& in);

/// Applies the negative-weight policy ("keep", "drop" = set to 0, "abs", "error" = throw) and
/// returns the largest number of negative weights in one run.
std::size_t apply_negative_weights(std::vector<roc_discriminant>& ds, const std::string& policy);

/// What a study computes besides the discriminants' own numbers.
struct roc_summary {
    std::vector<std::string> keys, labels;  ///< quantity keys (CSV) and table labels
    bool any_err = false;                   ///< some value carries an uncertainty
    std::size_t bootstrap = 0;              ///< replicas used for single runs
};

/// Curves and summary numbers of every run; a discriminant's value is its run's numbers (with
/// the bootstrap std over `bootstrap` replicas seeded by `seed` when > 0), or for an ensemble
/// the mean and std over its runs. `warn` gets the messages a user should see.
roc_summary compute_roc_study(std::vector<roc_discriminant>& ds, const summary_spec& spec, bool all_points,
                              std::size_t bootstrap, std::uint64_t seed,
                              const std::function<void(const std::string&)>& warn);

/// The summary as an aligned text table (values with errors to 2 significant digits) or CSV
/// (name, runs, then each key and, with uncertainties, KEY_err).
std::string roc_summary_text(const std::vector<roc_discriminant>& ds, const roc_summary& s, bool csv);

/// Writes the shown curves as CSV name,member,threshold,eff_s,eff_b,rejection,sic ('-' = stdout).
void write_roc_curves(const std::string& path, const std::vector<roc_discriminant>& ds);

}  // namespace jetml::stats
