// SPDX-License-Identifier: MIT
// jetml/viz/jet_reader.hpp - images and their per-jet columns (score, label, weight), read
// together batch by batch from separate files (memory does not grow with the number of jets).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace jetml::viz {

/// Reads an image NPY (N, C, H, W) or (N, H, W) and, row by row beside it, any of: a score
/// column, a label column (0/1) and a weight column (>= 0), each an NPY (N,) / (N, 1) array or a
/// CSV column (an empty path: not read; an empty column name: the CSV's only column). A file
/// with fewer or more rows than the images is an error naming it.
class jet_reader {
public:
    jet_reader(const std::string& images, const std::string& scores, const std::string& score_col,
               const std::string& labels, const std::string& label_col, const std::string& weights,
               const std::string& weight_col, std::size_t batch);
    ~jet_reader();
    /// The image file's name in messages.
    const std::string& name() const;
    /// Shape of one image, (C, H, W), and its number of values.
    const std::vector<std::size_t>& image_shape() const;
    std::size_t image_size() const;
    /// Reads the next batch; returns its number of jets (0 at the end, after checking that
    /// every column ended too).
    std::size_t next();
    /// Jet i of the batch: its image (batch images are contiguous), score, label, weight (1
    /// without a weight file).
    const float* image(std::size_t i) const;
    double score(std::size_t i) const;
    int label(std::size_t i) const;
    double weight(std::size_t i) const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

}  // namespace jetml::viz
