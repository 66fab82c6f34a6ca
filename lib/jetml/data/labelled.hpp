// SPDX-License-Identifier: MIT
// jetml/data/labelled.hpp - a labelled data set in memory: what train and the tools built on the
// training engine (cwola, anode, pivot, ...) learn from.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace jetml::data {

/// n samples of one shape, row-major, with labels, event weights and named side columns.
struct labelled_set {
    std::vector<std::size_t> shape;  ///< one sample: (D) for features, (C, H, W) for images
    std::size_t n = 0;               ///< number of samples
    std::size_t size = 0;            ///< values per sample (product of shape)
    std::vector<float> x;            ///< (n, size) values
    std::vector<float> y;            ///< (n) labels 0/1 (or targets)
    std::vector<float> w;            ///< (n) event weights (1 when none were given)
    /// Side columns that travel with the samples but are not inputs (e.g. mjj, a nuisance):
    /// (name, n values).
    std::vector<std::pair<std::string, std::vector<float>>> side;
};

}  // namespace jetml::data
