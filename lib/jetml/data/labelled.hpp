// SPDX-License-Identifier: MIT
// jetml/data/labelled.hpp - a labelled data set in memory: what train and the tools built on the
// training engine (cwola, anode, pivot, ...) learn from; the loader and the value checks.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace jetml {
struct sample_set;
}

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

struct dataset_options;

/// Appends the samples s (read from `path`) to d's inputs: the first set fixes d's sample
/// shape, a later one of another shape is an error naming `path`. Labels and weights untouched.
void append_samples(labelled_set& d, const sample_set& s, const std::string& path);

/// Reads what `d` names (after check_dataset_options): the inputs appended in order (every one
/// of the first one's sample shape), or --signal then --background (labels 1 then 0); labels
/// from -l (NPY, or CSV column --label-col) or from column --label-col of the single CSV input;
/// weights from -w (column --weight-col of a CSV) or column --weight-col of the single CSV input,
/// each finite and >= 0, else 1; the --side-col columns of the CSV inputs. Both classes must have
/// positive total weight. Errors name the file and the row (rows count from 0).
labelled_set load_labelled(const dataset_options& d);

/// Checks labels: each one 0 or 1. Else jetml::error "FILE: label V at row I; expected 0 or 1".
void check_labels(const std::vector<float>& v, const std::string& file);
/// Same for double values.
void check_labels(const std::vector<double>& v, const std::string& file);

/// Checks weights: finite and >= 0. Else "FILE: weight V at row I; expected finite and >= 0".
void check_weights(const std::vector<float>& v, const std::string& file);
/// Same for double values.
void check_weights(const std::vector<double>& v, const std::string& file);

/// Checks that every value is finite. Else "FILE: WHAT V at row I; expected finite"
/// (`what` is e.g. "score", "weight" or "mjj").
void check_finite(const std::vector<float>& v, const std::string& file, const std::string& what);
/// Same for double values.
void check_finite(const std::vector<double>& v, const std::string& file, const std::string& what);

/// Checks that label 1 and label 0 (label > 0.5 is signal) each have positive total weight, else
/// "no signal (label 1) samples with positive weight; both classes are needed" (or background).
void check_classes(const std::vector<float>& y, const std::vector<float>& w);

}  // namespace jetml::data
