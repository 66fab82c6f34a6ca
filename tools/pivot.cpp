// SPDX-License-Identifier: MIT
// pivot - classifiers independent of a nuisance or side variable: adversarial training
// (Learning to Pivot, Louppe, Kagan, Cranmer 1611.01046), DisCo, planing weights and DDT, with
// the metrics that say whether decorrelation worked.
#include <cmath>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/labelled.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/data/split.hpp"
#include "jetml/decor/scan.hpp"
#include "jetml/decor/toy.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/stats/decorrelation.hpp"
#include "jetml/train/classifier_cli.hpp"
#include "jetml/train/fit_cli.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
namespace data = jetml::data;
namespace decor = jetml::decor;
namespace stats = jetml::stats;
namespace train = jetml::train;

const jetml::tool_info info{
    "pivot",
    "pivot - trains a classifier whose output does not depend on a nuisance or side variable (--side-col):\n"
    "--mode adversary (an adversary r, MDN of --components Gaussians or softmax with --categorical, infers\n"
    "the nuisance from the output; E = L_f - lambda L_r; pretrain f, pretrain r, then --adv-steps r steps\n"
    "per f step), --mode disco (bce + lambda dCorr^2) or --mode plain. One model file per --lambda (-o with\n"
    "{}), each scored by predict; stdout: one CSV row per run with the validation metrics (AUC, the cut at\n"
    "--eff-s, 1/eps_B, 1/JSD of passing vs failing background side histograms, dCorr^2, the largest KS\n"
    "distance between output distributions per nuisance value, the adversary's loss).\n"
    "Also: --toy N writes the paper's toy (x1,x2,z,label); --scores-col evaluates a score column;\n"
    "--ddt fits and applies the DDT; --plane writes planing weights.",
    "  pivot --toy 2000 -o toy.csv\n"
    "  pivot toy.csv --features x1,x2 --label-col label --side-col z --lambda 0,50 --epochs 4 -o toy-{}.npz\n"
    "  pivot toy.csv --features x1,x2 --label-col label --side-col z --mode disco --lambda 10 --epochs 2 -o d.npz\n"
    "  pivot toy.csv --label-col label --side-col z --scores-col x1 --range -4,4\n"
    "  pivot toy.csv --label-col label --side-col z --plane flat --range -4,4 -o weights.csv"};

// The column `spec` of a CSV: NAME or NUM/DEN.
std::vector<float> column(const std::string& path, const std::string& spec) {
    const auto p = spec.find('/');
    auto a = jetml::load_column(path, spec.substr(0, p));
    std::vector<float> v(a.begin(), a.end());
    if (p != std::string::npos) {
        auto b = jetml::load_column(path, spec.substr(p + 1));
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = b[i] != 0 ? float(a[i] / b[i]) : NAN;
    }
    return v;
}

void write_column(const std::string& path, const std::string& name, const std::vector<float>& v) {
    jetml::output out(path, false);
    jetml::csv_writer w(out, {name});
    for (float x : v) {
        w << x;
        w.end_row();
    }
    w.finish();
}

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        data::dataset_options da;
        train::fit_options f;
        f.patience = 0;
        train::classifier_spec spec;
        decor::scan_options so;
        std::string mode = "adversary", side, out_path, report = "-", range = "0,300", ddt, plane, scores_col,
                    rho = "1.5,4.5";
        std::size_t toy = 0;
        bool invert = false;
        data::add_dataset_options(t.app, da, data::dataset_parts::training);
        t.app.add_option("--side-col", side, "the nuisance / side variable: a column of the CSV input (e.g. mass, z)");
        t.app.add_option("-o,--output", out_path, "model file (NPZ; with several --lambda, a pattern with {}), or the "
                                                  "CSV of --toy/--ddt/--plane");
        t.app.add_option("--mode", mode, "adversary, disco or plain")->capture_default_str();
        t.app.add_option("--lambda", so.lambdas, "lambda values of the scan (comma list), each >= 0")
            ->delimiter(',')->capture_default_str();
        t.app.add_option("--adv-arch", so.adv.adv_arch, "hidden layers of the adversary (its output layer is added)")
            ->capture_default_str();
        t.app.add_flag("--categorical", so.adv.categorical, "the nuisance is a class index 0..C-1: softmax adversary");
        t.app.add_option("--components", so.adv.components, "Gaussians of the MDN adversary")->capture_default_str();
        t.app.add_option("--pretrain-f", so.adv.pretrain_f, "epochs of the classifier alone")->capture_default_str();
        t.app.add_option("--pretrain-r", so.adv.pretrain_r, "epochs of the adversary alone on the frozen classifier")
            ->capture_default_str();
        t.app.add_option("--adv-steps", so.adv.k_steps, "adversary steps per classifier step (K)")->capture_default_str();
        t.app.add_option("--adv-lr", so.adv.adv_lr, "Adam learning rate of the adversary")->capture_default_str();
        t.app.add_flag("--background-only", so.adv.background_only,
                       "class-conditional: the adversary (and DisCo, always) sees background only; KS on background");
        t.app.add_flag("--disco-all", so.disco_all, "DisCo's dCorr^2 over all events instead of the background");
        t.app.add_option("--eff-s", so.metrics.eff_s, "signal efficiency of the metrics' cut")->capture_default_str();
        t.app.add_option("--bins", so.metrics.bins, "side-variable histogram bins of 1/JSD")->capture_default_str();
        t.app.add_option("--range", range, "side-variable histogram range LO,HI of 1/JSD")->capture_default_str();
        t.app.add_option("--report", report, "the metrics CSV; '-' = stdout")->capture_default_str();
        t.app.add_option("--toy", toy, "write N events of the paper's toy (x1,x2,z,label) to -o and stop");
        t.app.add_option("--scores-col", scores_col, "evaluate this score column of the input (NAME or NUM/DEN) instead of training");
        t.app.add_flag("--invert", invert, "with --scores-col/--ddt: lower scores are more signal-like (e.g. tau21)");
        t.app.add_option("--ddt", ddt, "fit tau21' = tau21 - M rho' on background; write tau21' to -o")
            ->type_name("TAU21,MASS,PT");
        t.app.add_option("--rho-range", rho, "the rho' = ln(m^2/(pT x 1 GeV)) range LO,HI of the DDT fit, where the background's mean tau21 falls linearly")->capture_default_str();
        t.app.add_option("--plane", plane, "write planing weights of the side variable: flat or match");
        train::add_classifier_options(t.app, spec);
        train::add_fit_options(t.app, f);
        t.parse();

        //-- the toy --------------------------------------------------------------------------
        if (toy > 0) {
            auto d = decor::pivot_toy(toy, t.seed);
            jetml::output out(out_path.empty() ? "-" : out_path, false);
            jetml::csv_writer w(out, {"x1", "x2", "z", "label"});
            for (std::size_t i = 0; i < d.n; ++i) {
                w << d.x[2 * i] << d.x[2 * i + 1] << d.side[0].second[i] << int(d.y[i]);
                w.end_row();
            }
            w.finish();
            return;
        }

        //-- options --------------------------------------------------------------------------
        if (side.empty()) throw usage_error("--side-col is required: the nuisance / side variable column");
        const auto [lo, hi] = data::parse_range(range, "--range");
        so.metrics.lo = lo, so.metrics.hi = hi;
        so.metrics.categorical = so.adv.categorical;
        so.metrics.ks_background_only = so.adv.background_only;
        so.mode = decor::parse_decor_mode(mode);
        so.output = out_path;
        const bool classical = !ddt.empty() || !plane.empty() || !scores_col.empty();
        if (int(!ddt.empty()) + int(!plane.empty()) + int(!scores_col.empty()) > 1)
            throw usage_error("--ddt, --plane and --scores-col are separate tasks; give one");
        if (out_path.empty() && scores_col.empty()) throw usage_error("--output is required");
        if (!classical) {
            if (f.loss != "bce") throw usage_error("pivot chooses the loss by --mode; --loss does not apply");
            if (!f.val.empty()) throw usage_error("pivot validates on --val-split; --val does not apply");
            so.check(f);
            f.check();
            train::check_classifier_spec(spec);
        }
        da.side_cols = {side};
        if (classical && da.features.empty()) {
            // the classical tasks read columns, not features: any one column stands in
            da.features = side;
        }
        data::check_dataset_options(da);

        //-- data -----------------------------------------------------------------------------
        data::labelled_set all = data::load_labelled(da);
        const auto& sv = all.side.at(0).second;
        if (classical) {
            if (da.inputs.size() != 1) throw usage_error("--ddt/--plane/--scores-col read columns of one CSV input");
            const std::string& in = da.inputs[0];
            std::vector<float> s;
            if (!plane.empty()) {
                write_column(out_path, "weight", stats::planing_weights(sv, all.y, all.w, so.metrics.bins, lo, hi, plane));
                return;
            }
            if (!ddt.empty()) {
                const auto parts = jetml::split_list(ddt);
                if (parts.size() != 3) throw usage_error("--ddt needs TAU21,MASS,PT (TAU21 may be NUM/DEN)");
                const auto [rlo, rhi] = data::parse_range(rho, "--rho-range");
                const auto tau = column(in, parts[0]), m = column(in, parts[1]), pt = column(in, parts[2]);
                const auto fit = stats::fit_ddt(tau, m, pt, all.y, all.w, rlo, rhi);
                t.note("ddt: M = %.6g (intercept %.6g) from %zu background rows with rho' in [%g, %g]", fit.slope,
                       fit.intercept, fit.rows, rlo, rhi);
                s = stats::ddt_transform(tau, m, pt, fit.slope);
                write_column(out_path, "tau21_ddt", s);
            } else {
                s = column(in, scores_col);
            }
            for (std::size_t i = 0; i < s.size(); ++i) {
                if (!std::isfinite(s[i])) throw error(in, "score at row " + std::to_string(i) + " is not finite");
                if (invert) s[i] = -s[i];
            }
            decor::scan_row row;
            row.model = ddt.empty() ? scores_col : "ddt:" + ddt;
            row.summary = stats::summarise(s, all.y, all.w, sv, so.metrics);
            jetml::output rep(report, false);
            rep.write(decor::scan_header() + "\n" + decor::scan_line(decor::decor_mode::plain, row) + "\n");
            rep.commit();
            return;
        }
        data::apply_class_weight(all, f.class_weight);
        auto parts = data::split(all, f.val_split, t.seed);
        all = data::labelled_set();
        if (parts.train.n == 0 || parts.val.n == 0)
            throw error("pivot needs both training and validation rows; got " + std::to_string(parts.train.n) + " and " +
                        std::to_string(parts.val.n));

        //-- train each lambda, report --------------------------------------------------------
        spec.arch = train::read_arch(spec.arch);
        if (spec.arch == "fisher") throw usage_error("--arch fisher is a closed form; pivot trains networks");
        spec.extra = {{"tool", "pivot"}};
        if (!da.features.empty()) spec.extra_after.push_back({"features", da.features});
        spec.extra_after.push_back({"side", side});
        train::fit_context ctx;
        ctx.t = &t;
        ctx.seed = t.seed;
        jetml::output rep(report, false);
        const auto rows = decor::run_scan(so, spec, parts.train, parts.val, f, ctx);
        std::string text = decor::scan_header() + "\n";
        for (const auto& r : rows) text += decor::scan_line(so.mode, r) + "\n";
        rep.write(text);
        rep.commit();
    });
}
