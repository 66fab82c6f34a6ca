// SPDX-License-Identifier: MIT
// jetml/heatmap.cpp - SVG heat maps.
#include "jetml/heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace jetml::image {

namespace {

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '&') o += "&amp;";
        else if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '"') o += "&quot;";
        else o += c;
    }
    return o;
}

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

std::string tick_text(double v) {
    char b[32];
    if (std::abs(v) < 1e-12) v = 0;
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

/// Linear ticks at multiples of 1, 2 or 5 x 10^k, about `target` of them.
std::vector<double> ticks(double lo, double hi, int target) {
    const double raw = (hi - lo) / target;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    double step = p;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) {
            step = m * p;
            break;
        }
    std::vector<double> t;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) t.push_back(v);
    return t;
}

/// Viridis-like sequential colour for t in [0, 1] (a few anchors, linear between).
std::string seq_color(double t) {
    static const double a[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    t = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, int(t));
    const double f = t - i;
    char b[16];
    std::snprintf(b, sizeof b, "#%02x%02x%02x", int(a[i][0] + f * (a[i + 1][0] - a[i][0]) + 0.5),
                  int(a[i][1] + f * (a[i + 1][1] - a[i][1]) + 0.5), int(a[i][2] + f * (a[i + 1][2] - a[i][2]) + 0.5));
    return b;
}

/// Blue (t = -1) - white (0) - red (+1).
std::string div_color(double t) {
    t = std::clamp(t, -1.0, 1.0);
    const double b0[3] = {33, 102, 172}, w[3] = {247, 247, 247}, r0[3] = {178, 24, 43};
    const double* e = t < 0 ? b0 : r0;
    const double f = std::abs(t);
    char b[16];
    std::snprintf(b, sizeof b, "#%02x%02x%02x", int(w[0] + f * (e[0] - w[0]) + 0.5), int(w[1] + f * (e[1] - w[1]) + 0.5),
                  int(w[2] + f * (e[2] - w[2]) + 0.5));
    return b;
}

}  // namespace

std::string heatmap_svg(const heatmap& h) {
    const double W = 640, H = 560, left = 80, top = 50, side = 440;
    const double bar_x = left + side + 25, bar_w = 18;
    std::string s;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) + "\" viewBox=\"0 0 " +
         num(W) + " " + num(H) + "\" font-family=\"sans-serif\" font-size=\"13\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + num(left + side / 2) + "\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">" + esc(h.title) + "</text>\n";
    // colour scale
    double vmax = 0, vmin = 0;
    for (double v : h.values)
        if (std::isfinite(v)) vmax = std::max(vmax, v), vmin = std::min(vmin, v);
    const double amax = std::max(std::abs(vmax), std::abs(vmin));
    const double lmax = h.log ? std::log10(amax > 0 ? amax : 1.0) : 0, lmin = lmax + std::log10(h.log_floor);
    auto color_of = [&](double v, bool& draw) {
        draw = std::isfinite(v);
        if (!draw) return std::string();
        if (h.diverging) {
            if (amax == 0) return div_color(0);
            if (h.log) {
                const double a = std::abs(v);
                if (a <= 0) return div_color(0);
                const double t = std::clamp((std::log10(a) - lmin) / (lmax - lmin), 0.0, 1.0);
                return div_color(v < 0 ? -t : t);
            }
            return div_color(v / amax);
        }
        if (h.log) {
            if (!(v > 0)) return seq_color(0);  // zero cells: the bottom of the scale
            return seq_color((std::log10(v) - lmin) / (lmax - lmin));
        }
        return seq_color(vmax > vmin ? (v - std::min(0.0, vmin)) / (vmax - std::min(0.0, vmin)) : 0.0);
    };
    // cells
    const double cw = side / double(h.nx), ch = side / double(h.ny);
    s += "<g shape-rendering=\"crispEdges\">\n";
    for (std::size_t ix = 0; ix < h.nx; ++ix)
        for (std::size_t iy = 0; iy < h.ny; ++iy) {
            bool draw = false;
            const std::string c = color_of(h.values[ix * h.ny + iy], draw);
            if (!draw) continue;
            s += "<rect x=\"" + num(left + double(ix) * cw) + "\" y=\"" + num(top + side - double(iy + 1) * ch) +
                 "\" width=\"" + num(cw + 0.05) + "\" height=\"" + num(ch + 0.05) + "\" fill=\"" + c + "\"/>\n";
        }
    s += "</g>\n";
    // axes
    s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(side) + "\" height=\"" + num(side) +
         "\" fill=\"none\" stroke=\"black\"/>\n";
    for (double t : ticks(h.x_lo, h.x_hi, 6)) {
        const double x = left + (t - h.x_lo) / (h.x_hi - h.x_lo) * side;
        s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top + side) + "\" x2=\"" + num(x) + "\" y2=\"" + num(top + side + 6) +
             "\" stroke=\"black\"/><text x=\"" + num(x) + "\" y=\"" + num(top + side + 20) + "\" text-anchor=\"middle\">" +
             tick_text(t) + "</text>\n";
    }
    for (double t : ticks(h.y_lo, h.y_hi, 6)) {
        const double y = top + side - (t - h.y_lo) / (h.y_hi - h.y_lo) * side;
        s += "<line x1=\"" + num(left - 6) + "\" y1=\"" + num(y) + "\" x2=\"" + num(left) + "\" y2=\"" + num(y) +
             "\" stroke=\"black\"/><text x=\"" + num(left - 9) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
             tick_text(t) + "</text>\n";
    }
    s += "<text x=\"" + num(left + side / 2) + "\" y=\"" + num(top + side + 42) + "\" text-anchor=\"middle\">" + esc(h.x_label) +
         "</text>\n";
    s += "<text transform=\"translate(" + num(left - 48) + "," + num(top + side / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         esc(h.y_label) + "</text>\n";
    // colour bar
    const int steps = 64;
    for (int k = 0; k < steps; ++k) {
        const double t = (k + 0.5) / steps;  // bottom to top
        std::string c;
        if (h.diverging) c = div_color(2 * t - 1);
        else c = seq_color(t);
        s += "<rect x=\"" + num(bar_x) + "\" y=\"" + num(top + side - (k + 1) * side / steps) + "\" width=\"" + num(bar_w) +
             "\" height=\"" + num(side / steps + 0.3) + "\" fill=\"" + c + "\" stroke=\"none\"/>\n";
    }
    s += "<rect x=\"" + num(bar_x) + "\" y=\"" + num(top) + "\" width=\"" + num(bar_w) + "\" height=\"" + num(side) +
         "\" fill=\"none\" stroke=\"black\"/>\n";
    auto bar_label = [&](double frac, const std::string& text) {
        const double y = top + side - frac * side;
        s += "<line x1=\"" + num(bar_x + bar_w) + "\" y1=\"" + num(y) + "\" x2=\"" + num(bar_x + bar_w + 4) + "\" y2=\"" + num(y) +
             "\" stroke=\"black\"/><text x=\"" + num(bar_x + bar_w + 6) + "\" y=\"" + num(y + 4) + "\" font-size=\"11\">" +
             esc(text) + "</text>\n";
    };
    char b[48];
    if (h.log) {
        std::snprintf(b, sizeof b, "%.2g", std::pow(10.0, lmax));
        bar_label(1, h.diverging ? "+" + std::string(b) : b);
        std::snprintf(b, sizeof b, "%.2g", std::pow(10.0, lmin));
        bar_label(h.diverging ? 0.5 : 0, h.diverging ? "\xc2\xb1" + std::string(b) : b);
        if (h.diverging) {
            std::snprintf(b, sizeof b, "-%.2g", std::pow(10.0, lmax));
            bar_label(0, b);
        }
    } else if (h.diverging) {
        std::snprintf(b, sizeof b, "%.3g", amax);
        bar_label(1, "+" + std::string(b));
        bar_label(0.5, "0");
        std::snprintf(b, sizeof b, "-%.3g", amax);
        bar_label(0, b);
    } else {
        const double lo = std::min(0.0, vmin);
        std::snprintf(b, sizeof b, "%.3g", vmax);
        bar_label(1, b);
        std::snprintf(b, sizeof b, "%.3g", lo);
        bar_label(0, b);
    }
    s += "<text transform=\"translate(" + num(W - 12) + "," + num(top + side / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         esc(h.value_label + (h.log ? " (log scale)" : "")) + "</text>\n";
    s += "</svg>\n";
    return s;
}

}  // namespace jetml::image
