// SPDX-License-Identifier: MIT
// jetml/plot/roc_plots.cpp - roc's SVG plots (see roc_plots.hpp).
#include "jetml/plot/roc_plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jetml/io/io.hpp"
#include "jetml/plot/svg_plot.hpp"

namespace jetml::plot {
namespace {

void write_text(const std::string& path, const std::string& text) {
    output out(path, false);
    out.write(text);
    out.commit();
}

std::vector<double> grid_eff_s() {
    std::vector<double> g;
    for (int i = 1; i <= 400; ++i) g.push_back(i / 400.0);
    return g;
}

}  // namespace

void write_roc_plots(const std::string& prefix, const std::vector<stats::roc_discriminant>& ds,
                     const std::string& title, int bins, const std::vector<std::string>& keys) {
    
    const std::size_t auc_k = static_cast<std::size_t>(std::find(keys.begin(), keys.end(), "auc") - keys.begin());
    svg::style gray;
    gray.color = "#777777";
    gray.width = 1.2;
    gray.dash = "5,4";
    auto t = [&](const char* what) { return title.empty() ? std::string(what) : title + ": " + what; };

    // ---- rejection 1/eps_B vs eps_S (log y), the physicists' plot
    svg::plot rej;
    rej.title = t("background rejection");
    rej.x = {"signal efficiency \xCE\xB5_{S}", svg::scale::linear, 0, 1};
    rej.y = {"background rejection 1/\xCE\xB5_{B}", svg::scale::log};
    // ---- ROC eps_S vs eps_B
    svg::plot roc;
    roc.title = t("ROC curve");
    roc.x = {"background efficiency \xCE\xB5_{B}", svg::scale::linear, 0, 1};
    roc.y = {"signal efficiency \xCE\xB5_{S}", svg::scale::linear, 0, 1};
    roc.legend = "bottom-right";
    // ---- SIC vs eps_S
    svg::plot sic;
    sic.title = t("significance improvement");
    sic.x = {"signal efficiency \xCE\xB5_{S}", svg::scale::linear, 0, 1};
    sic.legend = "auto";
    sic.y = {"SIC = \xCE\xB5_{S}/\xE2\x88\x9A\xCE\xB5_{B}", svg::scale::linear, 0};

    for (std::size_t k = 0; k < ds.size(); ++k) {
        const stats::roc_discriminant& d = ds[k];
        svg::style st;
        st.color = svg::palette(k);
        char aucbuf[64];
        std::snprintf(aucbuf, sizeof aucbuf, " (AUC %.4f)", d.value[auc_k]);
        if (d.members.size() == 1) {
            const auto& c = d.members[0].shown;
            std::vector<double> es, eb, r, s;
            for (std::size_t i = 0; i < c.size(); ++i) {
                es.push_back(c.tpr(i));
                eb.push_back(c.fpr(i));
                r.push_back(1.0 / c.fpr(i));
                s.push_back(c.tpr(i) / std::sqrt(c.fpr(i)));
            }
            rej.line(d.name, es, r, st);
            roc.line(d.name + aucbuf, eb, es, st);
            sic.line(d.name, es, s, st);
        } else {
            // ensemble: mean and +-1 std band on a grid of eps_S (the stated interpolation rule)
            auto g = grid_eff_s();
            std::vector<double> rm, rl, rh, sm, sl, sh, ebm, ebl, ebh;
            for (double x : g) {
                std::vector<std::vector<double>> rows;
                for (const auto& m : d.members) {
                    double fb = eff_b_at_eff_s(m.full, x);
                    rows.push_back({1.0 / fb, x / std::sqrt(fb), fb});
                }
                std::vector<double> mu, sd;
                mean_and_std(rows, mu, sd);
                rm.push_back(mu[0]);
                rl.push_back(mu[0] - sd[0]);
                rh.push_back(mu[0] + sd[0]);
                sm.push_back(mu[1]);
                sl.push_back(mu[1] - sd[1]);
                sh.push_back(mu[1] + sd[1]);
                ebm.push_back(mu[2]);
                ebl.push_back(mu[2] - sd[2]);
                ebh.push_back(mu[2] + sd[2]);
            }
            const std::string nm = d.name + " (" + std::to_string(d.members.size()) + " runs)";
            rej.band("", g, rl, rh, st);
            rej.line(nm, g, rm, st);
            sic.band("", g, sl, sh, st);
            sic.line(nm, g, sm, st);
            // the ROC band is horizontal: eps_B spread at fixed eps_S
            std::vector<double> gx = g;
            roc.line(nm + aucbuf, ebm, gx, st);
        }
    }
    {
        auto g = grid_eff_s();
        std::vector<double> r, s;
        for (double x : g) {
            r.push_back(1.0 / x);
            s.push_back(std::sqrt(x));
        }
        rej.line("random", g, r, gray);
        sic.line("random", g, s, gray);
        roc.line("random", {0, 1}, {0, 1}, gray);
    }
    write_text(prefix + "-rejection.svg", rej.svg());
    write_text(prefix + "-roc.svg", roc.svg());
    write_text(prefix + "-sic.svg", sic.svg());

    // ---- score distributions: one panel per discriminant (first run of an ensemble)
    const double pw = 480, ph = 380;
    const std::size_t ncol = std::min<std::size_t>(ds.size(), 3), nrow = (ds.size() + ncol - 1) / ncol;
    std::string body;
    for (std::size_t k = 0; k < ds.size(); ++k) {
        const auto& dat = ds[k].members[0].data;
        double lo = INFINITY, hi = -INFINITY;
        for (double s : dat.score) lo = std::min(lo, s), hi = std::max(hi, s);
        if (!(hi > lo)) hi = lo + 1;
        std::vector<double> edges(bins + 1), hs(bins, 0.0), hb(bins, 0.0);
        for (int i = 0; i <= bins; ++i) edges[i] = lo + (hi - lo) * i / bins;
        double ts = 0, tb = 0;
        for (std::size_t i = 0; i < dat.score.size(); ++i) {
            const double w = dat.weight.empty() ? 1.0 : dat.weight[i];
            int b = static_cast<int>((dat.score[i] - lo) / (hi - lo) * bins);
            b = std::clamp(b, 0, bins - 1);
            (dat.label[i] ? hs[b] : hb[b]) += w;
            (dat.label[i] ? ts : tb) += w;
        }
        const double bw = (hi - lo) / bins;
        for (int i = 0; i < bins; ++i) {
            hs[i] /= ts * bw;
            hb[i] /= tb * bw;
        }
        svg::plot p(pw, ph);
        p.title = ds.size() == 1 ? t("score distributions") : ds[k].name;
        p.x = {"score", svg::scale::linear, lo, hi};
        p.y = {"normalised density", svg::scale::linear, 0};
        p.legend = "auto";
        svg::style s1, s2;
        s1.color = svg::palette(0);
        s1.fill_opacity = 0.2;
        s1.width = 1.6;
        s2.color = svg::palette(1);
        s2.fill_opacity = 0.2;
        s2.width = 1.6;
        p.histogram("signal", edges, hs, s1);
        p.histogram("background", edges, hb, s2);
        body += p.render(pw * static_cast<double>(k % ncol), ph * static_cast<double>(k / ncol));
    }
    write_text(prefix + "-scores.svg", svg::document(pw * static_cast<double>(ncol), ph * static_cast<double>(nrow), body));
}

}  // namespace jetml::plot
