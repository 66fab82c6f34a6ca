// SPDX-License-Identifier: MIT
// jetml/search/hunt_cli.cpp - cwola --hunt (see hunt_cli.hpp).
#include "jetml/search/hunt_cli.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "jetml/core/error.hpp"
#include "jetml/core/progress.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/plot/hunt_plots.hpp"
#include "jetml/train/classifier_cli.hpp"
#include "jetml/stats/histogram.hpp"

namespace jetml::search {

void hunt_cli::add_options(CLI::App& app) {
    app.add_flag("--hunt", enabled, "the CWoLa bump hunt over the mjj bins of a CSV event table");
    app.add_option("--mjj-col", mjj_col, "hunt: the mjj column")->capture_default_str();
    app.add_option("--bins", nbins, "hunt: log-spaced mjj bins")->capture_default_str()->check(whole_number(3, 1000));
    app.add_option("--range", range, "hunt: mjj range LO,HI of the bins (default: the data's)")->type_name("LO,HI");
    app.add_option("--sr-bins", o.sr_bins, "hunt: signal-region width in bins")->capture_default_str()->check(whole_number(1, 100));
    app.add_option("--sb-bins", o.sb_bins, "hunt: sideband width in bins, each side")->capture_default_str()->check(whole_number(1, 100));
    app.add_option("--centres", o.centres, "hunt: signal-region centre bins to scan (default: all)")->delimiter(',')->type_name("LIST");
    app.add_option("--folds", o.folds, "hunt: folds of the nested k-fold")->capture_default_str()->check(whole_number(3, 50));
    app.add_option("--trainings", o.trainings, "hunt: trainings per fold pair, the best kept")->capture_default_str()->check(whole_number(1, 1000));
    app.add_option("--select-eff", o.select_eff, "hunt: model selection at this sideband efficiency")->capture_default_str();
    app.add_option("--efficiencies", effs, "hunt: selection efficiencies (default 1,0.1,0.05,0.02,0.01,0.005,0.002)")->delimiter(',')->type_name("LIST");
    app.add_option("--dijet", dijet, "hunt: dijet function with 3 or 4 parameters")->capture_default_str()->check(CLI::IsMember({"3", "4"}));
    app.add_option("--state", o.state_dir, "hunt: directory keeping finished (region, fold) units; --resume reuses them");
    app.add_option("--plots", plots, "hunt: write PREFIX-p0.svg and PREFIX-srC.svg (mjj spectra, fits) per signal region")->type_name("PREFIX");
}

void hunt_cli::run(const tool& t, const io& paths, train::classifier_spec spec, train::fit_options f) {
    if (paths.input.empty()) throw usage_error("--hunt needs a CSV event table");
    data::check_readable(paths.input, "input");
    o.resume = f.resume;
    f.resume = false;
    if (o.resume && o.state_dir.empty()) throw usage_error("--hunt --resume needs --state DIR");
    f.check();
    train::check_classifier_spec(spec);
    if (f.loss != "bce" && f.loss != "mse") throw usage_error("--hunt trains with bce or mse");
    if (!effs.empty()) {
        o.efficiencies.clear();
        for (const auto& e : effs) {
            double v = 0;
            if (!parse_double(e, v)) throw usage_error("--efficiencies: '" + e + "' is not a number");
            o.efficiencies.push_back(v);
        }
    }
    double lo = 0, hi = 0;
    if (!range.empty()) std::tie(lo, hi) = data::parse_range(range, "--range");
    if (!range.empty() && !(lo > 0)) throw usage_error("--range: log-spaced bins need LO > 0, got " + format_double(lo));
    o.background.function.form = stats::parse_dijet_form(dijet);
    auto ev = load_hunt_events(paths.input, mjj_col, paths.features, paths.truth_col);
    if (range.empty()) {
        lo = *std::min_element(ev.mjj.begin(), ev.mjj.end());
        hi = *std::max_element(ev.mjj.begin(), ev.mjj.end());
        if (!(lo > 0)) throw error(paths.input, "log-spaced mjj bins need positive mjj, the smallest is " + format_double(lo) + "; give --range");
        if (!(hi > lo)) throw error(paths.input, "every event has mjj " + format_double(lo) + "; nothing to bin");
    }
    o.edges = stats::log_edges(nbins, lo, hi);
    o.classifier = spec;
    o.classifier.loss = nn::make_loss(f.loss);
    o.classifier.extra = {{"tool", "cwola"}, {"mode", "hunt"}};
    o.fit = f;
    o.seed = t.seed;
    check_hunt(ev, o);
    if (!o.state_dir.empty()) std::filesystem::create_directories(o.state_dir);

    //-- train and select ---------------------------------------------------------------------
    hunt_callbacks cb;
    const std::size_t n_regions =
        o.centres.empty() ? stats::signal_region_centres(nbins, o.sr_bins, o.sb_bins).size() : o.centres.size();
    progress_bar bar(t.show_progress(), "cwola", n_regions * o.folds * (o.folds - 1) * o.trainings, "trainings");
    std::size_t shown = 0;
    cb.progress = [&](std::size_t done, std::size_t) { bar.advance(done - shown), shown = done; };
    cb.note = [&](const std::string& s) { t.info("%s", s.c_str()); };
    auto r = run_hunt(ev, o, cb);
    bar.finish();
    if (r.units_reused) t.note("reused %zu finished units from %s", r.units_reused, o.state_dir.c_str());
    if (const std::size_t bad = failed_fits(r))
        t.warn("%zu of %zu sideband fits failed (Z = 0 there; the table's fit_note says why)", bad,
               r.regions.size() * o.efficiencies.size());

    //-- write ----------------------------------------------------------------------------------
    if (!paths.scores_out.empty()) write_hunt_scores(paths.scores_out, r);
    if (!plots.empty()) plot::write_hunt_plots(plots, r);
    output out(paths.output.empty() ? "-" : paths.output, false);
    out.write(hunt_table(r, paths.csv, !ev.truth.empty()));
    out.commit();
}

}  // namespace jetml::search
