// SPDX-License-Identifier: MIT
// jetml/data/standardise.hpp - per-input standardisation x' = (x - mean) / std, fitted on a training set.
#pragma once
#include <vector>

#include "jetml/data/labelled.hpp"

namespace jetml::data {

/// Per-input mean and standard deviation (size values each), as float32.
struct standardiser {
    std::vector<float> mean;  ///< (size) mean of each input over the fitted rows
    std::vector<float> std;   ///< (size) population standard deviation; 1 for a constant input
};

/// Mean and population standard deviation of every input of `s` (sums in double, unweighted).
/// A constant input (e.g. a pixel that is always empty) gets std 1 and passes unscaled.
standardiser fit_standardiser(const labelled_set& s);

/// x' = (x - mean) / std on every row of `s`, in place (float32 arithmetic).
void apply_standardiser(const standardiser& st, labelled_set& s);

}  // namespace jetml::data
