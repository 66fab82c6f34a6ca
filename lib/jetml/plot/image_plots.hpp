// SPDX-License-Identifier: MIT
// jetml/plot/image_plots.hpp - jetimg's SVG heat maps of average images, and the average of an
// image file (for --plot and --svg-minus).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "jetml/jets/image.hpp"
#include "jetml/plot/svg_plot.hpp"

namespace jetml::plot {

/// The mean image of an image NPY (N, C, H, W), or (N, H, W, C) with channels_last, whose
/// shape must match p's grid; n is set to N. An error names the file and the shapes.
std::vector<double> mean_image_file(const std::string& path, const image::params& p, bool channels_last, std::size_t& n);

/// The heat map of channel `channel` of one image (written layout: (C, H, W), or (H, W, C) with
/// channels_last) on p's grid, with the axes in the image's coordinates (η′ or y′, φ′) and their
/// labels; title and value label are left empty.
svg::heatmap image_heatmap(const image::params& p, const double* img, std::size_t channel, bool channels_last);

/// Writes channel `channel` of a mean image (written layout) as an SVG heat map with p's axes;
/// `diff` draws a diverging scale for a difference of means.
void write_image_svg(const std::string& path, const image::params& p, const std::vector<double>& mean,
                     bool channels_last, std::size_t channel, bool log, bool diff, const std::string& title);

}  // namespace jetml::plot
