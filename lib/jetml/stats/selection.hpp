// SPDX-License-Identifier: MIT
// jetml/stats/selection.hpp - cuts on a classifier's score at a chosen efficiency, with the
// conventions of the CWoLa hunt's reference code (Collins, Howe, Nachman 1902.02634, its
// cwola_utils): the selection threshold from a fraction of all events, and the model-selection
// metric, the signal-region efficiency at a fixed sideband efficiency.
#pragma once
#include <cstddef>
#include <vector>

namespace jetml::stats {

/// The threshold t whose cut "score > t" keeps the fraction eff of the n scores: with the
/// scores sorted in decreasing order, t = sorted[min(floor(eff n), n - 1)] (eff = 1 keeps all
/// but the lowest score). eff in (0, 1]; n > 0.
double threshold_at_efficiency(std::vector<double> scores, double eff);

/// The efficiency of the positives at the negatives' efficiency fpr: t = the negatives' scores
/// sorted in decreasing order at floor(fpr n_neg) (clamped to the last), and the fraction of
/// positives with score >= t. fpr in (0, 1]; both sets non-empty.
double tpr_at_fpr(const std::vector<double>& positives, std::vector<double> negatives, double fpr);

/// How many of the scores are > t, per group: count[g] over rows with group[i] == g, for
/// groups 0..n_groups-1 (e.g. mjj bins; rows with group >= n_groups are not counted).
std::vector<std::size_t> pass_counts(const std::vector<double>& scores, const std::vector<std::size_t>& group,
                                     std::size_t n_groups, double t);

}  // namespace jetml::stats
