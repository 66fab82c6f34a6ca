// SPDX-License-Identifier: MIT
// tools/roc.cpp - roc: exact ROC curves, AUC and HEP working-point numbers, with SVG plots.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/io.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/io/npy.hpp"
#include "jetml/plot/svg_plot.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

const jetml::tool_info info = {
    "roc",
    "ROC curves, AUC, 1/eps_B at fixed eps_S, TMVA eps_S at fixed eps_B, max SIC, with uncertainties and SVG plots",
    "  roc -l labels.npy scores.npy                       # summary table\n"
    "  roc -l labels.npy cnn=cnn.npy bdt=bdt.npy --plot cmp  # compare; cmp-*.svg\n"
    "  roc jets.csv --score-col cnn --score-col tau21 --curve roc.csv\n"
    "  roc --signal s.npy --background b.npy --bootstrap 200 --format csv\n"
    "  roc -l labels.npy cnn=run1.npy cnn=run2.npy cnn=run3.npy   # ensemble mean +- std"};

// ---------------------------------------------------------------- input files

// The input files, each opened once and read once (jetml::column_file; standard input can
// only be read once), keeping the columns somebody asked for.
class file_set {
public:
    jetml::column_file& open(const std::string& path) {
        auto it = files_.find(path);
        if (it == files_.end()) it = files_.emplace(path, jetml::column_file(path)).first;
        return it->second;
    }
    /// Registers a wanted column (any name for an NPY file's array).
    void want(const std::string& path, const std::string& col) { open(path).want(col); }
    const std::vector<double>& column(const std::string& path, const std::string& col) { return open(path).column(col); }
    const std::string& name(const std::string& path) { return open(path).name(); }
    bool is_npy(const std::string& path) { return open(path).is_npy(); }

private:
    std::map<std::string, jetml::column_file> files_;
};

std::string stem(const std::string& path) {
    if (path == "-") return "scores";
    auto s = path.substr(path.find_last_of('/') + 1);
    auto dot = s.find('.');
    return dot == 0 || dot == std::string::npos ? s : s.substr(0, dot);
}

// "NAME=REST" -> (NAME, REST) when the text before '=' looks like a name (no '/'), else ("", arg)
std::pair<std::string, std::string> split_name(const std::string& arg) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || arg.find('/') < eq) return {"", arg};
    if (::access(arg.c_str(), F_OK) == 0) return {"", arg};  // a file whose name contains '='
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

// ---------------------------------------------------------------- the study

struct member {
    std::string path, column;  // scores (label mode) or signal scores (sig/bkg mode)
    std::string bkg_path, bkg_column;
    jetml::roc_data data;
    jetml::roc_curve full, shown;
    std::vector<double> values;
};

struct discriminant {
    std::string name;
    std::vector<member> members;
    std::vector<double> value, err;  // per summary quantity
};

std::vector<double> checked_labels(const std::vector<double>& v, const std::string& file) {
    jetml::data::check_labels(v, file);
    return v;
}

void check_finite(const std::vector<double>& v, const std::string& file, const char* what) {
    if (v.empty()) throw error(file, std::string("no ") + what + "s (empty input)");
    jetml::data::check_finite(v, file, what);
}

// text for the table: "0.94123 ± 0.00051" (error to 2 significant digits) or "%.6g"
std::string value_text(double v, double e) {
    char buf[96];
    if (!std::isfinite(v)) return jetml::format_double(v);
    if (!std::isfinite(e) || e <= 0) {
        std::snprintf(buf, sizeof buf, "%.6g", v);
        return buf;
    }
    int dec = std::clamp(1 - static_cast<int>(std::floor(std::log10(e))), 0, 12);
    std::snprintf(buf, sizeof buf, "%.*f \xC2\xB1 %.*f", dec, v, dec, e);
    return buf;
}

// ---------------------------------------------------------------- plots

void write_text(const std::string& path, const std::string& text) {
    jetml::output out(path, false);
    out.write(text);
    out.commit();
}

std::vector<double> grid_eff_s() {
    std::vector<double> g;
    for (int i = 1; i <= 400; ++i) g.push_back(i / 400.0);
    return g;
}

void make_plots(const std::string& prefix, const std::vector<discriminant>& ds, const std::string& title, int bins,
                const std::vector<std::string>& keys) {
    namespace svg = jetml::svg;
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
        const discriminant& d = ds[k];
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
                    double fb = jetml::eff_b_at_eff_s(m.full, x);
                    rows.push_back({1.0 / fb, x / std::sqrt(fb), fb});
                }
                std::vector<double> mu, sd;
                jetml::mean_and_std(rows, mu, sd);
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

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        std::vector<std::string> inputs, signals, backgrounds, score_cols, eff_s_list, eff_b_list;
        std::string labels_path, weights_path, label_col = "label", weight_col, out_path = "-", format = "text";
        std::string curve_path, plot_prefix, title, ensemble, negw = "keep";
        double threshold = 0.5, max_fpr = 0, sic_min = 0;
        std::size_t boot = 0;
        int bins = 50;
        bool all_points = false;
        t.app.add_option("inputs", inputs,
                         "score files [NAME=]FILE, NPY (N,) or CSV; '-' = stdin (default); a repeated NAME "
                         "makes an ensemble of runs")
            ->type_name("[NAME=]FILE");
        // -l and -w are checked after parsing: with scores on stdin only once stdin is read (see below)
        t.app.add_option("-l,--labels", labels_path, "labels 0/1 (1 = signal): NPY (N,) of any int/float/bool dtype, or CSV");
        t.app.add_option("-w,--weights", weights_path, "per-event weights: NPY (N,) or CSV (column --weight-col)");
        t.app.add_option("--signal", signals, "signal scores [NAME=]FILE (repeatable; pairs with --background)")
            ->type_name("[NAME=]FILE");
        t.app.add_option("--background", backgrounds, "background scores [NAME=]FILE, one per --signal")
            ->type_name("[NAME=]FILE");
        t.app.add_option("--score-col", score_cols, "CSV score column [NAME=]COL (repeatable; default score)")
            ->type_name("[NAME=]COL");
        t.app.add_option("--label-col", label_col, "CSV label column")->capture_default_str();
        t.app.add_option("--weight-col", weight_col, "CSV weight column (in the labels, weights or score CSV)");
        t.app.add_option("--ensemble", ensemble, "treat every score input as one run of discriminant NAME")
            ->type_name("NAME");
        t.app.add_option("--eff-s", eff_s_list, "signal efficiencies for 1/eps_B (default 0.3,0.5)")
            ->delimiter(',')->type_name("LIST");
        t.app.add_option("--eff-b", eff_b_list, "background efficiencies for eps_S (default 0.01,0.1,0.3)")
            ->delimiter(',')->type_name("LIST");
        t.app.add_option("--threshold", threshold, "score threshold for the accuracy (score >= T is signal)")
            ->capture_default_str();
        t.app.add_option("--max-fpr", max_fpr, "also report the partial AUC up to eps_B = X (scikit-learn max_fpr)")
            ->type_name("X");
        t.app.add_option("--sic-min-eff-b", sic_min, "max SIC only over points with eps_B >= X")
            ->capture_default_str()->type_name("X");
        t.app.add_option("--bootstrap", boot, "uncertainties from N bootstrap resamplings (seeded by --seed)")
            ->type_name("N");
        t.app.add_option("--negative-weights", negw, "keep (as scikit-learn), drop, abs, or error")
            ->capture_default_str()->check(CLI::IsMember({"keep", "drop", "abs", "error"}));
        t.app.add_option("-o,--output", out_path, "summary table; '-' = stdout")->capture_default_str();
        t.app.add_option("--format", format, "summary format: text or csv")
            ->capture_default_str()->check(CLI::IsMember({"text", "csv"}));
        t.app.add_option("--curve", curve_path, "write the ROC curve CSV: name,member,threshold,eff_s,eff_b,rejection,sic")
            ->type_name("FILE");
        t.app.add_flag("--all-points", all_points, "curve CSV with every threshold (no drop_intermediate)");
        t.app.add_option("--plot", plot_prefix,
                         "write SVG plots PREFIX-rejection.svg, -roc.svg, -sic.svg, -scores.svg")
            ->type_name("PREFIX");
        t.app.add_option("--title", title, "title prefix for the plots");
        t.app.add_option("--bins", bins, "histogram bins of the score plot")->capture_default_str();
        t.parse();

        //-- check options ------------------------------------------------------------------
        jetml::summary_spec spec;
        auto parse_list = [](const std::vector<std::string>& l, const char* opt) {
            std::vector<double> v;
            for (const auto& s : l) {
                double x;
                if (!jetml::parse_double(s, x) || !(x > 0 && x <= 1))
                    throw usage_error(std::string(opt) + ": '" + s + "' is not an efficiency in (0, 1]");
                v.push_back(x);
            }
            return v;
        };
        if (!eff_s_list.empty()) spec.eff_s = parse_list(eff_s_list, "--eff-s");
        if (!eff_b_list.empty()) spec.eff_b = parse_list(eff_b_list, "--eff-b");
        if (!std::isfinite(threshold)) throw usage_error("--threshold must be finite");
        if (t.app.count("--max-fpr") && !(max_fpr > 0 && max_fpr < 1))
            throw usage_error("--max-fpr must be in (0, 1), got " + jetml::format_double(max_fpr));
        if (!(sic_min >= 0 && sic_min < 1)) throw usage_error("--sic-min-eff-b must be in [0, 1)");
        if (bins < 1) throw usage_error("--bins must be at least 1");
        spec.threshold = threshold;
        spec.max_fpr = max_fpr;
        spec.sic_min_eff_b = sic_min;
        const bool sigbkg = !signals.empty() || !backgrounds.empty();
        if (sigbkg) {
            jetml::data::check_signal_background(signals.size(), backgrounds.size(), !inputs.empty(), !labels_path.empty());
            if (!weights_path.empty())
                throw usage_error("--weights cannot be combined with --signal/--background; use --weight-col in CSV inputs");
        }
        if (!sigbkg && inputs.empty()) inputs.push_back("-");
        // A labels or weights file may be written by the same pipeline that feeds the scores
        // (`jetgen --labels-out l.npy | ... | roc -l l.npy -`): it exists only once the pipeline's
        // first tool is done, so with scores on stdin it is looked for after stdin is read.
        const bool scores_on_stdin = std::any_of(inputs.begin(), inputs.end(),
                                                 [](const std::string& a) { return split_name(a).second == "-"; });
        auto check_side_file = [](const std::string& path, const char* option) {
            if (!path.empty() && path != "-" && ::access(path.c_str(), R_OK) != 0)
                throw usage_error(std::string(option) + ": cannot read '" + path + "': " + std::strerror(errno));
        };
        if (!scores_on_stdin) {
            check_side_file(labels_path, "--labels");
            check_side_file(weights_path, "--weights");
        }
        if (score_cols.empty()) score_cols.push_back("score");
        {
            int dash = 0;
            for (const auto* l : {&inputs, &signals, &backgrounds})
                for (const auto& a : *l) dash += split_name(a).second == "-";
            dash += labels_path == "-";
            dash += weights_path == "-";
            if (dash > 1) throw usage_error("standard input ('-') can be used for one input only");
        }
        if (curve_path == "-" && out_path == "-")
            throw usage_error("--curve - and the summary cannot both go to standard output; use -o FILE");
        if (plot_prefix == "-") throw usage_error("--plot takes a file name prefix, not '-'");

        //-- read -----------------------------------------------------------------------------
        const auto t0 = std::chrono::steady_clock::now();
        file_set files;
        std::vector<discriminant> ds;
        auto add_member = [&](const std::string& name, member m) {
            const std::string nm = ensemble.empty() ? name : ensemble;
            if (nm.empty() || nm.find_first_of(",\n\r") != std::string::npos)
                throw usage_error("discriminant name '" + nm + "' must be non-empty and contain no comma (it is a CSV field)");
            for (auto& d : ds)
                if (d.name == nm) {
                    d.members.push_back(std::move(m));
                    return;
                }
            ds.push_back({nm, {}, {}, {}});
            ds.back().members.push_back(std::move(m));
        };
        // score sources of one argument: an NPY file is one source; a CSV file one per --score-col
        auto sources = [&](const std::string& arg, std::vector<std::pair<std::string, std::string>>& out) {
            auto [nm, path] = split_name(arg);
            if (path.empty()) throw usage_error("empty file name in '" + arg + "'");
            if (path != "-" && ::access(path.c_str(), R_OK) != 0)
                throw usage_error("cannot read '" + path + "': " + std::strerror(errno));
            out.clear();
            if (files.is_npy(path)) {
                out.emplace_back(nm.empty() ? stem(path) : nm, "");
                return path;
            }
            for (const auto& sc : score_cols) {
                auto [cn, col] = split_name(sc);
                std::string name = !cn.empty() ? cn : col;
                if (!nm.empty()) name = score_cols.size() == 1 ? nm : nm + "/" + name;
                out.emplace_back(name, col);
            }
            return path;
        };
        std::vector<std::pair<std::string, std::string>> src, src_b;
        if (!sigbkg) {
            for (const auto& a : inputs) {
                std::string path = sources(a, src);
                for (auto& [name, col] : src) {
                    files.want(path, col);
                    member m;
                    m.path = path;
                    m.column = col;
                    add_member(name, std::move(m));
                }
            }
            // stdin holds only scores here (labels and weights come from files): read it now
            if (scores_on_stdin && !labels_path.empty() && labels_path != "-" && weights_path != "-")
                for (const auto& d : ds)
                    for (const auto& m : d.members)
                        if (m.path == "-") files.column(m.path, m.column);
            check_side_file(labels_path, "--labels");
            check_side_file(weights_path, "--weights");
            // labels: -l, else the label column of the first CSV score file
            std::string lpath = labels_path, wpath = weights_path;
            if (lpath.empty())
                for (const auto& d : ds)
                    for (const auto& m : d.members)
                        if (lpath.empty() && !files.is_npy(m.path)) lpath = m.path;
            if (lpath.empty())
                throw usage_error("labels are needed: give -l FILE, a CSV with a '" + label_col +
                                  "' column, or --signal/--background");
            files.want(lpath, files.is_npy(lpath) ? "" : label_col);
            if (wpath.empty() && !weight_col.empty()) {
                if (files.is_npy(lpath)) throw usage_error("--weight-col needs -w FILE or CSV labels");
                wpath = lpath;
            }
            if (!wpath.empty()) {
                if (!files.is_npy(wpath) && weight_col.empty()) weight_col = "weight";
                files.want(wpath, files.is_npy(wpath) ? "" : weight_col);
            }
            const auto labels = checked_labels(files.column(lpath, label_col), files.name(lpath));
            if (labels.empty()) throw error(files.name(lpath), "no labels (empty input)");
            std::vector<double> weights;
            if (!wpath.empty()) {
                weights = files.column(wpath, weight_col);
                check_finite(weights, files.name(wpath), "weight");
                if (weights.size() != labels.size())
                    throw error(files.name(wpath), std::to_string(weights.size()) + " weights but " + files.name(lpath) +
                                                       " has " + std::to_string(labels.size()) + " labels");
            }
            for (auto& d : ds)
                for (auto& m : d.members) {
                    const auto& s = files.column(m.path, m.column);
                    const std::string where = files.name(m.path) + (m.column.empty() ? "" : " column '" + m.column + "'");
                    check_finite(s, where, "score");
                    if (s.size() != labels.size())
                        throw error(where, std::to_string(s.size()) + " scores but " + files.name(lpath) + " has " +
                                               std::to_string(labels.size()) + " labels");
                    m.data.score = s;
                    m.data.label.assign(labels.begin(), labels.end());
                    m.data.weight = weights;
                }
        } else {
            for (std::size_t k = 0; k < signals.size(); ++k) {
                const std::string sp = sources(signals[k], src);
                const std::string bp = sources(backgrounds[k], src_b);
                if (src.size() != src_b.size())
                    throw usage_error("--signal " + signals[k] + " and --background " + backgrounds[k] +
                                      " give different numbers of score columns");
                for (std::size_t c = 0; c < src.size(); ++c) {
                    files.want(sp, src[c].second);
                    files.want(bp, src_b[c].second);
                    if (!weight_col.empty()) {
                        if (files.is_npy(sp) || files.is_npy(bp)) throw usage_error("--weight-col needs CSV inputs");
                        files.want(sp, weight_col);
                        files.want(bp, weight_col);
                    }
                    member m;
                    m.path = sp;
                    m.column = src[c].second;
                    m.bkg_path = bp;
                    m.bkg_column = src_b[c].second;
                    add_member(split_name(signals[k]).first.empty() && !split_name(backgrounds[k]).first.empty()
                                   ? split_name(backgrounds[k]).first
                                   : src[c].first,
                               std::move(m));
                }
            }
            for (auto& d : ds)
                for (auto& m : d.members) {
                    const auto& s = files.column(m.path, m.column);
                    const auto& b = files.column(m.bkg_path, m.bkg_column);
                    check_finite(s, files.name(m.path), "score");
                    check_finite(b, files.name(m.bkg_path), "score");
                    m.data.score = s;
                    m.data.score.insert(m.data.score.end(), b.begin(), b.end());
                    m.data.label.assign(s.size(), 1);
                    m.data.label.resize(s.size() + b.size(), 0);
                    if (!weight_col.empty()) {
                        const auto& ws = files.column(m.path, weight_col);
                        const auto& wb = files.column(m.bkg_path, weight_col);
                        check_finite(ws, files.name(m.path), "weight");
                        check_finite(wb, files.name(m.bkg_path), "weight");
                        m.data.weight = ws;
                        m.data.weight.insert(m.data.weight.end(), wb.begin(), wb.end());
                    }
                }
        }

        //-- negative weights -------------------------------------------------------------------
        {
            std::size_t nneg = 0;
            for (auto& d : ds)
                for (auto& m : d.members) {
                    std::size_t here = 0;
                    for (double& w : m.data.weight)
                        if (w < 0) {
                            ++here;
                            if (negw == "drop") w = 0;
                            else if (negw == "abs") w = -w;
                        }
                    nneg = std::max(nneg, here);
                }
            if (nneg > 0) {
                if (negw == "error") throw error(std::to_string(nneg) + " events have negative weights (--negative-weights=error)");
                if (negw == "keep")
                    t.warn("%zu negative weights kept in the cumulative sums (the curve may be non-monotonic; "
                           "see --negative-weights)", nneg);
                else
                    t.info("%zu negative weights: %s", nneg, negw == "drop" ? "dropped" : "replaced by their absolute value");
            }
        }
        const auto t1 = std::chrono::steady_clock::now();

        //-- compute ----------------------------------------------------------------------------
        std::vector<std::string> keys, labels_txt;
        bool any_err = false;
        for (auto& d : ds) {
            std::vector<std::vector<double>> rows;
            for (std::size_t k = 0; k < d.members.size(); ++k) {
                member& m = d.members[k];
                jetml::ranked_events r;
                try {
                    r = jetml::rank_events(m.data);
                } catch (const error& e) {
                    throw error(d.name, e.what());
                }
                m.full = jetml::compute_roc(r, false);
                m.shown = all_points ? m.full : jetml::compute_roc(r, true);
                auto q = jetml::summarize(m.full, spec);
                if (keys.empty())
                    for (const auto& x : q) {
                        keys.push_back(x.key);
                        labels_txt.push_back(x.label);
                    }
                for (const auto& x : q) m.values.push_back(x.value);
                rows.push_back(m.values);
                if (d.members.size() == 1) {
                    d.value = m.values;
                    d.err.assign(m.values.size(), nan_v);
                    if (boot > 0) {
                        auto reps = jetml::bootstrap(r, spec, boot, t.seed);
                        if (reps.size() < boot)
                            t.warn("%s: %zu of %zu bootstrap replicas lost a class and were skipped", d.name.c_str(),
                                   boot - reps.size(), boot);
                        std::vector<double> mean;
                        jetml::mean_and_std(reps, mean, d.err);
                        any_err = true;
                    }
                }
            }
            if (d.members.size() > 1) {
                jetml::mean_and_std(rows, d.value, d.err);
                any_err = true;
            }
            t.info("%s: %zu run(s), AUC %.6f", d.name.c_str(), d.members.size(), d.value[2]);
        }
        if (boot > 0)
            for (const auto& d : ds)
                if (d.members.size() > 1)
                    t.warn("--bootstrap ignored for ensemble '%s': its uncertainty is the spread over its %zu runs",
                           d.name.c_str(), d.members.size());
        const auto t2 = std::chrono::steady_clock::now();
        t.info("read %.3f s, computed %.3f s", std::chrono::duration<double>(t1 - t0).count(),
               std::chrono::duration<double>(t2 - t1).count());

        //-- write ------------------------------------------------------------------------------
        if (!curve_path.empty()) {
            jetml::output out(curve_path, false);
            jetml::csv_writer w(out, {"name", "member", "threshold", "eff_s", "eff_b", "rejection", "sic"});
            for (const auto& d : ds)
                for (std::size_t k = 0; k < d.members.size(); ++k) {
                    const auto& c = d.members[k].shown;
                    for (std::size_t i = 0; i < c.size(); ++i) {
                        const double es = c.tpr(i), eb = c.fpr(i);
                        // 0/0 at the origin is NaN; written as "nan", never "-nan"
                        const double sic = eb == 0 && es == 0 ? nan_v : es / std::sqrt(eb);
                        w << d.name << k << c.threshold[i] << es << eb << 1.0 / eb << sic;
                        w.end_row();
                    }
                }
            w.finish();
        }
        if (!plot_prefix.empty()) make_plots(plot_prefix, ds, title, bins, keys);
        std::string text;
        if (format == "csv") {
            text = "name,runs";
            for (const auto& k : keys) text += "," + k + (any_err ? "," + k + "_err" : "");
            text += "\n";
            for (const auto& d : ds) {
                text += d.name + "," + std::to_string(d.members.size());
                for (std::size_t j = 0; j < keys.size(); ++j) {
                    text += "," + jetml::format_double(d.value[j]);
                    if (any_err) text += "," + jetml::format_double(d.err[j]);
                }
                text += "\n";
            }
        } else {
            std::vector<std::vector<std::string>> cells(keys.size() + 1);
            cells[0].push_back("");
            for (const auto& d : ds)
                cells[0].push_back(d.members.size() > 1 ? d.name + " (" + std::to_string(d.members.size()) + " runs)"
                                                        : d.name);
            for (std::size_t j = 0; j < keys.size(); ++j) {
                cells[j + 1].push_back(labels_txt[j]);
                for (const auto& d : ds) cells[j + 1].push_back(value_text(d.value[j], d.err[j]));
            }
            std::vector<std::size_t> wid(ds.size() + 1, 0);
            auto width = [](const std::string& s) {  // display width: count UTF-8 lead bytes
                std::size_t n = 0;
                for (unsigned char c : s) n += (c & 0xC0) != 0x80;
                return n;
            };
            for (const auto& row : cells)
                for (std::size_t c = 0; c < row.size(); ++c) wid[c] = std::max(wid[c], width(row[c]));
            for (const auto& row : cells) {
                std::string line;
                for (std::size_t c = 0; c < row.size(); ++c) {
                    std::string cell = row[c];
                    const std::size_t pad = wid[c] - width(cell);
                    if (c == 0) line += cell + std::string(pad, ' ');
                    else line += "  " + std::string(pad, ' ') + cell;
                }
                text += line + "\n";
            }
            if (any_err)
                text += std::string(boot > 0 ? "uncertainties: bootstrap std over " + std::to_string(boot) + " replicas"
                                             : "uncertainties") +
                        (std::any_of(ds.begin(), ds.end(), [](const discriminant& d) { return d.members.size() > 1; })
                             ? "; ensembles: mean and std over runs"
                             : "") +
                        "\n";
        }
        write_text(out_path, text);
    });
}
