// SPDX-License-Identifier: MIT
// jetml/viz/phase_space.hpp - restricted phase-space studies of a jet-image classifier: what it
// knows beyond the jet mass and tau21. Within each cell of a grid of mass and tau21 bins, the
// classifier's AUC and the pixel-score correlation map; and the reweighting test, where the
// background is reweighted so that its (mass, tau21) distribution, binned on that grid, equals
// the signal's, and the AUC that remains is what the classifier learned beyond them.
//
// One pass over the images: pixel-score moments (viz::pixel_score_moments) per cell and class;
// the reweighted map is their merge with each cell's class weights. The per-jet scores, labels,
// weights, masses and tau21 (five numbers a jet) stay in memory for the AUCs; the images do not.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "jetml/viz/views.hpp"

namespace jetml::viz {

/// What a study reads besides view_options' images, scores, labels and weights.
struct phase_space_options {
    std::string vars;                        ///< per-jet CSV (or NPY) with the mass and tau21 columns
    std::string mass_col = "mass", tau21_col = "tau21";
    std::vector<double> mass_edges, tau21_edges;  ///< increasing bin edges (empty: one bin, any value)
    std::string weights_out;                 ///< reweight: write the per-jet weights here (NPY (N,) float64)
};

/// Bin edges from "65,75,85,95": at least two, finite, strictly increasing; usage_error
/// naming `option` otherwise.
std::vector<double> parse_edges(const std::string& text, const std::string& option);

/// A study's result: the table (CSV text), the maps ((B, C, H, W) float64), the picture and
/// one line for the log.
struct study_result {
    std::string table;
    std::vector<std::size_t> shape;
    std::vector<double> values;
    std::string svg;
    std::string summary;
};

/// view "bins": one table row per cell (mass outer, tau21 inner) with
/// mass_lo,mass_hi,tau21_lo,tau21_hi,n_signal,n_background,w_signal,w_background,auc,auc_mass,auc_tau21
/// (AUCs NaN where a class is absent) and the cell's correlation map (NaN with fewer than two jets);
/// jets outside the grid are left out (the summary counts them).
study_result bins_study(const view_options& o, const phase_space_options& s);

/// view "reweight": background weights w * (S_c / S) / (B_c / B) in cell c (S_c, B_c the class
/// weight sums in the cell, S, B over the grid), signal weights w; jets outside the grid, and
/// signal in cells without background, get weight 0. Table rows variable,auc,auc_reweighted for
/// the score, the mass and tau21 (whose reweighted AUCs near 0.5 show the reweighting worked,
/// up to their variation inside the cells); maps (2, C, H, W): the correlation before and after.
study_result reweight_study(const view_options& o, const phase_space_options& s);

}  // namespace jetml::viz
