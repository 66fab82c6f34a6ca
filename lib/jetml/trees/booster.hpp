// SPDX-License-Identifier: MIT
// jetml/trees/booster.hpp - histogram gradient boosting of decision trees for binary
// classification (log-loss), as XGBoost's "hist" method and scikit-learn's
// HistGradientBoostingClassifier do it.
//
// Definitions (the same as XGBoost's and scikit-learn's):
//   raw score F(x) = base + sum_t f_t(x), p = sigmoid(F); base = log(sum w y / sum w (1 - y)),
//     the weighted prior log-odds (scikit-learn's choice; XGBoost 1.7 starts from 0);
//   per row g = w (p - y), h = w max(p (1 - p), 1e-16);
//   a split of a node (G, H) into (G_L, H_L) and (G_R, H_R) gains
//     G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - G^2 / (H + lambda)
//   (twice XGBoost's "loss_chg" without gamma), allowed when both H_L, H_R >= min_child_weight
//   and the gain > min_split_gain; a leaf holds -G / (H + lambda) * learning_rate (float32).
// Missing values (NaN) go to the side that gains more (both are tried when the feature had NaN
// in the training data; otherwise they go with the side of larger H, as scikit-learn does).
// Event weights multiply g and h; negative weights are refused by the data loader.
// Histograms are summed per feature in row order (features spread over the OpenMP threads),
// the larger child of a split is its parent minus the smaller one, so every result is the same
// for a seed whatever the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jetml/trees/bins.hpp"

namespace jetml::data {
struct labelled_set;
}

namespace jetml::trees {

/// How trees grow: level by level (XGBoost's default) or best leaf first (LightGBM's,
/// scikit-learn's).
enum class growth { depthwise, leafwise };

/// The booster's settings.
struct booster_params {
    std::size_t trees = 100;         ///< boosting rounds (at most)
    std::size_t max_depth = 6;       ///< 0 = no limit (then max_leaves must be set)
    std::size_t max_leaves = 0;      ///< 0 = no limit
    growth grow = growth::depthwise;
    std::size_t max_bins = 255;      ///< regular bins per feature, [2, 255]; NaN has its own
    double learning_rate = 0.1;      ///< shrinkage, (0, 1]
    double lambda = 1;               ///< L2 regularisation of leaf values, >= 0
    double min_child_weight = 1;     ///< least hessian sum of a child, >= 0
    double min_split_gain = 0;       ///< least gain of a split, >= 0
    double subsample = 1;            ///< fraction of rows per tree, (0, 1]
    double colsample = 1;            ///< fraction of features per tree, (0, 1]
    std::size_t patience = 10;       ///< stop after this many rounds without a better validation loss (0 = never)
    std::uint64_t seed = 1;          ///< subsampling and binning seed

    /// usage_error naming the option (as train spells it) for a value out of range.
    void check() const;
    /// One line for -v, e.g. "100 trees, depth-wise, depth 6, 255 bins, lr 0.1, lambda 1, ...".
    std::string description() const;
};

/// One node of a tree. A leaf has feature -1 and value; a split sends x[feature] <= threshold
/// (bin <= split_bin) to `left`, larger values to `right`, NaN to left if default_left.
struct tree_node {
    std::int32_t feature = -1;
    float threshold = 0;
    std::uint8_t split_bin = 0;
    bool default_left = false;
    std::int32_t left = -1, right = -1;
    float value = 0;     ///< leaf value (learning rate applied)
    double gain = 0;     ///< the split's gain (0 for a leaf)
    double cover = 0;    ///< hessian sum of the node's training rows
};

/// A tree: nodes[0] is the root.
using tree = std::vector<tree_node>;

/// A trained ensemble.
struct ensemble {
    std::size_t features = 0;         ///< input values per sample
    double base_score = 0;            ///< raw score before the first tree
    std::vector<tree> trees;
    /// Per feature: summed split gain and split count over the trees.
    std::vector<double> importance_gain, importance_splits;

    /// Raw scores (log-odds) of x (n, features) row-major, in double: base + the trees' leaf
    /// values in tree order. The plain reference traversal (the fast one is in bdt_file).
    std::vector<double> raw_scores(const float* x, std::size_t n) const;
    /// Recomputes the importance from the trees.
    void compute_importance();
};

/// One split candidate, as the split search sees it.
struct split_candidate {
    std::int32_t feature = -1;
    std::uint8_t bin = 0;         ///< left = bins 0..bin
    bool default_left = false;    ///< NaN goes left
    double gain = -1;
    double gl = 0, hl = 0, gr = 0, hr = 0;
};

/// Gradient and hessian of one row.
struct grad_pair {
    float g, h;
};

/// Histograms of one node: hist[(f * 256 + b) * 2 + {0, 1}] = summed g, h of the node's rows in
/// bin b of feature f (b = 255: NaN), for f in `features`. bins (N, d) row-major; the node's
/// rows are rows[0, m) (null: rows 0..m-1) with gradients gh[0, m).
void build_histogram(const std::uint8_t* bins, std::size_t d, const std::vector<std::size_t>& features,
                     const std::uint32_t* rows, std::size_t m, const grad_pair* gh, double* hist);

/// The best split of a node with sums (g, h) from its histogram, over `features` (ascending).
/// Ties keep the first candidate in the order feature, bin, NaN right before NaN left. With
/// `all`, every candidate that passes min_child_weight is appended (for tests).
split_candidate find_split(const double* hist, double g, double h, const bin_edges& e,
                           const std::vector<std::size_t>& features, const booster_params& p,
                           std::vector<split_candidate>* all = nullptr);

/// The plain reference of find_split: sums each candidate's children straight from the raw
/// values x (n, d) of the node's rows (x <= edge goes left, NaN as the candidate says), with no
/// histogram. Same candidates in the same order.
split_candidate find_split_ref(const float* x, std::size_t d, const bin_edges& e, const std::uint32_t* rows,
                               std::size_t m, const grad_pair* gh, const std::vector<std::size_t>& features,
                               const booster_params& p, std::vector<split_candidate>* all = nullptr);

/// Gain of a split (the definition above).
inline double split_gain(double gl, double hl, double gr, double hr, double lambda) {
    const double g = gl + gr, h = hl + hr;
    return gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - g * g / (h + lambda);
}

/// What one round reported.
struct round_report {
    std::size_t round = 0;             ///< 1-based
    double train_loss = 0, val_loss = 0;  ///< weighted mean log-loss (val NaN without rows)
    std::size_t leaves = 0;
};

/// What boosting did.
struct boost_result {
    ensemble model;
    std::size_t rounds_done = 0, best_round = 0;
    bool stopped_early = false;
    double best_val_loss = 0;
    /// The kept ensemble's raw scores of the training rows, as boosting accumulated them.
    std::vector<double> train_raw;
};

/// Boosts trees on tr (x, y 0/1, w), early stopping on va's log-loss when va has rows and
/// p.patience > 0 (the trees after the best round are dropped). `report`, if set, is called
/// after every round. Throws jetml::error for fewer than one training row or a class without
/// weight, usage_error for bad parameters.
boost_result fit_booster(const data::labelled_set& tr, const data::labelled_set& va, const booster_params& p,
                         const std::function<void(const round_report&)>& report = {});

/// Weighted mean log-loss of raw scores against labels y with weights w (w may be null).
double log_loss(const std::vector<double>& raw, const float* y, const float* w, std::size_t n);

}  // namespace jetml::trees
