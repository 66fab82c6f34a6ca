// SPDX-License-Identifier: MIT
// tools/roc.cpp - roc: exact ROC curves, AUC and HEP working-point numbers, with SVG plots.
// The procedure is the library's (stats/roc_study.hpp, plot/roc_plots.hpp); this declares the
// options and calls it.
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/plot/roc_plots.hpp"
#include "jetml/stats/roc_study.hpp"

namespace {

using jetml::usage_error;
namespace data = jetml::data;

const jetml::tool_info info = {
    "roc",
    "ROC curves, AUC, 1/eps_B at fixed eps_S, TMVA eps_S at fixed eps_B, max SIC, with uncertainties and SVG plots",
    "  roc -l labels.npy scores.npy                       # summary table\n"
    "  roc -l labels.npy cnn=cnn.npy bdt=bdt.npy --plot cmp  # compare; cmp-*.svg\n"
    "  paste -d, cnn.csv features.csv | roc -l labels.npy - --score-col cnn --score-col tau21  # CSVs of predict, subjet\n"
    "  roc --signal s.npy --background b.npy --bootstrap 200 --format csv\n"
    "  roc -l labels.npy cnn=run1.npy cnn=run2.npy cnn=run3.npy   # ensemble mean +- std"};

std::vector<double> efficiencies(const std::vector<std::string>& l, const char* opt) {
    std::vector<double> v;
    for (const auto& s : l) {
        double x;
        if (!jetml::parse_double(s, x) || !(x > 0 && x <= 1))
            throw usage_error(std::string(opt) + ": '" + s + "' is not an efficiency in (0, 1]");
        v.push_back(x);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        jetml::stats::roc_inputs in;
        std::vector<std::string> eff_s_list, eff_b_list;
        std::string out_path = "-", format = "text", curve_path, plot_prefix, title, negw = "keep";
        double threshold = 0.5, max_fpr = 0, sic_min = 0;
        std::size_t boot = 0;
        int bins = 50;
        bool all_points = false;
        in.data.label_col = "label";
        // -l and -w are checked after parsing: with scores on stdin only once stdin is read
        data::add_dataset_options(t.app, in.data,
                                  data::dataset_parts::samples | data::dataset_parts::scores |
                                      data::dataset_parts::labels | data::dataset_parts::weights);
        t.app.add_option("--score-col", in.score_cols, "CSV score column [NAME=]COL (repeatable; default score)")
            ->type_name("[NAME=]COL");
        t.app.add_option("--ensemble", in.ensemble, "treat every score input as one run of discriminant NAME")
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
            ->type_name("N")->check(jetml::whole_number(0, 1000000));
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
        t.add_shard_option("rows of every input (scores, labels, weights)");
        t.parse();

        //-- check options ------------------------------------------------------------------
        jetml::summary_spec spec;
        if (!eff_s_list.empty()) spec.eff_s = efficiencies(eff_s_list, "--eff-s");
        if (!eff_b_list.empty()) spec.eff_b = efficiencies(eff_b_list, "--eff-b");
        if (!std::isfinite(threshold)) throw usage_error("--threshold must be finite");
        if (t.app.count("--max-fpr") && !(max_fpr > 0 && max_fpr < 1))
            throw usage_error("--max-fpr must be in (0, 1), got " + jetml::format_double(max_fpr));
        if (!(sic_min >= 0 && sic_min < 1)) throw usage_error("--sic-min-eff-b must be in [0, 1)");
        if (bins < 1) throw usage_error("--bins must be at least 1");
        spec.threshold = threshold;
        spec.max_fpr = max_fpr;
        spec.sic_min_eff_b = sic_min;
        in.shard = t.shard;
        jetml::stats::check_roc_inputs(in);
        if (curve_path == "-" && out_path == "-")
            throw usage_error("--curve - and the summary cannot both go to standard output; use -o FILE");
        if (plot_prefix == "-") throw usage_error("--plot takes a file name prefix, not '-'");

        //-- read, compute, write -------------------------------------------------------------
        const auto t0 = std::chrono::steady_clock::now();
        auto ds = jetml::stats::load_roc_inputs(in);
        if (std::size_t nneg = jetml::stats::apply_negative_weights(ds, negw)) {
            if (negw == "keep")
                t.warn("%zu negative weights kept in the cumulative sums (the curve may be non-monotonic; "
                       "see --negative-weights)", nneg);
            else
                t.info("%zu negative weights: %s", nneg, negw == "drop" ? "dropped" : "replaced by their absolute value");
        }
        const auto t1 = std::chrono::steady_clock::now();
        auto summary = jetml::stats::compute_roc_study(ds, spec, all_points, boot, t.seed,
                                                       [&](const std::string& m) { t.warn("%s", m.c_str()); });
        for (const auto& d : ds) t.info("%s: %zu run(s), AUC %.6f", d.name.c_str(), d.members.size(), d.value[2]);
        const auto t2 = std::chrono::steady_clock::now();
        t.info("read %.3f s, computed %.3f s", std::chrono::duration<double>(t1 - t0).count(),
               std::chrono::duration<double>(t2 - t1).count());
        if (!curve_path.empty()) jetml::stats::write_roc_curves(curve_path, ds);
        if (!plot_prefix.empty()) jetml::plot::write_roc_plots(plot_prefix, ds, title, bins, summary.keys);
        jetml::output out(out_path, false);
        out.write(jetml::stats::roc_summary_text(ds, summary, format == "csv"));
        out.commit();
    });
}
