// SPDX-License-Identifier: MIT
// jetml/heatmap.hpp - a self-contained SVG heat map (jet images, their differences) with axes,
// ticks and a colour bar. Written to be merged into jetml/svg_plot once that module settles.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace jetml::image {

/// A grid of values to draw. values[ix * ny + iy]: x runs left to right, y bottom to top.
struct heatmap {
    std::size_t nx = 0, ny = 0;
    std::vector<double> values;
    double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;  ///< data range covered by the grid
    std::string title, x_label, y_label, value_label;
    bool log = false;        ///< log colour scale of |value|; cells <= 0 get the lowest colour
    bool diverging = false;  ///< blue-white-red scale symmetric about zero (for differences)
    double log_floor = 1e-4; ///< log scale: lowest value shown, as a fraction of the maximum
};

/// A complete SVG document (about 640 x 560 px).
std::string heatmap_svg(const heatmap& h);

}  // namespace jetml::image
