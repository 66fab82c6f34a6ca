// SPDX-License-Identifier: MIT
// jetml/data/split.hpp - train/validation split, row selection and class weights on a labelled_set.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"

namespace jetml::data {

/// The rows `idx` of `s` (in that order), with their labels, weights and side columns.
labelled_set take_rows(const labelled_set& s, const std::vector<std::size_t>& idx);

/// A training set and its validation set.
struct split_sets {
    labelled_set train;  ///< the rows not held out, in their original order
    labelled_set val;    ///< the floor(val_split * n) held-out rows, in their original order
};

/// Holds out floor(val_split * n) random rows for validation. The rows are chosen by a
/// Fisher-Yates shuffle driven by jetml::rng(seed, 0x5EED5917), so they depend on (seed, n) only;
/// both parts keep the original row order. val_split in [0, 1).
split_sets split(const labelled_set& all, double val_split, std::uint64_t seed);

/// The rows split() holds out for validation, in increasing order.
std::vector<std::size_t> validation_rows(std::size_t n, double val_split, std::uint64_t seed);

/// Total weight of the background (index 0, y <= 0.5) and signal (index 1, y > 0.5) rows.
std::vector<double> class_weight_sums(const labelled_set& s);

/// Checks a --class-weight spec: "none", "balanced" or "S:B" with positive numbers (usage_error otherwise).
void check_class_weight(const std::string& spec);

/// Multiplies the weights by the class factors of `spec` (see check_class_weight): "balanced"
/// gives both classes the same total weight, (sum_s + sum_b) / 2 each; "S:B" multiplies signal by S and
/// background by B. Throws jetml::error when a class has no positive weight (both are needed).
void apply_class_weight(labelled_set& s, const std::string& spec);

}  // namespace jetml::data
