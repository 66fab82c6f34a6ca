// SPDX-License-Identifier: MIT
// Unit tests for jetml/svg_plot: tick placement, ranges, coordinate maps, document structure.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "jetml/plot/svg_plot.hpp"

using namespace jetml::svg;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}
}  // namespace

TEST_CASE("svg_plot: linear ticks are 1, 2, 5 x 10^k with matching decimals") {
    auto t = make_ticks(0, 1, scale::linear, 6);
    REQUIRE(t.size() == 6);  // 0, 0.2, ..., 1
    CHECK(t[0].label == "0");
    CHECK(t[1].label == "0.2");
    CHECK(t[5].label == "1.0");
    auto u = make_ticks(-3.7, 4.9, scale::linear, 6);
    // span 8.6 / 6 targets = 1.43 per step -> step 1 (2 only from 1.5 on)
    CHECK(u.size() == 8);
    CHECK(u.front().value == -3);
    CHECK(u.back().value == 4);
    CHECK(make_ticks(0, 12, scale::linear, 6)[1].value == 2);  // 12 / 6 = 2 -> step 2
}

TEST_CASE("svg_plot: log ticks label decades and add 2..9 minor ticks") {
    auto t = make_ticks(1, 1000, scale::log, 6);
    std::size_t major = 0, minor = 0;
    for (const auto& k : t) (k.major ? major : minor) += 1;
    CHECK(major == 4);   // 1, 10, 100, 1000
    CHECK(minor == 24);  // 8 per decade
    CHECK(t[0].label == "1");
    CHECK(tick_label(1e-5, scale::log, 0).find("-5</tspan>") != std::string::npos);
    CHECK(tick_label(0.01, scale::log, 0) == "0.01");
}

TEST_CASE("svg_plot: nice ranges widen to steps and decades") {
    double lo = 0.13, hi = 0.87;
    nice_range(lo, hi, scale::linear);
    CHECK(std::abs(lo - 0.1) < 1e-12);  // rounding of k * step only
    CHECK(std::abs(hi - 0.9) < 1e-12);
    lo = 3;
    hi = 4500;
    nice_range(lo, hi, scale::log);
    CHECK(lo == 1);
    CHECK(hi == 10000);
    lo = hi = 5;  // degenerate
    nice_range(lo, hi, scale::linear);
    CHECK(lo < 5);
    CHECK(hi > 5);
}

TEST_CASE("svg_plot: frame maps data to pixels, y upwards, log axes by decades") {
    frame f;
    f.left = 100;
    f.top = 50;
    f.width = 400;
    f.height = 300;
    f.x = {"x", scale::linear, 0, 1};
    f.y = {"y", scale::log, 1, 100};
    CHECK(f.px(0.5) == 300);
    CHECK(f.py(1) == 350);
    CHECK(f.py(100) == 50);
    CHECK(std::abs(f.py(10) - 200) < 1e-9);
}

TEST_CASE("svg_plot: a plot is a complete SVG document with legend, escaped text and broken lines") {
    plot p;
    p.title = "a < b & c";
    p.x = {"eps_{S}", scale::linear, 0, 1};
    p.y = {"1/eps_{B}", scale::log};
    const double inf = std::numeric_limits<double>::infinity();
    p.line("curve", {0, 0.1, 0.5, 1}, {inf, 100, 10, 1});  // the inf point is skipped
    p.histogram("h", {0, 0.5, 1}, {2, 3});
    std::string s = p.svg();
    CHECK(s.rfind("<?xml", 0) == 0);
    CHECK(count(s, "<svg ") == 1);
    CHECK(s.find("</svg>\n") == s.size() - 7);
    CHECK(s.find("a &lt; b &amp; c") != std::string::npos);
    CHECK(s.find(">S</tspan>") != std::string::npos);  // subscript markup
    CHECK(s.find(">curve</text>") != std::string::npos);
    CHECK(s.find("inf") == std::string::npos);
    CHECK(s.find("nan") == std::string::npos);
}

TEST_CASE("svg_plot: a million-point line is simplified to what can be seen") {
    plot p;
    p.x = {"x", scale::linear, 0, 1};
    p.y = {"y", scale::linear, 0, 1};
    std::vector<double> x(1000000), y(1000000);
    for (std::size_t i = 0; i < x.size(); ++i) {
        x[i] = static_cast<double>(i) / 999999.0;
        y[i] = x[i] * x[i];
    }
    std::string s = p.svg();
    p.line("", x, y);
    s = p.svg();
    CHECK(s.size() < 200000);  // ~2 points per pixel column at most
    CHECK(count(s, " L") > 500);
}

TEST_CASE("svg_plot: a heat map draws one cell per finite value, axes from draw_axes and a colour bar") {
    heatmap h;
    h.nx = 3, h.ny = 2;
    h.values = {0, 1, 2, std::numeric_limits<double>::quiet_NaN(), 4, 5};  // [ix][iy]
    h.x = {"x_{1}", scale::linear, -1.5, 1.5};
    h.y = {"phi", scale::linear, -1, 1};
    h.title = "a & b";
    h.value_label = "mean";
    const std::string s = h.svg();
    CHECK(s.rfind("<?xml", 0) == 0);
    CHECK(s.find("</svg>") != std::string::npos);
    CHECK(count(s, "<rect x=") == 5 + 1 + 64 + 1);  // 5 finite cells, the frame, 64 colour-bar steps, its box
    CHECK(s.find("a &amp; b") != std::string::npos);
    CHECK(s.find(">5<") != std::string::npos);   // top of the sequential scale is the maximum
    CHECK(s.find("#fde725") != std::string::npos);  // the maximum cell has the top colour
    CHECK(s.find("#440154") != std::string::npos);  // the zero cell has the bottom colour
    h.diverging = true;
    h.values = {-2, 0, 1, 0, 0, 0};
    const std::string d = h.svg();
    CHECK(d.find(">+2<") != std::string::npos);
    CHECK(d.find(">-2<") != std::string::npos);
    CHECK(d.find("#2166ac") != std::string::npos);  // -2 = -max: full blue
    CHECK(d.find("#f7f7f7") != std::string::npos);  // 0: white
}

TEST_CASE("svg_plot: a heatmap grid has one frame per panel, one colour bar and its stated size") {
    heatmap_grid g;
    for (int k = 0; k < 5; ++k) {
        heatmap h;
        h.nx = 2, h.ny = 3;
        h.values = {-1, 0, 1, 2, std::nan(""), 0.5};
        h.x = {"x", scale::linear, -1, 1};
        h.y = {"y", scale::linear, -1, 1};
        h.title = "panel " + std::to_string(k);
        g.panels.push_back(h);
    }
    g.columns = 3;
    g.diverging = true;
    g.value_label = "r";
    const std::string s = g.svg();
    CHECK(g.page_width() == doctest::Approx(3 * (160 + 62) + 150));
    CHECK(g.page_height() == doctest::Approx(2 * (160 + 58) + 90));
    CHECK(s.find("width=\"816\" height=\"526\"") != std::string::npos);
    CHECK(count(s, ">panel ") == 5);
    // the +2 cell of each panel is the full red of the shared scale (the bar's steps, drawn at
    // their centres, stop short of it); the NaN cells are not drawn
    CHECK(count(s, "fill=\"#b2182b\"") == 5);
    CHECK(count(s, "<rect x=") == 5 * 5 + 5 + 64 + 1);  // cells, panel frames, bar steps, bar frame
    CHECK(s.find(">+2<") != std::string::npos);        // colour bar labelled up to the largest |value|
    CHECK(s.find(">-2<") != std::string::npos);
}
