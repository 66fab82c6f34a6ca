// SPDX-License-Identifier: MIT
// jetml/viz/phase_space.cpp - restricted phase-space studies (see phase_space.hpp).
#include "jetml/viz/phase_space.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/plot/image_plots.hpp"
#include "jetml/plot/svg_plot.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/viz/jet_reader.hpp"
#include "jetml/viz/maps.hpp"

namespace jetml::viz {
namespace im = jetml::image;
namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
std::string num(double v) { return std::isfinite(v) ? format_number("%.6g", v) : std::string("nan"); }

/// Index of the bin of v in edges (bins [e_i, e_i+1), the last closed), or -1 outside; one
/// unbounded bin for empty edges.
long bin_of(const std::vector<double>& e, double v) {
    if (e.empty()) return 0;
    if (v < e.front() || v > e.back()) return -1;
    if (v == e.back()) return long(e.size()) - 2;
    return long(std::upper_bound(e.begin(), e.end(), v) - e.begin()) - 1;
}
std::size_t nbins(const std::vector<double>& e) { return e.empty() ? 1 : e.size() - 1; }
double lo_of(const std::vector<double>& e, std::size_t i) { return e.empty() ? -INFINITY : e[i]; }
double hi_of(const std::vector<double>& e, std::size_t i) { return e.empty() ? INFINITY : e[i + 1]; }

/// The AUC of the jets where keep(i) holds, with weights w; NaN when a class has no weight.
template <class F>
double auc_where(const std::vector<double>& score, const std::vector<std::uint8_t>& label, const std::vector<double>& w, F keep) {
    roc_data d;
    double ws = 0, wb = 0;
    for (std::size_t i = 0; i < score.size(); ++i)
        if (keep(i) && w[i] > 0) {
            d.score.push_back(score[i]), d.label.push_back(label[i]), d.weight.push_back(w[i]);
            (label[i] ? ws : wb) += w[i];
        }
    if (!(ws > 0) || !(wb > 0)) return nan_v;
    return auc(d);
}

/// Everything one pass gives: per-jet numbers and per-(cell, class) moments.
struct pass {
    std::vector<double> score, weight, mass, tau21;
    std::vector<std::uint8_t> label;
    std::vector<long> cell;                      // -1: outside the grid
    std::vector<pixel_score_moments> m[2];       // [class][cell]
    std::vector<double> wsum[2];                 // [class][cell]
    std::vector<std::size_t> count[2];
    std::vector<std::size_t> image_shape;
    std::size_t outside = 0;
};

pass run_pass(const view_options& o, const phase_space_options& s) {
    if (o.scores.empty()) throw usage_error(o.view + " needs --scores FILE (one score per image, e.g. from predict)");
    if (o.labels.empty()) throw usage_error(o.view + " needs the labels (-l FILE)");
    if (s.vars.empty()) throw usage_error(o.view + " needs --vars FILE (a CSV with the jets' mass and tau21, e.g. from subjet)");
    column_file vf(s.vars);
    vf.want(s.mass_col);
    vf.want(s.tau21_col);
    pass r;
    r.mass = vf.column(s.mass_col);
    r.tau21 = vf.column(s.tau21_col);
    const std::size_t nm = nbins(s.mass_edges), B = nm * nbins(s.tau21_edges);
    jet_reader in(o.images, o.scores, o.score_col, o.labels, o.label_col, o.weights, o.weight_col, o.batch);
    r.image_shape = in.image_shape();
    const std::size_t P = in.image_size();
    for (int c = 0; c < 2; ++c) {
        r.m[c].assign(B, pixel_score_moments(P));
        r.wsum[c].assign(B, 0.0);
        r.count[c].assign(B, 0);
    }
    std::size_t done = 0;
    while (std::size_t n = in.next()) {
        if (done + n > r.mass.size())
            throw error(vf.name(), "fewer rows (" + std::to_string(r.mass.size()) + ") than the images of " + in.name() +
                                       "; expected one per image");
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t j = done + i;
            const long bm = bin_of(s.mass_edges, r.mass[j]), bt = bin_of(s.tau21_edges, r.tau21[j]);
            const long cell = bm < 0 || bt < 0 ? -1 : bm * long(nbins(s.tau21_edges)) + bt;
            const int lab = in.label(i);
            r.score.push_back(in.score(i)), r.label.push_back(std::uint8_t(lab)), r.weight.push_back(in.weight(i));
            r.cell.push_back(cell);
            if (cell < 0) {
                ++r.outside;
                continue;
            }
            r.m[lab][std::size_t(cell)].add(in.image(i), in.score(i), in.weight(i));
            r.wsum[lab][std::size_t(cell)] += in.weight(i);
            ++r.count[lab][std::size_t(cell)];
        }
        done += n;
    }
    if (done != r.mass.size())
        throw error(vf.name(), std::to_string(r.mass.size()) + " rows for the " + std::to_string(done) + " images of " + in.name() +
                                   "; expected one per image");
    if (done == 0) throw error(in.name(), "no jets");
    (void)nm;
    return r;
}

std::string range_text(double lo, double hi, const char* name) {
    if (!std::isfinite(lo) && !std::isfinite(hi)) return std::string("any ") + name;
    return std::string(name) + "\xc2\xa0" + num(lo) + "\xe2\x80\x93" + num(hi);  // no-break space: kept after a subscript
}
std::string auc_text(double a) { return std::isfinite(a) ? format_number("%.3f", a) : std::string("n/a"); }

std::string grid_svg(const view_options& o, const std::vector<std::size_t>& chw, const std::vector<double>& v, std::size_t count,
                     const std::vector<std::string>& cap, std::size_t columns, const std::string& title) {
    const im::params p = grid_for(o.grid, chw);
    svg::heatmap_grid g;
    const std::size_t P = p.pixels();
    for (std::size_t i = 0; i < count; ++i) {
        svg::heatmap h = plot::image_heatmap(p, v.data() + i * P, 0, false);
        h.title = cap[i];
        g.panels.push_back(std::move(h));
    }
    g.columns = o.columns ? o.columns : columns;
    g.panel_side = 190;
    g.diverging = true;
    g.title = o.title.empty() ? title : o.title;
    g.value_label = "Pearson r (pixel, score)";
    return g.svg();
}

}  // namespace

std::vector<double> parse_edges(const std::string& text, const std::string& option) {
    std::vector<double> e;
    for (const auto& part : split_list(text)) {
        try {
            std::size_t used = 0;
            e.push_back(std::stod(part, &used));
            if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
            throw usage_error(option + " expects comma-separated numbers, got '" + part + "'");
        }
    }
    if (e.size() < 2) throw usage_error(option + " needs at least two bin edges, got '" + text + "'");
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!std::isfinite(e[i]) || (i && !(e[i] > e[i - 1])))
            throw usage_error(option + " edges must be finite and increasing, got '" + text + "'");
    return e;
}

study_result bins_study(const view_options& o, const phase_space_options& s) {
    pass r = run_pass(o, s);
    const std::size_t nt = nbins(s.tau21_edges), B = nbins(s.mass_edges) * nt;
    study_result out;
    out.shape = r.image_shape;
    out.shape.insert(out.shape.begin(), B);
    out.table = "mass_lo,mass_hi,tau21_lo,tau21_hi,n_signal,n_background,w_signal,w_background,auc,auc_mass,auc_tau21\n";
    std::vector<std::string> cap;
    for (std::size_t b = 0; b < B; ++b) {
        const std::size_t im_ = b / nt, it = b % nt;
        auto in_cell = [&](std::size_t i) { return r.cell[i] == long(b); };
        const double a = auc_where(r.score, r.label, r.weight, in_cell);
        const double am = auc_where(r.mass, r.label, r.weight, in_cell), at = auc_where(r.tau21, r.label, r.weight, in_cell);
        const double mlo = lo_of(s.mass_edges, im_), mhi = hi_of(s.mass_edges, im_);
        const double tlo = lo_of(s.tau21_edges, it), thi = hi_of(s.tau21_edges, it);
        out.table += num(mlo) + "," + num(mhi) + "," + num(tlo) + "," + num(thi) + "," + std::to_string(r.count[1][b]) + "," +
                     std::to_string(r.count[0][b]) + "," + num(r.wsum[1][b]) + "," + num(r.wsum[0][b]) + "," + num(a) + "," +
                     num(am) + "," + num(at) + "\n";
        pixel_score_moments m = r.m[1][b];
        m.merge(r.m[0][b]);
        std::vector<double> map = m.count() >= 2 ? m.pearson() : std::vector<double>(m.pixels(), nan_v);
        out.values.insert(out.values.end(), map.begin(), map.end());
        cap.push_back(range_text(mlo, mhi, "m") + ", " + range_text(tlo, thi, "\xcf\x84_{21}") + ": AUC " + auc_text(a));
    }
    out.svg = grid_svg(o, r.image_shape, out.values, B, cap, nt,
                       "correlation of pixels with " + o.scores.substr(o.scores.find_last_of('/') + 1) +
                           " in bins of mass and \xcf\x84_{21}");
    out.summary = std::to_string(B) + " bins; " + std::to_string(r.outside) + " of " + std::to_string(r.score.size()) +
                  " jets outside the grid";
    return out;
}

study_result reweight_study(const view_options& o, const phase_space_options& s) {
    pass r = run_pass(o, s);
    const std::size_t B = r.wsum[0].size();
    double S = 0, Bk = 0;
    for (std::size_t b = 0; b < B; ++b) S += r.wsum[1][b], Bk += r.wsum[0][b];
    if (!(S > 0) || !(Bk > 0)) throw error(o.images, "reweight needs signal and background jets inside the grid");
    // per cell: the factor of each class's weights
    std::vector<double> f[2];
    f[0].assign(B, 0.0), f[1].assign(B, 0.0);
    double lost = 0;
    for (std::size_t b = 0; b < B; ++b) {
        if (r.wsum[0][b] > 0) f[0][b] = (r.wsum[1][b] / S) / (r.wsum[0][b] / Bk), f[1][b] = 1;
        else lost += r.wsum[1][b];
    }
    std::vector<double> w2(r.score.size(), 0.0);
    for (std::size_t i = 0; i < w2.size(); ++i)
        if (r.cell[i] >= 0) w2[i] = r.weight[i] * f[r.label[i]][std::size_t(r.cell[i])];
    // maps: every jet of the grid as it is, then reweighted
    const std::size_t P = r.m[0].empty() ? 0 : r.m[0][0].pixels();
    pixel_score_moments before(P), after(P);
    for (int c = 0; c < 2; ++c)
        for (std::size_t b = 0; b < B; ++b) before.merge(r.m[c][b]), after.merge(r.m[c][b], f[c][b]);
    study_result out;
    out.shape = r.image_shape;
    out.shape.insert(out.shape.begin(), 2);
    for (const auto* m : {&before, &after}) {
        auto v = m->count() >= 2 ? m->pearson() : std::vector<double>(P, nan_v);
        out.values.insert(out.values.end(), v.begin(), v.end());
    }
    auto in_grid = [&](std::size_t i) { return r.cell[i] >= 0; };
    auto all = [](std::size_t) { return true; };
    const double a0 = auc_where(r.score, r.label, r.weight, in_grid), a1 = auc_where(r.score, r.label, w2, all);
    out.table = "variable,auc,auc_reweighted\n";
    out.table += "score," + num(a0) + "," + num(a1) + "\n";
    out.table += s.mass_col + "," + num(auc_where(r.mass, r.label, r.weight, in_grid)) + "," + num(auc_where(r.mass, r.label, w2, all)) + "\n";
    out.table += s.tau21_col + "," + num(auc_where(r.tau21, r.label, r.weight, in_grid)) + "," +
                 num(auc_where(r.tau21, r.label, w2, all)) + "\n";
    out.svg = grid_svg(o, r.image_shape, out.values, 2,
                       {"as they are: AUC " + auc_text(a0), "reweighted in (m, \xcf\x84_{21}): AUC " + auc_text(a1)}, 2,
                       "correlation of pixels with " + o.scores.substr(o.scores.find_last_of('/') + 1) +
                           " before and after the reweighting");
    out.summary = std::to_string(r.outside) + " of " + std::to_string(r.score.size()) + " jets outside the grid (weight 0); " +
                  "signal weight " + num(lost) + " of " + num(S) + " in cells without background (weight 0)";
    if (!s.weights_out.empty()) save_npy(s.weights_out, std::vector<std::size_t>{w2.size()}, w2.data());
    return out;
}

}  // namespace jetml::viz
