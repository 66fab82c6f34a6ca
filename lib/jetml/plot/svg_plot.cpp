// SPDX-License-Identifier: MIT
// jetml/plot/svg_plot.cpp - SVG line plots and histograms with linear/log axes; heat maps.
#include "jetml/plot/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jetml/io/csv.hpp"

namespace jetml::svg {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
// page layout in pixels: room for tick labels and axis labels on the left and bottom
constexpr double margin_left = 78, margin_right = 22, margin_top = 40, margin_bottom = 58;
constexpr double font_size = 13, title_size = 16;
// average advance of a sans-serif character at font_size, for sizing the legend box
constexpr double char_width = 7.2;

std::string fmt(const char* f, double v) { return format_number(f, v); }
std::string px(double v) {  // pixel coordinate text: 0.1 px is below what anyone can see
    std::string s = fmt("%.1f", v);
    if (s == "-0.0") s = "0.0";
    return s;
}
bool usable(double v, scale s) { return std::isfinite(v) && (s == scale::linear || v > 0); }

double nice_step(double span, int target) {
    const double raw = span / std::max(target, 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}
}  // namespace

const char* palette(std::size_t i) {
    static const char* colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                   "#E69F00", "#56B4E9", "#000000", "#F0E442"};
    return colors[i % 8];
}

std::string rich_text(const std::string& s) {
    // _{...} and ^{...} become shifted tspans. dy (not baseline-shift, which Firefox ignores)
    // moves every later glyph too, so the text after a script goes into a tspan moving back.
    std::string o;
    int open = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((s[i] == '_' || s[i] == '^') && i + 1 < s.size() && s[i + 1] == '{') {
            const auto close = s.find('}', i + 2);
            if (close != std::string::npos) {
                const bool sub = s[i] == '_';
                o += std::string("<tspan dy=\"") + (sub ? "4" : "-6") + "\" font-size=\"75%\">" +
                     xml_escape(s.substr(i + 2, close - i - 2)) + "</tspan>";
                i = close;
                if (i + 1 < s.size()) {
                    o += std::string("<tspan dy=\"") + (sub ? "-4" : "6") + "\">";
                    ++open;
                }
                continue;
            }
        }
        o += xml_escape(std::string(1, s[i]));
    }
    for (; open > 0; --open) o += "</tspan>";
    return o;
}

std::string xml_escape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            default: o += c;
        }
    }
    return o;
}

void nice_range(double& lo, double& hi, scale s) {
    if (s == scale::log) {
        if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1;
        if (!(hi > 0)) hi = lo * 10;
        lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));  // 1e-9: log10(1000) may be 2.9999999
        hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
        if (hi <= lo) hi = lo * 10;
        return;
    }
    if (!(hi > lo)) {
        const double d = lo == 0 ? 1 : std::abs(lo) * 0.5;
        lo -= d;
        hi += d;
    }
    const double step = nice_step(hi - lo, 6);
    lo = std::floor(lo / step + 1e-9) * step;  // 1e-9 of a step: keep exact multiples in place
    hi = std::ceil(hi / step - 1e-9) * step;
}

std::string tick_label(double v, scale s, double step) {
    if (s == scale::log) {
        const double e = std::round(std::log10(v));
        if (e >= -3 && e <= 4) {
            std::string t = fmt("%.3f", v);
            while (t.find('.') != std::string::npos && (t.back() == '0' || t.back() == '.')) t.pop_back();
            return t;
        }
        return "10<tspan dy=\"-6\" font-size=\"10\">" + fmt("%.0f", e) + "</tspan>";
    }
    int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    std::string t = fmt(("%." + std::to_string(decimals) + "f").c_str(), v);
    if (t.find_first_not_of("-0.") == std::string::npos) t = "0";  // "-0.00" -> "0"
    return t;
}

std::vector<tick> make_ticks(double lo, double hi, scale s, int target) {
    std::vector<tick> t;
    if (s == scale::log) {
        const int e0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
        const int e1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
        const int decades = std::max(1, e1 - e0);
        const int every = std::max(1, (decades + target + 1) / (target + 2));
        for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= e1; ++e) {
            const double base = std::pow(10.0, e);
            if (e >= e0 && base <= hi * (1 + 1e-9)) {
                const bool labelled = ((e - e0) % every) == 0;
                t.push_back({base, labelled ? tick_label(base, s, 0) : "", true});
            }
            if (decades <= 6)
                for (int m = 2; m <= 9; ++m) {
                    const double v = m * base;
                    if (v > lo && v < hi) t.push_back({v, "", false});
                }
        }
        return t;
    }
    const double step = nice_step(hi - lo, target);
    // 1e-9 of a step: include end points that are multiples up to rounding
    for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k += 1)
        t.push_back({k * step, tick_label(k * step, s, step), true});
    return t;
}

double frame::px(double v) const {
    const double f = x.type == scale::log ? (std::log10(v) - std::log10(x.lo)) / (std::log10(x.hi) - std::log10(x.lo))
                                          : (v - x.lo) / (x.hi - x.lo);
    return left + f * width;
}
double frame::py(double v) const {
    const double f = y.type == scale::log ? (std::log10(v) - std::log10(y.lo)) / (std::log10(y.hi) - std::log10(y.lo))
                                          : (v - y.lo) / (y.hi - y.lo);
    return top + (1 - f) * height;
}

std::string draw_axes(const frame& f, bool grid) {
    std::string o;
    const double bottom = f.top + f.height, right = f.left + f.width;
    auto xt = make_ticks(f.x.lo, f.x.hi, f.x.type, f.ticks), yt = make_ticks(f.y.lo, f.y.hi, f.y.type, f.ticks);
    if (grid) {
        o += "<g stroke=\"#000\" stroke-width=\"1\">\n";
        for (const auto& t : xt) {
            const double p = f.px(t.value);
            o += "<line x1=\"" + px(p) + "\" y1=\"" + px(f.top) + "\" x2=\"" + px(p) + "\" y2=\"" + px(bottom) +
                 "\" stroke-opacity=\"" + (t.major ? "0.15" : "0.06") + "\"/>\n";
        }
        for (const auto& t : yt) {
            const double p = f.py(t.value);
            o += "<line x1=\"" + px(f.left) + "\" y1=\"" + px(p) + "\" x2=\"" + px(right) + "\" y2=\"" + px(p) +
                 "\" stroke-opacity=\"" + (t.major ? "0.15" : "0.06") + "\"/>\n";
        }
        o += "</g>\n";
    }
    o += "<g stroke=\"#000\" stroke-width=\"1\">\n";
    for (const auto& t : xt) {
        const double p = f.px(t.value), len = t.major ? 6 : 3;
        o += "<line x1=\"" + px(p) + "\" y1=\"" + px(bottom) + "\" x2=\"" + px(p) + "\" y2=\"" + px(bottom - len) + "\"/>\n";
    }
    for (const auto& t : yt) {
        const double p = f.py(t.value), len = t.major ? 6 : 3;
        o += "<line x1=\"" + px(f.left) + "\" y1=\"" + px(p) + "\" x2=\"" + px(f.left + len) + "\" y2=\"" + px(p) + "\"/>\n";
    }
    o += "</g>\n";
    o += "<rect x=\"" + px(f.left) + "\" y=\"" + px(f.top) + "\" width=\"" + px(f.width) + "\" height=\"" + px(f.height) +
         "\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\"/>\n";
    o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" + fmt("%.0f", font_size) +
         "\" fill=\"#000\">\n";
    for (const auto& t : xt)
        if (!t.label.empty())
            o += "<text x=\"" + px(f.px(t.value)) + "\" y=\"" + px(bottom + 18) + "\" text-anchor=\"middle\">" + t.label +
                 "</text>\n";
    for (const auto& t : yt)
        if (!t.label.empty())
            o += "<text x=\"" + px(f.left - 8) + "\" y=\"" + px(f.py(t.value) + 4.5) + "\" text-anchor=\"end\">" +
                 t.label + "</text>\n";
    o += "<text x=\"" + px(f.left + f.width / 2) + "\" y=\"" + px(bottom + 44) + "\" text-anchor=\"middle\">" +
         rich_text(f.x.label) + "</text>\n";
    const double yl_x = f.left - 58, yl_y = f.top + f.height / 2;
    o += "<text x=\"" + px(yl_x) + "\" y=\"" + px(yl_y) + "\" text-anchor=\"middle\" transform=\"rotate(-90 " + px(yl_x) +
         " " + px(yl_y) + ")\">" + rich_text(f.y.label) + "</text>\n";
    o += "</g>\n";
    return o;
}

std::string document(double width, double height, const std::string& body) {
    std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) + "\" height=\"" +
         fmt("%.0f", height) + "\" viewBox=\"0 0 " + fmt("%.0f", width) + " " + fmt("%.0f", height) + "\">\n";
    o += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
    o += body;
    o += "</svg>\n";
    return o;
}

std::string plot::next_color(const style& st) const {
    if (!st.color.empty()) return st.color;
    std::size_t auto_colored = 0;
    for (const auto& it : items_)
        if (it.st.color.empty()) ++auto_colored;
    return palette(auto_colored);
}

void plot::line(const std::string& name, std::vector<double> x, std::vector<double> y, style st) {
    st.color = next_color(st);
    items_.push_back({item::line_k, name, std::move(x), std::move(y), {}, st});
}
void plot::band(const std::string& name, std::vector<double> x, std::vector<double> lo, std::vector<double> hi,
                style st) {
    st.color = next_color(st);
    if (st.fill_opacity == 0) st.fill_opacity = 0.25;
    items_.push_back({item::band_k, name, std::move(x), std::move(lo), std::move(hi), st});
}
void plot::histogram(const std::string& name, std::vector<double> edges, std::vector<double> values, style st) {
    st.color = next_color(st);
    items_.push_back({item::hist_k, name, std::move(edges), std::move(values), {}, st});
}

std::string plot::svg() const { return document(width_, height_, render(0, 0)); }

std::string plot::render(double ox, double oy) const {
    frame f;
    f.left = ox + margin_left;
    f.top = oy + margin_top;
    f.width = width_ - margin_left - margin_right;
    f.height = height_ - margin_top - margin_bottom;
    f.x = x;
    f.y = y;
    // ---- ranges from the data where not given
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    bool has_hist = false;
    for (const auto& it : items_) {
        for (double v : it.x)
            if (usable(v, x.type)) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
        for (const auto* ys : {&it.y, &it.y2})
            for (double v : *ys)
                if (usable(v, y.type)) ylo = std::min(ylo, v), yhi = std::max(yhi, v);
        has_hist |= it.kind == item::hist_k;
    }
    if (!(xlo <= xhi)) xlo = xhi = x.type == scale::log ? 1 : 0;
    if (!(ylo <= yhi)) ylo = yhi = y.type == scale::log ? 1 : 0;
    if (has_hist && y.type == scale::linear) ylo = std::min(ylo, 0.0);
    // headroom above the data so a top legend does not sit on the curves
    if (std::isnan(y.hi) && (legend.rfind("top", 0) == 0 || legend == "auto"))
        yhi = y.type == scale::log ? yhi * std::pow(yhi / ylo, 0.15) : yhi + 0.15 * (yhi - ylo);
    if (std::isnan(f.x.lo) || std::isnan(f.x.hi)) {
        double a = xlo, b = xhi;
        nice_range(a, b, x.type);
        if (std::isnan(f.x.lo)) f.x.lo = a;
        if (std::isnan(f.x.hi)) f.x.hi = b;
    }
    if (std::isnan(f.y.lo) || std::isnan(f.y.hi)) {
        double a = ylo, b = yhi;
        nice_range(a, b, y.type);
        if (std::isnan(f.y.lo)) f.y.lo = a;
        if (std::isnan(f.y.hi)) f.y.hi = b;
    }
    if (!(f.x.hi > f.x.lo)) nice_range(f.x.lo, f.x.hi, x.type);
    if (!(f.y.hi > f.y.lo)) nice_range(f.y.lo, f.y.hi, y.type);

    std::string o = "<g>\n";
    const std::string clip = "clip" + fmt("%.0f", ox) + "_" + fmt("%.0f", oy);
    o += "<defs><clipPath id=\"" + clip + "\"><rect x=\"" + px(f.left) + "\" y=\"" + px(f.top) + "\" width=\"" +
         px(f.width) + "\" height=\"" + px(f.height) + "\"/></clipPath></defs>\n";
    if (!title.empty())
        o += "<text x=\"" + px(f.left + f.width / 2) + "\" y=\"" + px(oy + 26) +
             "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" +
             fmt("%.0f", title_size) + "\" font-weight=\"bold\">" + rich_text(title) + "</text>\n";
    o += draw_axes(f, grid);

    // ---- data, clipped to the frame
    o += "<g clip-path=\"url(#" + clip + ")\" fill=\"none\" stroke-linejoin=\"round\">\n";
    // pixel position of a point, clamped far outside the frame so huge values stay finite
    auto pxy = [&](double a, double b, double& X, double& Y) {
        if (!usable(a, x.type) || !usable(b, y.type)) return false;
        X = std::clamp(f.px(a), f.left - 1e4, f.left + f.width + 1e4);
        Y = std::clamp(f.py(b), f.top - 1e4, f.top + f.height + 1e4);
        return true;
    };
    auto stroke_attrs = [](const style& st) {
        std::string a = " stroke=\"" + st.color + "\" stroke-width=\"" + fmt("%.2g", st.width) + "\"";
        if (!st.dash.empty()) a += " stroke-dasharray=\"" + st.dash + "\"";
        return a;
    };
    for (const auto& it : items_) {
        if (it.kind == item::band_k) {
            std::string d;
            double X, Y;
            std::vector<std::pair<double, double>> top, bot;
            for (std::size_t i = 0; i < it.x.size(); ++i) {
                double X2, Y2;
                if (pxy(it.x[i], it.y2[i], X, Y) && pxy(it.x[i], it.y[i], X2, Y2)) {
                    top.emplace_back(X, Y);
                    bot.emplace_back(X2, Y2);
                }
            }
            if (top.size() < 2) continue;
            for (std::size_t i = 0; i < top.size(); ++i) d += (i ? " L" : "M") + px(top[i].first) + " " + px(top[i].second);
            for (std::size_t i = bot.size(); i-- > 0;) d += " L" + px(bot[i].first) + " " + px(bot[i].second);
            o += "<path d=\"" + d + " Z\" fill=\"" + it.st.color + "\" fill-opacity=\"" + fmt("%.2g", it.st.fill_opacity) +
                 "\" stroke=\"none\"/>\n";
        } else if (it.kind == item::hist_k) {
            if (it.x.size() != it.y.size() + 1 || it.y.empty()) continue;
            const double base = y.type == scale::log ? f.y.lo : std::max(f.y.lo, 0.0);
            std::string d;
            double X, Y;
            auto add = [&](double a, double b) {
                if (y.type == scale::log && !(b > 0)) b = f.y.lo;
                if (!pxy(a, b, X, Y)) return;
                d += (d.empty() ? "M" : " L") + px(X) + " " + px(Y);
            };
            add(it.x[0], base);
            for (std::size_t i = 0; i < it.y.size(); ++i) {
                add(it.x[i], it.y[i]);
                add(it.x[i + 1], it.y[i]);
            }
            add(it.x.back(), base);
            if (it.st.fill_opacity > 0)
                o += "<path d=\"" + d + " Z\" fill=\"" + it.st.color + "\" fill-opacity=\"" +
                     fmt("%.2g", it.st.fill_opacity) + "\" stroke=\"none\"/>\n";
            o += "<path d=\"" + d + "\"" + stroke_attrs(it.st) + "/>\n";
        } else {
            std::string d;
            double X, Y, lx = 0, ly = 0;
            bool open = false;
            std::size_t pending = SIZE_MAX;  // last skipped point: drawn if the run ends on it
            for (std::size_t i = 0; i < it.x.size(); ++i) {
                if (!pxy(it.x[i], it.y[i], X, Y)) {
                    if (open && pending != SIZE_MAX && pxy(it.x[pending], it.y[pending], X, Y))
                        d += " L" + px(X) + " " + px(Y);
                    open = false;
                    pending = SIZE_MAX;
                    continue;
                }
                if (!open) {
                    d += (d.empty() ? "M" : " M") + px(X) + " " + px(Y);
                    open = true;
                    lx = X, ly = Y;
                } else if (std::abs(X - lx) >= 0.25 || std::abs(Y - ly) >= 0.25) {
                    d += " L" + px(X) + " " + px(Y);
                    lx = X, ly = Y;
                    pending = SIZE_MAX;
                    continue;
                } else {
                    pending = i;
                    continue;
                }
                pending = SIZE_MAX;
            }
            if (open && pending != SIZE_MAX && pxy(it.x[pending], it.y[pending], X, Y)) d += " L" + px(X) + " " + px(Y);
            if (!d.empty()) o += "<path d=\"" + d + "\"" + stroke_attrs(it.st) + "/>\n";
        }
    }
    o += "</g>\n";

    // ---- legend
    std::vector<const item*> named;
    std::size_t longest = 0;
    for (const auto& it : items_)
        if (!it.name.empty()) {
            named.push_back(&it);
            longest = std::max(longest, it.name.size());
        }
    if (!named.empty() && legend != "none") {
        const double row = 20, bw = 46 + char_width * static_cast<double>(longest), bh = 10 + row * static_cast<double>(named.size());
        std::string corner = legend;
        if (corner == "auto") {
            // the corner whose legend box would cover the fewest drawn points (histogram fill
            // counts as points from the bar top down to the base)
            const char* corners[] = {"top-right", "top-left", "bottom-right", "bottom-left"};
            std::size_t best = SIZE_MAX;
            for (const char* c : corners) {
                const std::string cs = c;
                const bool r = cs.find("right") != std::string::npos, tp = cs.rfind("top", 0) == 0;
                // the box grown by 15 px: data right next to a legend reads as badly as data under it
                const double x0 = (r ? f.left + f.width - bw - 10 : f.left + 10) - 15, x1 = x0 + bw + 30;
                const double y0 = (tp ? f.top + 10 : f.top + f.height - bh - 10) - 15, y1 = y0 + bh + 30;
                std::size_t hits = 0;
                double X, Y;
                for (const auto& it : items_) {
                    const bool hist = it.kind == item::hist_k;
                    for (std::size_t i = 0; i < it.y.size() && i < it.x.size(); ++i) {
                        const double xv = hist ? 0.5 * (it.x[i] + it.x[i + 1]) : it.x[i];
                        if (!pxy(xv, it.y[i], X, Y) || X < x0 || X > x1) continue;
                        if (hist ? Y < y1 : (Y >= y0 && Y <= y1)) ++hits;
                        if (it.kind == item::band_k && pxy(xv, it.y2[i], X, Y) && Y >= y0 && Y <= y1) ++hits;
                    }
                }
                if (hits < best) {
                    best = hits;
                    corner = cs;
                }
            }
        }
        const bool right = corner.find("right") != std::string::npos, topc = corner.rfind("top", 0) == 0;
        const double bx = right ? f.left + f.width - bw - 10 : f.left + 10;
        const double by = topc ? f.top + 10 : f.top + f.height - bh - 10;
        o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" + fmt("%.0f", font_size) + "\">\n";
        o += "<rect x=\"" + px(bx) + "\" y=\"" + px(by) + "\" width=\"" + px(bw) + "\" height=\"" + px(bh) +
             "\" fill=\"#fff\" fill-opacity=\"0.88\" stroke=\"#888\" stroke-width=\"0.8\"/>\n";
        for (std::size_t k = 0; k < named.size(); ++k) {
            const item& it = *named[k];
            const double cy = by + 5 + row * (static_cast<double>(k) + 0.5);
            if (it.kind == item::line_k) {
                o += "<line x1=\"" + px(bx + 8) + "\" y1=\"" + px(cy) + "\" x2=\"" + px(bx + 34) + "\" y2=\"" + px(cy) + "\"" +
                     stroke_attrs(it.st) + "/>\n";
            } else {
                o += "<rect x=\"" + px(bx + 8) + "\" y=\"" + px(cy - 6) + "\" width=\"26\" height=\"12\" fill=\"" + it.st.color +
                     "\" fill-opacity=\"" + fmt("%.2g", std::max(it.st.fill_opacity, 0.25)) + "\"" +
                     (it.kind == item::hist_k ? stroke_attrs(it.st) : std::string(" stroke=\"none\"")) + "/>\n";
            }
            o += "<text x=\"" + px(bx + 40) + "\" y=\"" + px(cy + 4.5) + "\">" + rich_text(it.name) + "</text>\n";
        }
        o += "</g>\n";
    }
    o += "</g>\n";
    return o;
}

//---------------------------------------------------------------------------------------------
// heat maps

namespace {
std::string rgb(const double c[3]) {
    char b[16];
    std::snprintf(b, sizeof b, "#%02x%02x%02x", int(c[0] + 0.5), int(c[1] + 0.5), int(c[2] + 0.5));
    return b;
}
/// Viridis-like sequential colour for t in [0, 1] (five anchors, linear between).
std::string sequential_color(double t) {
    static const double a[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    t = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, int(t));
    const double f = t - i, c[3] = {a[i][0] + f * (a[i + 1][0] - a[i][0]), a[i][1] + f * (a[i + 1][1] - a[i][1]),
                                    a[i][2] + f * (a[i + 1][2] - a[i][2])};
    return rgb(c);
}
/// Blue (t = -1), white (0), red (+1).
std::string diverging_color(double t) {
    t = std::clamp(t, -1.0, 1.0);
    const double blue[3] = {33, 102, 172}, white[3] = {247, 247, 247}, red[3] = {178, 24, 43};
    const double* e = t < 0 ? blue : red;
    const double f = std::abs(t), c[3] = {white[0] + f * (e[0] - white[0]), white[1] + f * (e[1] - white[1]),
                                          white[2] + f * (e[2] - white[2])};
    return rgb(c);
}
}  // namespace

std::string heatmap::svg() const {
    const double W = 640, H = 560, side = 440, bar_w = 18;
    frame f;
    f.left = 80, f.top = 50, f.width = side, f.height = side;
    f.x = x, f.y = y;
    f.x.type = f.y.type = scale::linear;
    if (!(f.x.hi > f.x.lo)) f.x.lo = 0, f.x.hi = double(nx);  // no usable range: pixel indices
    if (!(f.y.hi > f.y.lo)) f.y.lo = 0, f.y.hi = double(ny);
    const double bar_x = f.left + side + 25, bottom = f.top + side;
    // colour scale
    double vmax = 0, vmin = 0;
    for (double v : values)
        if (std::isfinite(v)) vmax = std::max(vmax, v), vmin = std::min(vmin, v);
    const double amax = std::max(std::abs(vmax), std::abs(vmin));
    const double lmax = log ? std::log10(amax > 0 ? amax : 1.0) : 0, lmin = lmax + std::log10(log_floor);
    auto color_of = [&](double v) {
        if (diverging) {
            if (amax == 0) return diverging_color(0);
            if (log) {
                const double a = std::abs(v);
                if (a <= 0) return diverging_color(0);
                const double t = std::clamp((std::log10(a) - lmin) / (lmax - lmin), 0.0, 1.0);
                return diverging_color(v < 0 ? -t : t);
            }
            return diverging_color(v / amax);
        }
        if (log) return v > 0 ? sequential_color((std::log10(v) - lmin) / (lmax - lmin)) : sequential_color(0);
        return sequential_color(vmax > vmin ? (v - std::min(0.0, vmin)) / (vmax - std::min(0.0, vmin)) : 0.0);
    };
    std::string o;
    if (!title.empty())
        o += "<text x=\"" + px(f.left + side / 2) + "\" y=\"28\" text-anchor=\"middle\" font-family=\"DejaVu Sans, Helvetica, "
             "Arial, sans-serif\" font-size=\"" + fmt("%.0f", title_size) + "\" font-weight=\"bold\">" + rich_text(title) +
             "</text>\n";
    // cells (0.05 px overlap hides hairline seams between neighbours)
    const double cw = side / double(std::max<std::size_t>(nx, 1)), chh = side / double(std::max<std::size_t>(ny, 1));
    o += "<g shape-rendering=\"crispEdges\">\n";
    for (std::size_t ix = 0; ix < nx; ++ix)
        for (std::size_t iy = 0; iy < ny; ++iy) {
            const double v = ix * ny + iy < values.size() ? values[ix * ny + iy] : nan_v;
            if (!std::isfinite(v)) continue;
            o += "<rect x=\"" + fmt("%.2f", f.left + double(ix) * cw) + "\" y=\"" + fmt("%.2f", bottom - double(iy + 1) * chh) +
                 "\" width=\"" + fmt("%.2f", cw + 0.05) + "\" height=\"" + fmt("%.2f", chh + 0.05) + "\" fill=\"" + color_of(v) +
                 "\"/>\n";
        }
    o += "</g>\n";
    o += draw_axes(f, false);
    // colour bar: 64 steps bottom to top, end labels (and 0 for a diverging scale)
    const int steps = 64;
    o += "<g stroke=\"none\">\n";
    for (int k = 0; k < steps; ++k) {
        const double t = (k + 0.5) / steps;
        o += "<rect x=\"" + px(bar_x) + "\" y=\"" + fmt("%.2f", bottom - (k + 1) * side / steps) + "\" width=\"" + px(bar_w) +
             "\" height=\"" + fmt("%.2f", side / steps + 0.3) + "\" fill=\"" +
             (diverging ? diverging_color(2 * t - 1) : sequential_color(t)) + "\"/>\n";
    }
    o += "</g>\n";
    o += "<rect x=\"" + px(bar_x) + "\" y=\"" + px(f.top) + "\" width=\"" + px(bar_w) + "\" height=\"" + px(side) +
         "\" fill=\"none\" stroke=\"#000\"/>\n";
    o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n";
    auto bar_label = [&](double frac, const std::string& text) {
        const double yy = bottom - frac * side;
        o += "<line x1=\"" + px(bar_x + bar_w) + "\" y1=\"" + px(yy) + "\" x2=\"" + px(bar_x + bar_w + 4) + "\" y2=\"" + px(yy) +
             "\" stroke=\"#000\"/><text x=\"" + px(bar_x + bar_w + 6) + "\" y=\"" + px(yy + 4) + "\">" + xml_escape(text) +
             "</text>\n";
    };
    if (log) {
        const std::string top = fmt("%.2g", std::pow(10.0, lmax)), low = fmt("%.2g", std::pow(10.0, lmin));
        bar_label(1, diverging ? "+" + top : top);
        bar_label(diverging ? 0.5 : 0, diverging ? "\xc2\xb1" + low : low);
        if (diverging) bar_label(0, "-" + top);
    } else if (diverging) {
        bar_label(1, "+" + fmt("%.3g", amax));
        bar_label(0.5, "0");
        bar_label(0, "-" + fmt("%.3g", amax));
    } else {
        bar_label(1, fmt("%.3g", vmax));
        bar_label(0, fmt("%.3g", std::min(0.0, vmin)));
    }
    o += "</g>\n";
    const double lx = W - 12, ly = f.top + side / 2;
    o += "<text x=\"" + px(lx) + "\" y=\"" + px(ly) + "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, Helvetica, Arial, "
         "sans-serif\" font-size=\"" + fmt("%.0f", font_size) + "\" transform=\"rotate(-90 " + px(lx) + " " + px(ly) + ")\">" +
         rich_text(value_label + (log ? " (log scale)" : "")) + "</text>\n";
    return document(W, H, o);
}

//---------------------------------------------------------------------------------------------
// grids of heat maps

namespace {
constexpr double grid_left = 78, grid_top = 48, grid_gap_x = 62, grid_gap_y = 58, grid_bar = 150;
std::size_t grid_rows(std::size_t n, std::size_t columns) { return (n + columns - 1) / std::max<std::size_t>(columns, 1); }
}  // namespace

double heatmap_grid::page_width() const {
    const double w = double(std::max<std::size_t>(std::min(columns, panels.size()), 1)) * (panel_side + grid_gap_x) + grid_bar;
    return std::max(w, 9.0 * double(title.size()) + 2 * grid_left);  // room for the title (bytes: an upper bound)
}
double heatmap_grid::page_height() const {
    return double(std::max<std::size_t>(grid_rows(panels.size(), columns), 1)) * (panel_side + grid_gap_y) + 90;
}

std::string heatmap_grid::svg() const {
    const double W = page_width(), H = page_height(), side = panel_side;
    const std::size_t cols = std::max<std::size_t>(std::min(columns, panels.size()), 1), rows = grid_rows(panels.size(), cols);
    double vmax = 0, vmin = 0;
    for (const auto& p : panels)
        for (double v : p.values)
            if (std::isfinite(v)) vmax = std::max(vmax, v), vmin = std::min(vmin, v);
    double r = std::isfinite(range) && range > 0 ? range : std::max(std::abs(vmax), std::abs(vmin));
    if (!(r > 0)) r = 1;
    const bool lg = log && !diverging;
    const double lo = diverging ? -r : lg ? r * log_floor : std::min(0.0, vmin);
    const double lmax = std::log10(r), lmin = std::log10(r * log_floor);
    auto color_of = [&](double v) {
        if (lg) return sequential_color(v > 0 ? (std::log10(v) - lmin) / (lmax - lmin) : 0.0);
        return diverging ? diverging_color(v / r) : sequential_color(r > lo ? (v - lo) / (r - lo) : 0.0);
    };
    std::string o;
    const double grid_w = double(cols) * (side + grid_gap_x) - grid_gap_x;
    if (!title.empty())
        o += "<text x=\"" + px(W / 2) + "\" y=\"26\" text-anchor=\"middle\" font-family=\"DejaVu Sans, "
             "Helvetica, Arial, sans-serif\" font-size=\"" + fmt("%.0f", title_size) + "\" font-weight=\"bold\">" +
             rich_text(title) + "</text>\n";
    for (std::size_t k = 0; k < panels.size(); ++k) {
        const heatmap& h = panels[k];
        frame f;
        f.left = grid_left + double(k % cols) * (side + grid_gap_x);
        f.top = grid_top + double(k / cols) * (side + grid_gap_y);
        f.width = f.height = side;
        f.ticks = side < 260 ? 4 : 6;
        f.x = h.x, f.y = h.y;
        f.x.type = f.y.type = scale::linear;
        f.x.label.clear(), f.y.label.clear();
        if (!(f.x.hi > f.x.lo)) f.x.lo = 0, f.x.hi = double(h.nx);
        if (!(f.y.hi > f.y.lo)) f.y.lo = 0, f.y.hi = double(h.ny);
        const double cw = side / double(std::max<std::size_t>(h.nx, 1)), chh = side / double(std::max<std::size_t>(h.ny, 1));
        const double bottom = f.top + side;
        o += "<g shape-rendering=\"crispEdges\">\n";
        for (std::size_t ix = 0; ix < h.nx; ++ix)
            for (std::size_t iy = 0; iy < h.ny; ++iy) {
                const double v = ix * h.ny + iy < h.values.size() ? h.values[ix * h.ny + iy] : nan_v;
                if (!std::isfinite(v)) continue;
                o += "<rect x=\"" + fmt("%.2f", f.left + double(ix) * cw) + "\" y=\"" + fmt("%.2f", bottom - double(iy + 1) * chh) +
                     "\" width=\"" + fmt("%.2f", cw + 0.05) + "\" height=\"" + fmt("%.2f", chh + 0.05) + "\" fill=\"" +
                     color_of(v) + "\"/>\n";
            }
        o += "</g>\n";
        o += draw_axes(f, false);
        if (!h.title.empty())
            o += "<text x=\"" + px(f.left + side / 2) + "\" y=\"" + px(f.top - 6) + "\" text-anchor=\"middle\" font-family=\""
                 "DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">" + rich_text(h.title) + "</text>\n";
    }
    // the axis labels of the first panel, once for the grid
    const double grid_h = double(rows) * (side + grid_gap_y) - grid_gap_y;
    if (!panels.empty()) {
        o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" + fmt("%.0f", font_size) + "\">\n";
        o += "<text x=\"" + px(grid_left + grid_w / 2) + "\" y=\"" + px(grid_top + grid_h + 44) + "\" text-anchor=\"middle\">" +
             rich_text(panels[0].x.label) + "</text>\n";
        const double yl_x = 18, yl_y = grid_top + grid_h / 2;
        o += "<text x=\"" + px(yl_x) + "\" y=\"" + px(yl_y) + "\" text-anchor=\"middle\" transform=\"rotate(-90 " + px(yl_x) +
             " " + px(yl_y) + ")\">" + rich_text(panels[0].y.label) + "</text>\n</g>\n";
    }
    // colour bar: 64 steps, labelled at its ends, at zero and halfway
    const double bar_x = grid_left + grid_w + 30, bar_w = 18, bar_h = std::max(side, std::min(grid_h, 440.0)), bar_top = grid_top,
                 bar_bottom = bar_top + bar_h;
    const int steps = 64;
    o += "<g stroke=\"none\">\n";
    for (int k = 0; k < steps; ++k) {
        const double t = (k + 0.5) / steps;
        o += "<rect x=\"" + px(bar_x) + "\" y=\"" + fmt("%.2f", bar_bottom - (k + 1) * bar_h / steps) + "\" width=\"" + px(bar_w) +
             "\" height=\"" + fmt("%.2f", bar_h / steps + 0.3) + "\" fill=\"" + (diverging ? diverging_color(2 * t - 1) : sequential_color(t)) +
             "\"/>\n";
    }
    o += "</g>\n<rect x=\"" + px(bar_x) + "\" y=\"" + px(bar_top) + "\" width=\"" + px(bar_w) + "\" height=\"" + px(bar_h) +
         "\" fill=\"none\" stroke=\"#000\"/>\n";
    o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n";
    for (int k = 0; k <= 4; ++k) {
        const double frac = k / 4.0, yy = bar_bottom - frac * bar_h;
        const double v = lg ? std::pow(10.0, lmin + frac * (lmax - lmin)) : lo + frac * (r - lo);
        o += "<line x1=\"" + px(bar_x + bar_w) + "\" y1=\"" + px(yy) + "\" x2=\"" + px(bar_x + bar_w + 4) + "\" y2=\"" + px(yy) +
             "\" stroke=\"#000\"/><text x=\"" + px(bar_x + bar_w + 6) + "\" y=\"" + px(yy + 4) + "\">" +
             xml_escape((v > 0 && diverging ? "+" : "") + fmt("%.3g", std::abs(v) < 1e-12 * r ? 0.0 : v)) + "</text>\n";
    }
    o += "</g>\n";
    const double lx = bar_x + bar_w + 62, ly = bar_top + bar_h / 2;
    o += "<text x=\"" + px(lx) + "\" y=\"" + px(ly) + "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, Helvetica, Arial, "
         "sans-serif\" font-size=\"" + fmt("%.0f", font_size) + "\" transform=\"rotate(-90 " + px(lx) + " " + px(ly) + ")\">" +
         rich_text(value_label + (lg ? " (log scale)" : "")) + "</text>\n";
    return document(W, H, o);
}

}  // namespace jetml::svg
