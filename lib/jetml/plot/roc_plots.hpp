// SPDX-License-Identifier: MIT
// jetml/plot/roc_plots.hpp - roc's SVG plots: rejection, ROC, SIC (ensembles as mean and
// +-1 std bands on a grid of eps_S) and the score distributions of every discriminant.
#pragma once
#include <string>
#include <vector>

#include "jetml/stats/roc_study.hpp"

namespace jetml::plot {

/// Writes PREFIX-rejection.svg, PREFIX-roc.svg, PREFIX-sic.svg and PREFIX-scores.svg (one
/// panel per discriminant, `bins` bins) for discriminants whose curves and summary are computed
/// (keys as in roc_summary: the AUC of the legend is looked up under "auc").
void write_roc_plots(const std::string& prefix, const std::vector<stats::roc_discriminant>& ds,
                     const std::string& title, int bins, const std::vector<std::string>& keys);

}  // namespace jetml::plot
