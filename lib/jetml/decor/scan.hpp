// SPDX-License-Identifier: MIT
// jetml/decor/scan.hpp - what the pivot tool runs: a classifier trained plain, with DisCo or
// against an adversary, for each lambda of a scan, each saved as a model file that predict
// scores, each summarised on the validation set by the decorrelation metrics.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/decor/adversary.hpp"
#include "jetml/stats/decorrelation.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::decor {

/// Which decorrelation: none (bce), DisCo (bce + lambda dCorr^2) or the adversary.
enum class decor_mode { plain, disco, adversary };
/// "plain", "disco", "adversary" (usage_error otherwise).
decor_mode parse_decor_mode(const std::string& s);

/// The scan's settings beside the engine's fit_options.
struct scan_options {
    decor_mode mode = decor_mode::adversary;
    std::vector<double> lambdas{10};  ///< one run per value (plain: lambda is ignored, one run)
    pivot_params adv;                 ///< adversary settings (lambda set per run)
    bool disco_all = false;           ///< DisCo over every event instead of the background
    std::string output;               ///< model file; with several lambdas it must contain "{}"
    stats::decor_summary_options metrics;
    /// usage_error for a bad value or a missing "{}" (also in fit_options::checkpoint).
    void check(const train::fit_options& f) const;
};

/// `pattern` with "{}" replaced by lambda's shortest round-trip form.
std::string path_for(const std::string& pattern, double lambda);

/// One run's result.
struct scan_row {
    double lambda = 0;
    std::string model;               ///< the model file written
    stats::decor_summary summary;    ///< on the validation set
    double adversary_loss = NAN;     ///< validation L_r (adversary mode), in the nuisance's units
    std::size_t epochs = 0;
};

/// Trains one classifier per lambda on tr (validated and summarised on va, which needs rows),
/// the side column 0 of both sets being the nuisance / side variable; writes each model file.
/// A constant nuisance, or a categorical one with values that are not 0 .. C-1, is a
/// jetml::error (exit 1). Deterministic for the seed and thread count.
std::vector<scan_row> run_scan(const scan_options& o, const train::classifier_spec& spec, const data::labelled_set& tr,
                               const data::labelled_set& va, const train::fit_options& f,
                               const train::fit_context& ctx);

/// CSV header and row of a scan row: mode,lambda,auc,threshold,rejection,inv_jsd,dcorr2,max_ks,
/// adversary_loss,epochs,model.
std::string scan_header();
std::string scan_line(decor_mode m, const scan_row& r);

}  // namespace jetml::decor
