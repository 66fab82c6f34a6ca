// SPDX-License-Identifier: MIT
// jetml/viz/views.hpp - jetviz's pictures: one function per view, from files to an array (written
// as NPY) and an SVG document, streamed over the jets in one pass in constant memory.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "jetml/jets/image.hpp"

namespace jetml::viz {

/// The views: "fisher", "correlation", "filters", "convolved", "extremes".
const char* view_names();

/// What a view reads. Every per-jet file (scores, labels, weights) has one row per image.
struct view_options {
    std::string view;
    std::string images = "-";   ///< image NPY (N, C, H, W) or (N, H, W), from jetimg
    std::string model;          ///< model file (fisher, filters, convolved)
    std::string scores, score_col;    ///< scores: NPY (N,) from predict, or a CSV column
    std::string labels, label_col;    ///< labels 0/1: NPY (N,) or a CSV column
    std::string weights, weight_col;  ///< per-jet weights >= 0 (optional)
    /// correlation: "all" jets, or only the "signal" (label 1) or "background" (label 0) ones
    std::string select = "all";
    std::size_t k = 4;          ///< extremes: jets of highest and of lowest score shown
    std::size_t columns = 0;    ///< panels per row of a grid (0: a square-ish choice)
    std::size_t batch = 256;    ///< jets per batch
    bool linear = false;        ///< convolved: responses before the activation after the convolution
    /// The image window and coordinates (preset, --width ...); the pixel counts and channels are
    /// taken from the data (or the model).
    image::params grid;
    std::string title;          ///< SVG title; empty: one saying what is drawn
};

/// A view's result: `values` of `shape` (written as float64 NPY), the SVG document, and one
/// line for the log ("correlation of 2000 jets with cnn.npy ...").
struct view_result {
    std::vector<std::size_t> shape;
    std::vector<double> values;
    std::string svg;
    std::string summary;
};

/// Runs a view. Usage errors (a missing input the view needs, an unknown view) throw
/// usage_error; data errors (shapes, lengths, labels) throw error naming the file.
///   fisher       (C, H, W): the weights of a linear model (Fisher discriminant) on the image
///   correlation  (C, H, W): Pearson's r of each pixel with the score (NaN: constant pixel)
///   filters      (F, C, k, k): the first-layer convolution filters
///   convolved    (F, Ho, Wo): mean response of each filter to signal minus that to background
///   extremes     (2k, C, H, W): the k jets of highest score (highest first), then the k of
///                lowest score (lowest first)
view_result make_view(const view_options& o);

/// p with its pixel counts and channels set from an image shape (C, H, W) (rows along x, or
/// along phi for layout::phi_rows); the window and coordinates stay.
image::params grid_for(image::params p, const std::vector<std::size_t>& chw);

}  // namespace jetml::viz
