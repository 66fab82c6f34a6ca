// SPDX-License-Identifier: MIT
// jetml/plot/svg_plot.hpp - small self-contained SVG plots: lines, bands, histograms on linear
// or log axes with ticks, labels, grid and legend. No external software needed to view them.
//
// Typical use:
//   svg::plot p;                          // 720 x 540 pixels
//   p.title = "W tagging";
//   p.x = {"signal efficiency", svg::scale::linear, 0, 1};
//   p.y = {"background rejection 1/eps_B", svg::scale::log};
//   p.line("CNN", eff_s, rejection);
//   std::string doc = p.svg();            // a complete SVG document
// svg::heatmap draws grids (jet images) with the same axis code (svg::frame and draw_axes()).
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace jetml::svg {

enum class scale { linear, log };

/// One axis: label, scale and range. A NaN bound is taken from the data.
struct axis {
    std::string label;
    scale type = scale::linear;
    double lo = std::numeric_limits<double>::quiet_NaN();
    double hi = std::numeric_limits<double>::quiet_NaN();
};

/// A tick mark: position in data units, its label ("" for a minor tick).
struct tick {
    double value;
    std::string label;
    bool major;
};

/// Widens [lo, hi] to "nice" bounds: multiples of the tick step (linear) or whole decades (log).
/// A degenerate range is widened around its value.
void nice_range(double& lo, double& hi, scale s);
/// Ticks for [lo, hi]: about `target` labelled steps of 1, 2 or 5 x 10^k (linear), or decades
/// with unlabelled 2..9 minor ticks (log; every k-th decade labelled when there are many).
std::vector<tick> make_ticks(double lo, double hi, scale s, int target = 6);
/// Text of a tick value: "0.25", "1000", "10^-5" written with an SVG superscript.
std::string tick_label(double v, scale s, double step);

/// A data rectangle on the page: pixel box (left, top, width, height) and the two axes
/// (ranges must be final: finite, and positive for a log axis).
struct frame {
    double left = 0, top = 0, width = 0, height = 0;
    axis x, y;
    int ticks = 6;  ///< about this many labelled ticks per axis (make_ticks' target)
    /// Pixel coordinates of a data point (y grows downwards in SVG).
    double px(double v) const;
    double py(double v) const;
};

/// SVG fragment: frame border, grid lines (if grid), ticks, tick labels and axis labels.
std::string draw_axes(const frame& f, bool grid);

/// Stroke and fill of a drawn series; empty colour = next palette colour.
struct style {
    std::string color;
    double width = 2.0;        ///< stroke width in pixels
    std::string dash;          ///< SVG stroke-dasharray, e.g. "6,4"; empty = solid
    double fill_opacity = 0;   ///< histograms/bands: fill under the outline with this opacity
};

/// The i-th colour of a palette that stays distinguishable for colour-blind readers
/// (Okabe-Ito order).
const char* palette(std::size_t i);
/// SVG text with TeX-like _{sub} and ^{super} scripts (e.g. "1/eps_{B}"), escaped otherwise.
/// Used for titles, axis labels and legend names.
std::string rich_text(const std::string& s);
/// Escapes &, <, >, " for SVG text.
std::string xml_escape(const std::string& s);

/// One 2-D plot. Non-finite points, and non-positive ones on a log axis, break a line.
/// Lines are simplified to what is visible (points closer than 0.25 px to the last drawn
/// one are skipped), so curves with millions of points stay small files.
class plot {
public:
    explicit plot(double width = 720, double height = 540) : width_(width), height_(height) {}
    std::string title;
    axis x, y;
    bool grid = true;
    /// Legend corner: "top-right", "top-left", "bottom-right", "bottom-left", "auto" (the
    /// corner that hides the fewest data points), or "none".
    std::string legend = "top-right";

    /// A polyline through (x[i], y[i]). An empty name keeps it out of the legend.
    void line(const std::string& name, std::vector<double> x, std::vector<double> y, style st = {});
    /// A shaded region between lo(x) and hi(x) (e.g. an uncertainty band).
    void band(const std::string& name, std::vector<double> x, std::vector<double> lo, std::vector<double> hi,
              style st = {});
    /// A step histogram: edges has values.size() + 1 entries.
    void histogram(const std::string& name, std::vector<double> edges, std::vector<double> values, style st = {});

    /// A complete SVG document.
    std::string svg() const;
    /// The plot as an SVG group placed at (ox, oy) pixels, for multi-panel documents.
    std::string render(double ox, double oy) const;
    double width() const { return width_; }
    double height() const { return height_; }

private:
    struct item {
        enum kind_t { line_k, band_k, hist_k } kind;
        std::string name;
        std::vector<double> x, y, y2;
        style st;
    };
    std::string next_color(const style& st) const;
    double width_, height_;
    std::vector<item> items_;
};

/// Wraps SVG body fragments into a document of the given pixel size (white background).
std::string document(double width, double height, const std::string& body);

/// A grid of values drawn as coloured cells (a jet image, or the difference of two) in a frame
/// with draw_axes() axes and a colour bar; about 640 x 560 pixels.
struct heatmap {
    std::size_t nx = 0, ny = 0;
    std::vector<double> values;  ///< values[ix * ny + iy]: x runs left to right, y bottom to top
    axis x, y;                   ///< labels and the data range the grid covers (linear, lo < hi)
    std::string title, value_label;
    bool log = false;          ///< log colour scale of |value|; cells <= 0 get the lowest colour
    bool diverging = false;    ///< blue-white-red scale symmetric about zero (for differences)
    double log_floor = 1e-4;   ///< log scale: lowest value shown, as a fraction of the maximum
    /// A complete SVG document. Non-finite cells are left blank.
    std::string svg() const;
};

/// Several heat maps on one page (first-layer filters, per-filter responses, the jets of
/// highest score, one map per phase-space bin), in rows of `columns` panels of side
/// `panel_side` pixels, sharing one linear colour scale and one colour bar: [-r, r] on the
/// diverging blue-white-red scale, [min(0, lowest), r] on the sequential one, where r is
/// `range` or, if that is NaN, the largest |value| of all panels. Each panel's title is its
/// caption; the axis labels of the first panel are written once, under and left of the grid.
/// The page is columns * (panel_side + 62) + 150 pixels wide and
/// rows * (panel_side + 58) + 90 high (page_width(), page_height()).
struct heatmap_grid {
    std::vector<heatmap> panels;
    std::size_t columns = 4;
    std::string title, value_label;
    bool diverging = false;
    /// Sequential scale only: log10 colour scale from r * log_floor to r (cells <= 0 get the
    /// lowest colour).
    bool log = false;
    double log_floor = 1e-3;
    double range = std::numeric_limits<double>::quiet_NaN();
    double panel_side = 160;
    double page_width() const;
    double page_height() const;
    /// A complete SVG document. Non-finite cells are left blank.
    std::string svg() const;
};

}  // namespace jetml::svg
