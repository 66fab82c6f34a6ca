// SPDX-License-Identifier: MIT
// jetml/plot/hunt_plots.cpp - the CWoLa bump hunt's SVG plots (see hunt_plots.hpp).
#include "jetml/plot/hunt_plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/plot/svg_plot.hpp"
#include "jetml/stats/significance.hpp"

namespace jetml::plot {
namespace {

std::string fmt(const char* f, double v) { return format_number(f, v); }

// The mjj spectrum of one selection: passing events, the fit with its band, the SR shaded.
svg::plot spectrum_panel(const search::hunt_result& r, const search::hunt_region& reg, const search::hunt_cell& c,
                         double w, double h) {
    const auto& e = r.all.edges;
    const std::size_t nb = e.size() - 1;
    svg::plot p(w, h);
    double lo = INFINITY, hi = 0;
    for (std::size_t b = 0; b < nb; ++b) {
        for (double v : {c.pass[b], c.fit.bin_expected[b]})
            if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    if (!(hi > 0)) lo = 0.5, hi = 10;
    p.x = {"m_{jj} [GeV]", svg::scale::linear, e.front(), e.back()};
    p.y = {"events per bin", svg::scale::log, std::max(0.3, 0.5 * lo), 3 * hi};
    p.title = "\xCE\xB5 = " + fmt("%g", c.efficiency) +
              (c.fit.ok ? ": Z = " + fmt("%.2f", c.sig.z) + ", \xCF\x87\xC2\xB2/ndf = " + fmt("%.1f", c.fit.fit.chi2) + "/" +
                              std::to_string(c.fit.fit.ndf)
                        : ": fit failed");
    p.legend = "top-right";
    svg::style sr;
    sr.color = "#bbbbbb";
    sr.fill_opacity = 0.35;
    const double srlo = e[reg.sr.first], srhi = e[reg.sr.end()];
    p.band("signal region", {srlo, srhi}, {p.y.lo, p.y.lo}, {p.y.hi, p.y.hi}, sr);
    svg::style obs;
    obs.color = svg::palette(0);
    obs.width = 1.6;
    obs.fill_opacity = 0.15;
    std::vector<double> shown(c.pass);
    for (auto& v : shown)
        if (!(v > 0)) v = NAN;  // an empty bin has no place on a log axis
    p.histogram("passing events", e, shown, obs);
    if (c.fit.ok) {
        svg::style fit;
        fit.color = svg::palette(1);
        fit.width = 1.6;
        fit.dash = "6,4";
        std::vector<double> x, y, ylo, yhi;
        for (std::size_t b = 0; b < nb; ++b) {
            const double m = std::sqrt(e[b] * e[b + 1]), v = c.fit.bin_expected[b], s = c.fit.bin_sigma[b];
            x.push_back(m), y.push_back(v), ylo.push_back(std::max(v - s, 1e-300)), yhi.push_back(v + s);
        }
        svg::style band = fit;
        band.fill_opacity = 0.25;
        p.band("", x, ylo, yhi, band);
        p.line("dijet fit (" + std::to_string(c.fit.fit.npar()) + " par.)", x, y, fit);
    }
    return p;
}

}  // namespace

std::vector<std::string> hunt_plot_names(const std::string& prefix, const search::hunt_result& r) {
    std::vector<std::string> n{prefix + "-p0.svg"};
    for (const auto& reg : r.regions) n.push_back(prefix + "-sr" + std::to_string(reg.sr.centre()) + ".svg");
    return n;
}

std::vector<std::string> hunt_plots(const search::hunt_result& r, const std::string& title) {
    std::vector<std::string> docs;
    const auto& e = r.all.edges;
    auto t = [&](const std::string& what) { return title.empty() ? what : title + ": " + what; };

    //-- local p0 against the signal region's mjj, one line per efficiency -------------------
    svg::plot p0;
    p0.title = t("local p_{0} of each signal region");
    p0.x = {"signal-region centre m_{jj} [GeV]", svg::scale::linear};
    p0.y = {"local p_{0}", svg::scale::log, NAN, 1};
    p0.legend = "bottom-left";
    std::vector<double> xs;
    for (const auto& reg : r.regions) xs.push_back(0.5 * (e[reg.sr.first] + e[reg.sr.end()]));
    double pmin = 0.5;
    const std::size_t ne = r.regions.empty() ? 0 : r.regions.front().cells.size();
    for (std::size_t j = 0; j < ne; ++j) {
        std::vector<double> y;
        for (const auto& reg : r.regions) {
            const auto& c = reg.cells[j];
            // a failed fit has no p0: a gap in the line
            y.push_back(c.fit.ok ? std::max(c.sig.p0, 1e-300) : NAN);
            if (c.fit.ok) pmin = std::min(pmin, y.back());
        }
        svg::style st;
        st.color = svg::palette(j);
        p0.line("\xCE\xB5 = " + fmt("%g", r.regions.front().cells[j].efficiency), xs, y, st);
    }
    int top_sigma = 5;
    while (stats::normal_sf(top_sigma) > pmin / 10 && top_sigma > 1) --top_sigma;
    while (stats::normal_sf(top_sigma + 1) > pmin / 10 && top_sigma < 12) ++top_sigma;
    p0.y.lo = std::min(pmin / 10, stats::normal_sf(top_sigma));
    svg::style lvl;
    lvl.color = "#777777";
    lvl.width = 1;
    lvl.dash = "4,4";
    if (!xs.empty())
        for (int z = 1; z <= top_sigma; ++z) {
            const double pz = stats::normal_sf(z);
            p0.line(z == 1 ? "1, 2, ... \xCF\x83" : "", {xs.front(), xs.back()}, {pz, pz}, lvl);
        }
    docs.push_back(p0.svg());

    //-- per signal region: one panel per efficiency ------------------------------------------
    const double pw = 480, ph = 360;
    for (const auto& reg : r.regions) {
        const std::size_t ncol = std::min<std::size_t>(std::max<std::size_t>(reg.cells.size(), 1), 3);
        const std::size_t nrow = (reg.cells.size() + ncol - 1) / ncol;
        std::string body = "<text x=\"12\" y=\"22\" font-family=\"sans-serif\" font-size=\"16\">" +
                           svg::xml_escape(t("signal region " + fmt("%.0f", e[reg.sr.first]) + "-" +
                                             fmt("%.0f", e[reg.sr.end()]) + " GeV, " + reg.sr.description())) +
                           "</text>\n";
        for (std::size_t k = 0; k < reg.cells.size(); ++k)
            body += spectrum_panel(r, reg, reg.cells[k], pw, ph)
                        .render(pw * double(k % ncol), 30 + ph * double(k / ncol));
        docs.push_back(svg::document(pw * double(ncol), 30 + ph * double(std::max<std::size_t>(nrow, 1)), body));
    }
    return docs;
}

void write_hunt_plots(const std::string& prefix, const search::hunt_result& r, const std::string& title) {
    const auto names = hunt_plot_names(prefix, r);
    const auto docs = hunt_plots(r, title);
    std::vector<std::unique_ptr<output>> outs;
    output_group g;
    for (std::size_t i = 0; i < names.size(); ++i) {
        outs.push_back(std::make_unique<output>(names[i], false));
        g.add(*outs.back());
        outs.back()->write(docs[i]);
        outs.back()->commit();
    }
    g.commit();
}

}  // namespace jetml::plot
