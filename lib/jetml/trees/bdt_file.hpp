// SPDX-License-Identifier: MIT
// jetml/trees/bdt_file.hpp - a tree ensemble in a jetml model file (kind "bdt") and its scorer.
//
// The file is the model-file NPZ (jetml/model/model_file.hpp, format_version 2) with
//   meta.json: the common head, then "input_shape", "features" (CSV names or []), "outputs":
//              ["score"], "loss": "bce", "output_transform": "sigmoid", "base_score" (raw score
//              before the first tree), "trees", "nodes", "booster" (the settings, one line),
//              "params" {trees, max_depth, max_leaves, growth, max_bins, learning_rate, lambda,
//              min_child_weight, min_split_gain, subsample, colsample, patience, seed},
//              "training" {rounds_done, best_round, stopped_early, best_val_loss},
//              "importance" {"gain": [...], "splits": [...]} (one per input value) and "extra";
//   arrays, float32 NPY (numpy.load reads them; integers are exact below 2^24, so a file holds
//   fewer than 2^24 nodes): tree_start (trees + 1: tree t is nodes tree_start[t] ..
//   tree_start[t + 1] - 1, its root first), and per node feature (-1 for a leaf), threshold
//   (x <= threshold goes left), left, right (indices within the tree, greater than the node's
//   own), default_left (1: NaN goes left), value (leaf value, learning rate applied), gain,
//   cover (hessian sum); importance_gain, importance_splits (per input value).
// Score = sigmoid(base_score + sum over trees of the leaf values), summed in double in tree
// order; the same sum as boosting accumulates, so scores equal the training-time ones bitwise.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jetml/model/model_file.hpp"
#include "jetml/model/scorer.hpp"
#include "jetml/trees/booster.hpp"

namespace jetml::trees {

/// What a bdt model file says besides the trees.
struct bdt_meta {
    std::vector<std::size_t> input_shape;   ///< one sample, e.g. (19) or (1, 25, 25)
    std::vector<std::string> features;      ///< CSV feature names (empty or one per input)
    booster_params params;
    std::size_t rounds_done = 0, best_round = 0;
    bool stopped_early = false;
    double best_val_loss = 0;
    std::vector<std::pair<std::string, std::string>> extra;
};

/// The bytes of the model file. Throws jetml::error for 2^24 nodes or more.
std::string bdt_model_bytes(const ensemble& m, const bdt_meta& meta);
/// Writes the model file ("-" = stdout), atomically for a path.
void save_bdt(const std::string& path, const ensemble& m, const bdt_meta& meta);
/// The ensemble of a parsed model file of kind "bdt" (jetml::error naming the file otherwise).
ensemble bdt_from_file(const model::model_file& f, bdt_meta* meta = nullptr);

/// The score of a raw sum: sigmoid in double, rounded to float32 (or the raw sum itself).
inline float bdt_score(double raw, bool logit) {
    return logit ? float(raw) : float(1.0 / (1.0 + std::exp(-raw)));
}

/// The ensemble laid out for fast scoring: per tree, nodes in breadth-first order with the two
/// children of a split adjacent and every leaf pointing at itself, so a block of rows walks
/// each tree a fixed number of steps without branches.
class fast_forest {
public:
    explicit fast_forest(const ensemble& m);
    /// Raw scores of x (n, features) into out (double), bitwise ensemble::raw_scores.
    void raw_scores(const float* x, std::size_t n, double* out) const;

private:
    struct node {
        float threshold;
        std::int32_t feature, left, nan_right;
    };
    /// Walks rows [i0, i0 + k) of x through every tree, adding to acc (k doubles).
    void walk_block(const float* x, std::size_t i0, std::size_t k, double* acc) const;
    std::vector<node> nodes_;
    std::vector<float> values_;
    // the same nodes as separate arrays for the AVX2 gathers: threshold, feature, left * 2 + nan_right
    std::vector<float> thr_;
    std::vector<std::int32_t> feat_, lnr_;
    bool avx2_ = false;
    std::vector<std::uint32_t> root_, depth_;
    std::size_t features_ = 0;
    double base_ = 0;
};

/// The scorer of a bdt model: (N, input) -> score (N, 1), "score".
class bdt_scorer : public model::scorer {
public:
    bdt_scorer(ensemble m, bdt_meta meta, const model::score_options& options, const std::string& source);
    std::string description() const override;
    bool accepts_missing() const override { return true; }
    void reserve(std::size_t batch) override;
    void score(const float* x, std::size_t n, float* out) override;
    const ensemble& model() const { return m_; }
    const bdt_meta& meta() const { return meta_; }

private:
    ensemble m_;
    bdt_meta meta_;
    fast_forest fast_;
    bool logit_ = false;
    std::vector<double> raw_;
};

/// The model-kind loader registered as "bdt" (jetml/model/kinds.cpp).
std::unique_ptr<model::scorer> load_bdt_scorer(const model::model_file& file, const model::score_options& options);

}  // namespace jetml::trees
