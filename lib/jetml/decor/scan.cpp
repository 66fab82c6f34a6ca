// SPDX-License-Identifier: MIT
// jetml/decor/scan.cpp - plain / DisCo / adversarial runs over a lambda scan (see scan.hpp).
#include "jetml/decor/scan.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/model/network_scorer.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/model_io.hpp"

namespace jetml::decor {
namespace {

std::vector<float> scores_of(model::network_scorer& sc, const data::labelled_set& va) {
    std::vector<float> out(va.n);
    sc.score(va.x.data(), va.n, out.data());
    return out;
}

// The nuisance's checks: not constant; categorical values 0 .. C-1 (returns C, or 0).
std::size_t check_nuisance(const data::labelled_set& tr, bool categorical, bool background_only) {
    const auto& z = tr.side.at(0).second;
    const std::string& name = tr.side[0].first;
    std::set<float> seen;
    float lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < tr.n; ++i) {
        if (background_only && tr.y[i] >= 0.5f) continue;
        lo = std::min(lo, z[i]), hi = std::max(hi, z[i]);
        if (categorical) {
            if (z[i] < 0 || z[i] != std::floor(z[i]) || z[i] > 1000)
                throw error("nuisance '" + name + "': value " + format_double(z[i]) + " at training row " +
                            std::to_string(i) + " is not a class index 0, 1, ... (--categorical)");
            seen.insert(z[i]);
        }
    }
    if (!(hi > lo))
        throw error("nuisance '" + name + "' is constant (" + format_double(lo) + ")" +
                    (background_only ? " on the background" : "") + " in the training set; there is nothing to decorrelate from");
    if (!categorical) return 0;
    return std::size_t(*seen.rbegin()) + 1;
}

}  // namespace

decor_mode parse_decor_mode(const std::string& s) {
    if (s == "plain") return decor_mode::plain;
    if (s == "disco") return decor_mode::disco;
    if (s == "adversary") return decor_mode::adversary;
    throw usage_error("--mode must be plain, disco or adversary, got '" + s + "'");
}

void scan_options::check(const train::fit_options& f) const {
    if (lambdas.empty()) throw usage_error("--lambda needs at least one value");
    for (double l : lambdas) {
        pivot_params p = adv;
        p.lambda = l;
        p.check();
    }
    const bool many = mode != decor_mode::plain && lambdas.size() > 1;
    if (many && output.find("{}") == std::string::npos)
        throw usage_error("with several --lambda values, -o must contain {} (replaced by each lambda)");
    if (many && !f.checkpoint.empty() && f.checkpoint.find("{}") == std::string::npos)
        throw usage_error("with several --lambda values, --checkpoint must contain {} (replaced by each lambda)");
    if (!(metrics.eff_s > 0 && metrics.eff_s <= 1)) throw usage_error("--eff-s must be in (0, 1]");
    if (metrics.bins < 1) throw usage_error("--bins must be at least 1");
    if (!(metrics.hi > metrics.lo)) throw usage_error("--range must be LO,HI with LO < HI");
}

std::string path_for(const std::string& pattern, double lambda) {
    std::string s = pattern;
    const auto p = s.find("{}");
    if (p != std::string::npos) s.replace(p, 2, format_double(lambda));
    return s;
}

std::vector<scan_row> run_scan(const scan_options& o, const train::classifier_spec& spec, const data::labelled_set& tr,
                               const data::labelled_set& va, const train::fit_options& f,
                               const train::fit_context& ctx) {
    if (tr.side.empty() || va.side.empty()) throw usage_error("pivot needs the nuisance / side variable (--side-col)");
    if (va.n == 0) throw usage_error("pivot summarises each run on a validation set: give a --val-split above 0");
    const bool adv = o.mode == decor_mode::adversary;
    const std::size_t classes = adv ? check_nuisance(tr, o.adv.categorical, o.adv.background_only) : 0;
    std::vector<scan_row> rows;
    const std::vector<double> lambdas = o.mode == decor_mode::plain ? std::vector<double>{0.0} : o.lambdas;
    for (double lambda : lambdas) {
        scan_row row;
        row.lambda = lambda;
        row.model = path_for(o.output, lambda);
        train::fit_options fl = f;
        fl.checkpoint = path_for(f.checkpoint, lambda);
        train::fit_context cl = ctx;
        cl.interrupt_checkpoint = row.model + ".ckpt";
        std::unique_ptr<model::network_scorer> scorer;
        if (!adv) {
            train::classifier_spec s = spec;
            s.loss = nn::make_loss(o.mode == decor_mode::plain
                                       ? "bce"
                                       : "disco:" + format_double(lambda) + (o.disco_all ? ":all" : ""));
            s.extra.push_back({"pivot_mode", o.mode == decor_mode::plain ? "plain" : "disco"});
            auto c = train::fit_classifier(s, tr, va, fl, cl);
            c.save(row.model);
            row.epochs = c.result.epochs_done;
            row.summary = stats::summarise(c.scores(va.x.data(), va.n), va.y, va.w, va.side[0].second, o.metrics);
        } else {
            data::labelled_set a = tr, b = va;
            nn::model_meta meta;
            meta.loss = "bce";
            train::prepare_inputs(meta, a, b, f.standardises(a.shape));
            pivot_params p = o.adv;
            p.lambda = lambda;
            if (p.categorical) p.components = classes;
            // the nuisance's standardisation (continuous), on the rows the adversary sees
            double sum = 0, sum2 = 0, cnt = 0;
            for (std::size_t i = 0; i < a.n; ++i)
                if (!p.background_only || a.y[i] < 0.5f) {
                    const double z = a.side[0].second[i];
                    sum += z, sum2 += z * z, cnt += 1;
                }
            const double zm = p.categorical ? 0.0 : sum / cnt;
            const double zs = p.categorical ? 1.0 : std::sqrt(std::max(sum2 / cnt - zm * zm, 1e-300));
            const std::string arch = train::read_arch(spec.arch);
            meta.extra = spec.extra;
            meta.extra.push_back({"arch_option", nn::expand_preset(arch)});
            meta.extra.insert(meta.extra.end(), spec.extra_after.begin(), spec.extra_after.end());
            meta.extra.push_back({"pivot_mode", "adversary"});
            meta.extra.push_back({"pivot", p.description()});
            nn::sequential fnet(arch, train::to_tshape(a.shape), ctx.seed);
            if (fnet.outputs() != 1)
                throw usage_error("the architecture has " + std::to_string(fnet.outputs()) +
                                  " outputs; binary classification needs 1 (end with dense(1))");
            const adversary_nll nll(p.categorical, p.components);
            nn::sequential rnet(adversary_arch(p.adv_arch, nll.outputs()), nn::tshape::vec(1), ctx.seed + 0x5EED);
            pivot_trainable pt(fnet, rnet, p, train::optimiser_of(f), meta, zm, zs);
            if (ctx.t) ctx.t->info("lambda %g: %s; f %s; r %s", lambda, p.description().c_str(), fnet.arch().c_str(),
                                   rnet.arch().c_str());
            auto res = train::fit(pt, a, b, fl, cl);
            pt.validate(b);
            row.adversary_loss = pt.val_adversary_loss();
            row.epochs = res.epochs_done;
            meta.epoch = res.best_epoch;
            meta.training = train::training_record(res, fl);
            nn::save_model(row.model, fnet, meta);
            scorer = std::make_unique<model::network_scorer>(std::move(fnet), meta);
            row.summary = stats::summarise(scores_of(*scorer, va), va.y, va.w, va.side[0].second, o.metrics);
        }
        if (ctx.t)
            ctx.t->note("lambda %g: AUC %.4f, 1/eps_B %.4g at eps_S %.2f, 1/JSD %.4g, dCorr^2 %.4g, max KS %.4f%s",
                        lambda, row.summary.auc, row.summary.rejection, o.metrics.eff_s, row.summary.inv_jsd,
                        row.summary.dcorr2, row.summary.max_ks,
                        adv ? (", adversary loss " + format_double(row.adversary_loss)).c_str() : "");
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string scan_header() {
    return "mode,lambda,auc,threshold,rejection,inv_jsd,dcorr2,max_ks,adversary_loss,epochs,model";
}

std::string scan_line(decor_mode m, const scan_row& r) {
    const char* name = m == decor_mode::plain ? "plain" : m == decor_mode::disco ? "disco" : "adversary";
    const auto& s = r.summary;
    return std::string(name) + "," + format_double(r.lambda) + "," + format_double(s.auc) + "," +
           format_double(s.threshold) + "," + format_double(s.rejection) + "," + format_double(s.inv_jsd) + "," +
           format_double(s.dcorr2) + "," + format_double(s.max_ks) + "," + format_double(r.adversary_loss) + "," +
           std::to_string(r.epochs) + "," + r.model;
}

}  // namespace jetml::decor
