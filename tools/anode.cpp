// SPDX-License-Identifier: MIT
// anode - density-based anomaly detection with a conditional masked autoregressive flow: fit a
// density p(x|m) (ANODE, Nachman & Shih 2001.04990), score R = p_data / p_bkg, or CATHODE
// (Hallin et al. 2109.00546): a classifier of signal-region data against the flow's samples.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/data/dataset_cli.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/io/io.hpp"
#include "jetml/search/anode.hpp"
#include "jetml/train/classifier_cli.hpp"
#include "jetml/train/fit_cli.hpp"

namespace {

using jetml::error;
using jetml::usage_error;
namespace data = jetml::data;
namespace search = jetml::search;
namespace train = jetml::train;

const jetml::tool_info info{
    "anode",
    "anode - conditional density estimation with a masked autoregressive flow for anomaly searches.\n"
    "The input holds the events: --features (x) and the condition column --cond-col (mjj), split by\n"
    "--sr LO,HI into the signal region and its sidebands up to --sb. Modes:\n"
    "  fit      trains p(x|m) on --on sidebands|signal|all and writes the flow model file(s) (-o)\n"
    "  anode    R(x|m) = p_sr(x|m) / p_bkg(x|m) of the signal-region events (the densities are trained,\n"
    "           or read with --sr-model/--bkg-model); -o table mjj,log_p_sr,log_p_bkg,log_r,r[,truth]\n"
    "  cathode  samples m from a KDE of the signal-region m and x ~ p_bkg(x|m), trains --folds classifiers\n"
    "           of data against the samples and scores every event with the one that never saw it;\n"
    "           -o table score,mjj,fold[,truth], --samples-out the samples\n"
    "  sample   draws --per-row samples of --bkg-model at each condition of the input (a CSV column\n"
    "           --cond-col or an NPY (N,)); -o rows x..., m\n"
    "Flows and classifiers keep an ensemble of the epochs with the lowest validation loss.",
    "  anode --mode fit events.csv --features mj1,dmj,tau21_1,tau21_2 --cond-col mjj --sr 3300,3700 \\\n"
    "        --epochs 2 --blocks 2 --hidden 16 --ensemble 2 -o bkg.npz\n"
    "  anode --mode anode events.csv --features mj1,dmj,tau21_1,tau21_2 --cond-col mjj --sr 3300,3700 \\\n"
    "        --bkg-model bkg.npz --epochs 2 --blocks 2 --hidden 16 -o r.csv\n"
    "  anode --mode cathode events.csv --features mj1,dmj,tau21_1,tau21_2 --cond-col mjj \\\n"
    "        --sr 3300,3700 --bkg-model bkg.npz --clf-epochs 2 --folds 2 -o scores.csv\n"
    "  anode --mode sample events.csv --cond-col mjj --bkg-model bkg.npz -o samples.csv"};

// the outputs of a run, committed together
struct outputs {
    jetml::output_group group;
    std::vector<std::unique_ptr<jetml::output>> files;
    jetml::output& add(const std::string& path, bool binary) {
        files.push_back(std::make_unique<jetml::output>(path, binary || jetml::format_from_extension("", path, "csv") == "npy"));
        group.add(*files.back());
        return *files.back();
    }
    void models(const std::string& path, const search::flow_ensemble& e) {
        for (std::size_t k = 0; k < e.members.size(); ++k) {
            jetml::output& o = add(search::member_path(path, k), true);
            o.write(e.model_bytes(k));
            o.commit();
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    return jetml::run_tool(info, argc, argv, [](jetml::tool& t) {
        data::mixed_options m;
        data::dataset_options d;
        std::string mode, sr, sb, on = "sidebands", out_path, samples_path, bkg_out, sr_out, extra_path, extra_out, given;
        std::vector<std::string> bkg_models, sr_models;
        search::flow_training fl;
        train::fit_options& f = fl.fit;
        f.epochs = 100, f.batch = 256, f.lr = 1e-4, f.weight_decay = 1e-6, f.patience = 0, f.loss = "nll";
        fl.ensemble = 10;
        search::cathode_options co;
        co.classifier.arch = "dense(64) relu dense(64) relu dense(64) relu dense(1)";
        co.classifier.ensemble = 10;
        co.fit.epochs = 100, co.fit.patience = 0, co.fit.class_weight = "balanced";
        double bandwidth = 0;
        std::size_t per_row = 1;
        t.app.add_option("--mode", mode, "fit, anode, cathode or sample")->required()
            ->check(CLI::IsMember({"fit", "anode", "cathode", "sample"}));
        t.app.add_option("input", m.input, "events (NPY or CSV), or for sample the conditions");
        jetml::data::add_dataset_options(t.app, d, data::dataset_parts::features);
        t.app.add_option("--cond-col", m.region_col, "CSV column of the condition (mjj): the flow's conditional input");
        t.app.add_option("--cond", m.region_file, "the condition as a file, NPY (N,) (for an NPY input)");
        t.app.add_option("--sr", sr, "signal region LO,HI of the condition")->type_name("LO,HI");
        t.app.add_option("--sb", sb, "outer edges LO,HI of the sidebands (default: all)")->type_name("LO,HI");
        t.app.add_option("--truth-col", m.truth_col, "truth label column of a CSV input (written beside the scores)");
        t.app.add_option("--on", on, "fit: the events the density is fitted on")->capture_default_str()
            ->check(CLI::IsMember({"sidebands", "signal", "all"}));
        t.app.add_option("-o,--output", out_path, "fit: the flow model file; else the table ('-' = stdout)");
        t.app.add_option("--bkg-model", bkg_models, "background flow model file(s) instead of training on the sidebands");
        t.app.add_option("--sr-model", sr_models, "anode: signal-region flow model file(s) instead of training");
        t.app.add_option("--bkg-out", bkg_out, "anode/cathode: write the trained background flow(s) here");
        t.app.add_option("--sr-out", sr_out, "anode: write the trained signal-region flow(s) here");
        t.app.add_option("--samples-out", samples_path, "cathode: the background samples, rows x..., m (NPY or CSV)");
        t.app.add_option("--extra", extra_path, "anode/cathode: further events scored, never trained on (e.g. extra signal)");
        t.app.add_option("--extra-out", extra_out, "the table of the --extra events' signal-region rows");
        t.app.add_option("--bkg-samples", given, "cathode: background events [x, m] instead of the flow's samples (with true background: the idealized detector)");
        t.app.add_option("--per-row", per_row, "sample: samples per condition")->capture_default_str()->check(jetml::whole_number(1, 1000000));
        t.app.add_option("--blocks", fl.config.blocks, "flow: MADE blocks")->capture_default_str()->check(jetml::whole_number(1, 1000));
        t.app.add_option("--hidden", fl.config.hidden, "flow: hidden units per MADE layer")->capture_default_str()->check(jetml::whole_number(1, 65536));
        t.app.add_option("--depth", fl.config.depth, "flow: hidden layers per MADE")->capture_default_str()->check(jetml::whole_number(1, 16));
        t.app.add_option("--scale-bound", fl.config.scale_bound, "flow: soft clamp of the log-scale (0 = none)")->capture_default_str();
        t.app.add_option("--logit-eps", fl.eps, "flow: epsilon of the min-max logit preprocessing")->capture_default_str();
        t.app.add_option("--ensemble", fl.ensemble, "flow: epochs kept, averaged in probability space")->capture_default_str()->check(jetml::whole_number(1, 1000));
        train::add_fit_options(t.app, f);
        train::add_classifier_options(t.app, co.classifier);
        t.app.add_option("--clf-epochs", co.fit.epochs, "cathode: classifier epochs")->capture_default_str()->check(jetml::whole_number(1, 1000000));
        t.app.add_option("--clf-batch", co.fit.batch, "cathode: classifier batch")->capture_default_str()->check(jetml::whole_number(1, 1u << 30));
        t.app.add_option("--clf-lr", co.fit.lr, "cathode: classifier learning rate")->capture_default_str();
        t.app.add_option("--clf-patience", co.fit.patience, "cathode: classifier patience (0 = never stop early)")->capture_default_str();
        t.app.add_option("--clf-ensemble", co.classifier.ensemble, "cathode: classifier epochs kept, scores averaged")->capture_default_str()->check(jetml::whole_number(1, 1000));
        t.app.add_option("--folds", co.folds, "cathode: k of the k-fold scoring")->capture_default_str()->check(jetml::whole_number(2, 100));
        t.app.add_option("--oversample", co.oversample, "cathode: background samples per signal-region event")->capture_default_str();
        t.app.add_option("--kde-bandwidth", bandwidth, "cathode: KDE bandwidth of m (default: 2.5% of the signal region's width)");
        t.parse();

        //-- options -------------------------------------------------------------------------
        if (f.loss != "nll") throw usage_error("--loss: a flow trains by negative log-likelihood (nll) only");
        f.loss = "bce";  // the engine's check knows classifier losses; the flow reports nll itself
        f.check();
        f.loss = "nll";
        if (!f.val.empty()) throw usage_error("anode holds out --val-split of its events; --val does not apply");
        co.fit.val_split = f.val_split, co.fit.checkpoint = f.checkpoint, co.fit.resume = f.resume;
        co.fit.check();
        train::check_classifier_spec(co.classifier);
        if (out_path.empty()) out_path = "-";
        if (mode == "fit" && out_path == "-") throw usage_error("--mode fit writes a model file: give -o FILE");
        if (mode != "fit" && mode != "anode" && mode != "cathode" && (!bkg_out.empty() || !sr_out.empty()))
            throw usage_error("--bkg-out/--sr-out write the flows anode and cathode train");
        if (!sr_models.empty() && mode != "anode") throw usage_error("--sr-model applies to --mode anode");
        if (!samples_path.empty() && mode != "cathode") throw usage_error("--samples-out applies to --mode cathode");
        if (extra_path.empty() != extra_out.empty() || (!extra_path.empty() && mode != "anode" && mode != "cathode"))
            throw usage_error("--extra FILE and --extra-out FILE go together, in --mode anode or cathode");
        if (!(fl.config.scale_bound >= 0)) throw usage_error("--scale-bound must be >= 0");
        outputs outs;

        if (mode == "sample") {
            if (bkg_models.empty()) throw usage_error("--mode sample needs --bkg-model FILE");
            if (m.input.empty()) throw usage_error("--mode sample needs the conditions: a CSV with --cond-col, or an NPY (N,)");
            data::check_readable(m.input, "input");
            auto e = search::load_flow_ensemble(bkg_models);
            const auto rows = search::sample_rows(e, jetml::load_column(m.input, m.region_col), per_row, t.seed);
            const auto cols = search::sample_columns(e, {}, e.meta.conditions.size() == 1 ? e.meta.conditions[0] : "m");
            search::write_score_table(outs.add(out_path, false), cols, rows, search::all_columns);
            outs.group.commit();
            return;
        }
        if (m.input.empty()) throw usage_error("no events: give the input file");
        if (sr.empty()) throw usage_error("--sr LO,HI is needed: the signal region of --cond-col");
        const auto [lo, hi] = data::parse_range(sr, "--sr");
        const auto [olo, ohi] = sb.empty() ? std::pair<double, double>{-1.7e308, 1.7e308} : data::parse_range(sb, "--sb");
        m.edges = {olo, lo, hi, ohi};
        m.features = d.features;
        if (m.region_col.empty() && m.region_file.empty()) throw usage_error("no condition: give --cond-col NAME (CSV) or --cond FILE");
        data::check_mixed_options(m);

        //-- data ----------------------------------------------------------------------------
        auto rows_of = [&](const std::string& path, bool truth) {
            data::mixed_options o = m;
            o.input = path;
            if (!truth) o.truth_col.clear();
            return search::load_region_rows(o);
        };
        auto rr = search::load_region_rows(m);
        search::region_rows ext = extra_path.empty() ? search::region_rows{} : rows_of(extra_path, true);
        // every event of the regions: ANODE's two densities share one preprocessing fitted on them
        data::labelled_set both = rr.sb;
        both.x.insert(both.x.end(), rr.sr.x.begin(), rr.sr.x.end());
        both.n += rr.sr.n, both.y.resize(both.n, 1.0f), both.w.resize(both.n, 1.0f);
        t.info("%zu signal-region and %zu sideband events; %zu outside the sidebands left out", rr.sr.n, rr.sb.n, rr.outside);
        fl.config.cond = 1;
        train::fit_context ctx;
        ctx.t = &t, ctx.seed = t.seed;
        ctx.diverge_hint = "try a lower --lr (the flow) or --clf-lr (the classifier)";  // no --standardise here
        const std::vector<std::string> feats = d.feature_list();
        const std::string cname = m.region_col.empty() ? "m" : m.region_col;
        auto trained = [&](const data::labelled_set& rows, const data::labelled_set* prep, const std::string& what,
                           const std::string& ck) {
            search::flow_training o = fl;
            if (!f.checkpoint.empty()) o.fit.checkpoint = f.checkpoint + ck;
            ctx.interrupt_checkpoint = (f.checkpoint.empty() ? out_path : f.checkpoint) + ck + ".ckpt";
            auto e = search::train_flow(rows, prep, o, ctx, what);
            e.meta.features = feats.size() == e.dim() ? feats : std::vector<std::string>{};
            e.meta.conditions = {cname};
            return e;
        };
        if (mode == "fit") {
            const data::labelled_set& rows = on == "signal" ? rr.sr : on == "all" ? both : rr.sb;
            auto e = trained(rows, nullptr, on == "signal" ? "signal-region density" : on == "all" ? "density" : "sideband density", "");
            outs.models(out_path, e);
            outs.group.commit();
            return;
        }
        if (on != "sidebands") throw usage_error("--on applies to --mode fit");
        search::flow_ensemble bkg;
        search::region_rows gs;
        if (!given.empty()) {
            if (mode != "cathode" || !bkg_models.empty()) throw usage_error("--bkg-samples replaces the flow of --mode cathode; --bkg-model does not apply");
            gs = rows_of(given, false);
            co.given_samples = &gs.sr;
        } else if (!bkg_models.empty()) {
            if (!bkg_out.empty()) throw usage_error("--bkg-out writes a trained flow; --bkg-model reads one instead");
            bkg = search::load_flow_ensemble(bkg_models);
            if (bkg.dim() + bkg.cond() != rr.sr.size)
                throw error(bkg_models.front(), "the flow models " + std::to_string(bkg.dim()) + " variables; --features gives " +
                                                    std::to_string(rr.sr.size - 1));
        } else {
            bkg = trained(rr.sb, mode == "anode" ? &both : nullptr, "sideband density", ".bkg");
            if (!bkg_out.empty()) outs.models(bkg_out, bkg);
        }
        if (mode == "anode") {
            search::flow_ensemble sre = sr_models.empty() ? trained(rr.sr, &both, "signal-region density", ".sr")
                                                          : search::load_flow_ensemble(sr_models);
            if (sr_models.empty() && !sr_out.empty()) outs.models(sr_out, sre);
            auto s = search::anode_score(sre, bkg, rr.sr.x.data(), rr.sr.n);
            if (s.outside) t.warn("%zu signal-region events outside a density's fitted range score NaN", s.outside);
            auto tab = search::anode_table(s, rr.sr, rr.truth_sr, cname);
            search::write_score_table(outs.add(out_path, false), tab.cols, tab.rows, 3);
            if (!extra_path.empty()) {
                auto tx = search::anode_table(search::anode_score(sre, bkg, ext.sr.x.data(), ext.sr.n), ext.sr, ext.truth_sr, cname);
                search::write_score_table(outs.add(extra_out, false), tx.cols, tx.rows, 3);
            }
        } else {
            co.sr_lo = lo, co.sr_hi = hi;
            co.bandwidth = bandwidth > 0 ? bandwidth : 0.025 * (hi - lo);
            co.fit.checkpoint = f.checkpoint;
            co.extra = extra_path.empty() ? nullptr : &ext.sr;
            auto r = search::run_cathode(given.empty() ? &bkg : nullptr, rr.sr, co, ctx);
            auto tab = search::cathode_table(r.score, r.fold, rr.sr, rr.truth_sr, cname);
            search::write_score_table(outs.add(out_path, false), tab.cols, tab.rows, 0);
            if (co.extra) {
                auto tx = search::cathode_table(r.extra_score, {}, ext.sr, ext.truth_sr, cname);
                search::write_score_table(outs.add(extra_out, false), tx.cols, tx.rows, 0);
            }
            if (!samples_path.empty())
                search::write_score_table(outs.add(samples_path, false), search::sample_columns(bkg, feats, cname),
                                          std::vector<double>(r.samples.begin(), r.samples.end()), search::all_columns);
        }
        outs.group.commit();
    });
}
