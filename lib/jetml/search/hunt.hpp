// SPDX-License-Identifier: MIT
// jetml/search/hunt.hpp - the CWoLa bump hunt (Collins, Howe, Nachman 1805.02664, 1902.02634)
// as the reference code runs it (REFERENCE.md section 3.2): log-spaced mjj bins; a signal
// region of k bins with sidebands on each side slid over every possible centre; for each, a
// nested k-fold (test fold k, validation fold l != k) of classifiers of signal region against
// sidebands, repeated trainings with the best kept on the validation signal-region efficiency
// at a fixed sideband efficiency, the fold's ensemble the mean of its best models, and every
// event scored only by the ensemble of its own fold (models that never saw it); selections at
// global efficiencies, cut per fold over all its events; the background in the signal region
// from the dijet fit to the other bins; the profile-likelihood significance.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/stats/dijet.hpp"
#include "jetml/stats/histogram.hpp"
#include "jetml/stats/significance.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/fit.hpp"

namespace jetml::search {

/// The events of a hunt: mjj, the classifier's features (x of `features`, y and w unused) and,
/// when known, truth labels (never trained on; they count the signal in each selection).
struct hunt_events {
    std::vector<double> mjj;
    data::labelled_set features;
    std::vector<float> truth;
};

/// Reads a CSV event table: the mjj column, the feature columns (comma-separated; mjj itself is
/// refused as a feature) and optionally a truth label column. Errors name the file and row.
hunt_events load_hunt_events(const std::string& path, const std::string& mjj_col, const std::string& features,
                             const std::string& truth_col);

/// The hunt's dijet fit settings: predict_background's defaults with the stopping tolerances of
/// the reference code's scipy curve_fit (MINPACK's ftol = xtol = 1.49012e-8) instead of the
/// library's tighter 1e-14 and 1e-12. On the lhco-dev sample this moves the SR predictions by
/// less than 0.02 events; it does not rescue the 4-parameter fits of strongly selected spectra
/// that "did not converge" (their best fit lies at infinity: p1 -> 0 with p2 < 0 and p3 large).
stats::background_fit_options hunt_background_defaults();

/// Everything that defines a hunt.
struct hunt_options {
    std::vector<double> edges;              ///< mjj bin edges (e.g. log_edges(15, lo, hi))
    std::size_t sr_bins = 3, sb_bins = 2;   ///< signal-region width and sideband width, in bins
    std::vector<std::size_t> centres;       ///< SR centre bins to scan (empty: every possible one)
    std::size_t folds = 5;                  ///< outer and inner folds of the nested k-fold
    std::size_t trainings = 1;              ///< trainings per (test, validation) pair; the best is kept
    double select_eff = 0.01;               ///< model selection: SR efficiency at this SB efficiency
    std::vector<double> efficiencies{1, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002};
    train::classifier_spec classifier;      ///< the classifier (a network: Fisher has no trainings to repeat)
    train::fit_options fit;                 ///< engine options of each training (val_split unused)
    stats::background_fit_options background = hunt_background_defaults();  ///< the dijet fit
    std::uint64_t seed = 1;
    std::string state_dir;                  ///< where finished (region, fold) units are kept ("" = none)
    bool resume = false;                    ///< reuse the finished units found in state_dir
};

/// One selection of one signal region.
struct hunt_cell {
    double efficiency = 1;
    std::vector<double> pass;            ///< events passing, per mjj bin (summed over folds)
    stats::background_prediction fit;           ///< the sideband fit and SR prediction (fit.ok false: see fit.reason)
    stats::significance_result sig;             ///< Z and p0 (zero when the fit failed)
    double truth_signal = -1;            ///< truth signal events passing in the SR (-1 without truth)
    double truth_background = -1;
};

/// One signal region: its bins, the events' out-of-fold scores and its selections.
struct hunt_region {
    stats::signal_region sr;
    std::vector<float> scores;           ///< per event: the mean score of its fold's ensemble
    std::vector<hunt_cell> cells;        ///< one per efficiency, in hunt_options order
    std::vector<double> select_metric;   ///< per (k, l): the kept training's validation SR efficiency
};

/// The hunt's result.
struct hunt_result {
    stats::histogram all;                       ///< mjj of every event on the edges
    std::vector<hunt_region> regions;    ///< in scan order
    std::vector<std::uint32_t> fold_of;  ///< each event's fold (stratified by mjj bin)
    std::size_t units_reused = 0;        ///< (region, fold) units taken from state_dir
};

/// Progress and messages: `unit` is called after each training with (done, total) trainings.
struct hunt_callbacks {
    std::function<void(std::size_t done, std::size_t total)> progress;
    std::function<void(const std::string&)> note;
    const jetml::tool* tool = nullptr;   ///< the engine's messages (may be null)
};

/// Checks the options against the events (usage_error: no centre fits, too few folds, an
/// efficiency outside (0, 1], a Fisher classifier with several trainings) and the events
/// (jetml::error: a sideband without events, fewer than `folds` events in a region).
void check_hunt(const hunt_events& ev, const hunt_options& o);

/// Runs the hunt. Deterministic for a seed and thread count; with state_dir, every finished
/// (region, test fold) unit is saved atomically, and resume reuses them bit for bit.
hunt_result run_hunt(const hunt_events& ev, const hunt_options& o, const hunt_callbacks& cb = {});

/// The table of a result: one row per (region, efficiency): centre, sr_lo, sr_hi, efficiency,
/// observed, expected, expected_err, z, p0, chi2, ndf, fit_ok[, signal, background], fit_note
/// as CSV or as aligned text.
std::string hunt_table(const hunt_result& r, bool csv, bool truth);

/// The fit_note column: "ok", or why the sideband fit failed (commas written as ';' so that it
/// stays one CSV field), e.g. "did not converge in 500 iterations (chi2 = 1e+04)".
std::string fit_note(const stats::background_prediction& p);

/// How many (region, efficiency) cells have a failed sideband fit (their Z is 0).
std::size_t failed_fits(const hunt_result& r);

/// Writes every event's out-of-fold score of each signal region: NPY float32 (N, regions), or
/// for a .csv path CSV with one column score_srC per region (C its centre bin).
void write_hunt_scores(const std::string& path, const hunt_result& r);

}  // namespace jetml::search
