// SPDX-License-Identifier: MIT
// cwola - classification without labels: a classifier of two mixed samples (CWoLa, Metodiev,
// Nachman, Thaler 1708.02949), or of bags of known signal fraction (learning from label
// proportions, Dery et al. 1702.00414), with the M1-vs-M2 and, given truth, the S-vs-B AUC.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/data/split.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/io.hpp"
#include "jetml/io/table.hpp"
#include "jetml/search/hunt_cli.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/classifier_cli.hpp"
#include "jetml/train/fit_cli.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
namespace data = jetml::data;
namespace train = jetml::train;

const jetml::tool_info info{
    "cwola",
    "cwola - trains a classifier without per-event labels and writes a model file.\n"
    "CWoLa: two mixed samples, M1 (label 1) and M2 (label 0), as two files (--m1, --m2) or as one input\n"
    "split by a rule on a column: the signal region --sr of --region-col (M1) against its sidebands up to\n"
    "--sb (M2), weighted so that the signal region weighs as much as the sidebands (a quarter each).\n"
    "LLP: several --bag FILE=FRACTION samples of known signal fraction, trained so that each bag's mean\n"
    "prediction matches its fraction. Reports on stdout the validation AUC of M1 vs M2 and, with --truth\n"
    "or --truth-col, of signal vs background. Scores of the set's rows go to --scores-out.",
    "  cwola --m1 sr.npy --m2 sb.npy --arch dnn --epochs 20 -o cwola.npz\n"
    "  cwola events.csv --features mj1,dmj,tau21_1,tau21_2 --region-col mjj --sr 3300,3700 --sb 3100,3900 \\\n"
    "        --truth-col label -o cwola.npz --scores-out scores.csv\n"
    "  cwola --bag a.npy=0.2 --bag b.npy=0.6 --truth t.npy --batch 1024 -o llp.npz"};

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        data::mixed_options m;
        data::dataset_options d;
        train::classifier_spec spec;
        train::fit_options f;
        std::vector<std::string> bags;
        std::string sr, sb, out_path, scores_path, report_path = "-", format = "text";
        t.app.add_option("input", m.input, "samples split by --region-col/--region: NPY or CSV");
        t.app.add_option("--m1", m.m1, "mixed sample M1 (label 1), e.g. the signal region");
        t.app.add_option("--m2", m.m2, "mixed sample M2 (label 0), e.g. the sidebands");
        t.app.add_option("--region-col", m.region_col, "CSV column of the rule (e.g. mjj)");
        t.app.add_option("--region", m.region_file, "the rule's values as a file, NPY (N,) (for an NPY input)");
        t.app.add_option("--sr", sr, "signal region LO,HI of the rule's column: M1")->type_name("LO,HI");
        t.app.add_option("--sb", sb, "outer edges LO,HI of the sidebands [LO, SR) and [SR, HI): M2 (default: all)")
            ->type_name("LO,HI");
        t.app.add_option("--bag", bags, "learning from label proportions: a sample and its signal fraction (repeatable)")
            ->type_name("FILE=FRACTION");
        jetml::data::add_dataset_options(t.app, d, data::dataset_parts::features);
        t.app.add_option("--truth", m.truth, "truth labels 0/1 of the rows (M1 then M2, or the bags in order), NPY or CSV");
        t.app.add_option("--truth-col", m.truth_col, "truth label column of the CSV inputs (or of a CSV --truth)");
        t.app.add_option("-o,--output", out_path, "model file to write (NPZ); with --hunt the table ('-' = stdout)");
        t.app.add_option("--scores-out", scores_path,
                         "scores of every row of the set (NPY (N,), or CSV score,mixture,val[,truth])");
        t.app.add_option("--report", report_path, "the AUC report; '-' = stdout")->capture_default_str();
        t.app.add_option("--format", format, "report format: text or csv")
            ->capture_default_str()->check(CLI::IsMember({"text", "csv"}));
        train::add_classifier_options(t.app, spec);
        train::add_fit_options(t.app, f);
        jetml::search::hunt_cli hunt;
        hunt.add_options(t.app);
        t.parse();
        if (hunt.enabled) {
            if (!m.m1.empty() || !m.m2.empty() || !bags.empty() || !sr.empty() || !sb.empty() || !m.region_col.empty())
                throw usage_error("--hunt scans every signal region itself; --m1/--m2, --bag, --region-col, --sr and --sb do not apply");
            hunt.run(t, {m.input, d.features, m.truth_col, out_path, scores_path, format == "csv"}, spec, f);
            return;
        }
        if (out_path.empty()) throw usage_error("--output is required: the model file to write");

        //-- options -------------------------------------------------------------------------
        m.features = d.features;
        for (const auto& b : bags) m.bags.push_back(data::parse_bag(b));
        if (!m.input.empty()) {
            if (sr.empty()) throw usage_error("an input split by a rule needs --sr LO,HI");
            const auto [lo, hi] = data::parse_range(sr, "--sr");
            // no --sb: the sidebands reach as far as the data (the largest finite doubles)
            const auto [olo, ohi] = sb.empty() ? std::pair<double, double>{-1.7e308, 1.7e308} : data::parse_range(sb, "--sb");
            m.edges = {olo, lo, hi, ohi};
        } else if (!sr.empty() || !sb.empty()) {
            throw usage_error("--sr/--sb split one input; give the input, with --region-col or --region");
        }
        data::check_mixed_options(m);
        f.check();
        train::check_classifier_spec(spec);
        const bool llp = !m.bags.empty();
        if (llp) {
            if (f.loss != "bce") throw usage_error("--bag trains with the label-proportion loss (llp); --loss does not apply");
            if (f.class_weight != "none") throw usage_error("--bag weighs the bags equally; --class-weight does not apply");
            if (spec.arch == "fisher") throw usage_error("--bag needs a trained network; fisher is a closed form of labels");
            spec.loss = jetml::nn::make_loss("llp");
        } else {
            spec.loss = jetml::nn::make_loss(f.loss);
            if (spec.loss->side_columns() > 0) throw usage_error("--loss " + f.loss + " needs a side variable; cwola has none");
        }
        spec.extra = {{"tool", "cwola"}, {"mode", llp ? "llp" : "cwola"}};
        if (!d.features.empty()) spec.extra.push_back({"features", d.features});

        //-- data ----------------------------------------------------------------------------
        auto ms = data::load_mixed(m);
        data::labelled_set& all = ms.set;
        if (!llp) data::apply_class_weight(all, f.class_weight);
        if (!llp) t.info("mixtures: M1 %zu rows, M2 %zu rows", ms.rows_of[0], ms.rows_of[1]);
        if (ms.outside) t.info("%zu rows outside the sidebands left out", ms.outside);
        if (!f.val.empty()) throw usage_error("cwola holds out --val-split of its rows; --val does not apply");
        const auto vrows = data::validation_rows(all.n, f.val_split, t.seed);
        auto parts = data::split(all, f.val_split, t.seed);
        if (parts.train.n == 0) throw error("no training rows left after the validation split");

        //-- train, score, report ------------------------------------------------------------
        train::fit_context ctx;
        ctx.t = &t;
        ctx.seed = t.seed;
        ctx.interrupt_checkpoint = out_path + ".ckpt";
        auto c = train::fit_classifier(spec, std::move(parts.train), std::move(parts.val), f, ctx);
        const auto scores = c.scores(all.x.data(), all.n);
        std::vector<char> is_val(all.n, 0);
        for (auto i : vrows) is_val[i] = 1;
        auto auc_of = [&](const std::vector<float>& label) {
            std::vector<double> s;
            std::vector<float> l;
            for (auto i : vrows) s.push_back(scores[i]), l.push_back(label[i]);
            bool both = false;
            for (float x : l) both = both || (x > 0.5f) != (l.front() > 0.5f);
            return both ? jetml::auc(s.data(), l.data(), s.size()) : NAN;
        };
        std::vector<std::pair<std::string, std::string>> rep;
        rep.push_back({"mode", llp ? "llp" : "cwola"});
        rep.push_back({"rows", std::to_string(all.n)});
        rep.push_back({"validation_rows", std::to_string(vrows.size())});
        if (!llp) rep.push_back({"auc_m1_m2", jetml::format_double(auc_of(all.y))});
        if (!ms.truth.empty()) rep.push_back({"auc_s_b", jetml::format_double(auc_of(ms.truth))});
        rep.push_back({"best_epoch", std::to_string(c.result.best_epoch)});
        if (!scores_path.empty()) {
            const std::string fmt = jetml::format_from_extension("", scores_path, "npy");
            jetml::output out(scores_path, fmt == "npy");
            std::vector<std::string> cols{"score", llp ? "fraction" : "mixture", "val"};
            if (!ms.truth.empty()) cols.push_back("truth");
            jetml::io::table_writer w(out, fmt, jetml::dtype::f4,
                                      fmt == "npy" ? std::vector<std::size_t>{} : std::vector<std::size_t>{cols.size()},
                                      fmt == "npy" ? std::vector<std::string>{"score"} : cols, all.n);
            std::vector<float> row(cols.size());
            for (std::size_t i = 0; i < all.n; ++i) {
                row = {scores[i], all.y[i], float(is_val[i])};
                if (!ms.truth.empty()) row.push_back(ms.truth[i]);
                w.write_rows(row.data(), 1);
            }
            w.finish();
        }
        c.save(out_path);
        std::string text = format == "csv" ? "key,value\n" : "";
        for (const auto& [k, v] : rep) text += format == "csv" ? k + "," + v + "\n" : k + std::string(18 - k.size(), ' ') + v + "\n";
        jetml::output out(report_path, false);
        out.write(text);
        out.commit();
        t.note("kept the model of epoch %zu in %s", c.result.best_epoch, out_path.c_str());
    });
}
