// SPDX-License-Identifier: MIT
// jetml/train/classifier.cpp - a binary classifier trained end to end (see classifier.hpp).
#include "jetml/train/classifier.hpp"

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/standardise.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/nn/fisher.hpp"
#include "jetml/nn/optim.hpp"
#include "jetml/train/ensemble.hpp"
#include "jetml/train/network.hpp"

namespace jetml::train {
nn::tshape to_tshape(const std::vector<std::size_t>& s) {
    return s.size() == 1 ? nn::tshape::vec(s[0]) : nn::tshape::image(s[0], s[1], s[2]);
}

void prepare_inputs(nn::model_meta& meta, data::labelled_set& tr, data::labelled_set& va, bool standardise) {
    meta.data_shape = {tr.n};
    meta.data_shape.insert(meta.data_shape.end(), tr.shape.begin(), tr.shape.end());
    if (!standardise) return;
    auto st = data::fit_standardiser(tr);
    data::apply_standardiser(st, tr);
    data::apply_standardiser(st, va);
    meta.prep_mean = std::move(st.mean);
    meta.prep_std = std::move(st.std);
}

nn::optim_config optimiser_of(const fit_options& f) {
    nn::optim_config o;
    o.kind = nn::parse_optim(f.optimizer);
    o.lr = f.lr;
    o.momentum = f.momentum;
    o.weight_decay = f.weight_decay;
    return o;
}

std::string read_arch(const std::string& arch) {
    if (arch.empty() || arch[0] != '@') return arch;
    std::ifstream in(arch.substr(1));
    if (!in) throw usage_error("cannot read architecture file " + arch.substr(1));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<float> trained_classifier::scores(const float* x, std::size_t n) {
    std::vector<float> out(n * scorer->outputs());
    if (members.empty()) {
        scorer->score(x, n, out.data());
        return out;
    }
    std::vector<double> sum(out.size(), 0.0);
    for (auto& m : members) {
        m->score(x, n, out.data());
        for (std::size_t i = 0; i < out.size(); ++i) sum[i] += out[i];
    }
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = float(sum[i] / double(members.size()));
    return out;
}

void trained_classifier::save(const std::string& path) const { nn::save_model(path, scorer->network(), scorer->meta()); }

trained_classifier fit_classifier(const classifier_spec& spec, data::labelled_set tr, data::labelled_set va,
                                  const fit_options& f, const fit_context& ctx) {
    const std::string arch = read_arch(spec.arch);
    const bool fisher = arch == "fisher";
    std::shared_ptr<const nn::loss> loss = spec.loss ? spec.loss : nn::make_loss("bce");
    const nn::optim_config ocfg = optimiser_of(f);
    trained_classifier out;
    nn::model_meta meta;
    // DisCo's outputs are bce logits (predict applies the sigmoid); the full spec goes to extra
    meta.loss = loss->name().rfind("disco", 0) == 0 || loss->name() == "llp" ? "bce" : loss->name();
    prepare_inputs(meta, tr, va, f.standardises(tr.shape) && !fisher);
    meta.extra = spec.extra;
    meta.extra.push_back({"arch_option", fisher ? "fisher" : nn::expand_preset(arch)});
    meta.extra.insert(meta.extra.end(), spec.extra_after.begin(), spec.extra_after.end());
    if (meta.loss != loss->name()) meta.extra.push_back({"loss", loss->name()});

    if (fisher) {
        if (spec.shrinkages.size() > 1 && va.n == 0)
            throw usage_error("several --shrinkage values are chosen between on a validation set: "
                              "give --val or a --val-split above 0");
        double best_auc = -1;
        std::optional<nn::sequential> best;
        for (double a : spec.shrinkages) {
            if (ctx.t) ctx.t->info("model: Fisher linear discriminant, shrinkage %g", a);
            auto m = nn::fisher_fit(tr.x.data(), tr.y.data(), tr.w.data(), tr.n, to_tshape(tr.shape), a, ctx.seed);
            const double vauc = network_trainable(m, ocfg, loss, meta, f.batch).validate(va).auc;
            if (ctx.t) ctx.t->note("fisher: shrinkage %g: validation AUC %.5f", a, vauc);
            // the first of equal AUCs wins; a NaN AUC (one class in validation) keeps the first
            if (!best || vauc > best_auc) {
                best.emplace(std::move(m));
                best_auc = vauc;
                out.shrinkage = a;
            }
        }
        if (spec.shrinkages.size() > 1 && ctx.t)
            ctx.t->note("fisher: kept shrinkage %g (validation AUC %.5f)", out.shrinkage, best_auc);
        meta.extra.emplace_back("shrinkage", format_double(out.shrinkage));
        meta.epoch = 0;
        meta.training = data_signature(tr, va, f, ctx.seed, false).record();
        out.scorer = std::make_unique<model::network_scorer>(std::move(*best), meta);
        return out;
    }

    nn::sequential model(arch, to_tshape(tr.shape), ctx.seed);
    if (model.outputs() != 1)
        throw usage_error("the architecture has " + std::to_string(model.outputs()) +
                          " outputs; binary classification needs 1 (end with dense(1))");
    network_trainable net(model, ocfg, loss, meta, f.batch);
    if (ctx.t)
        ctx.t->info("model: %s; %zu trainable parameters; %.3g MFLOP per sample; optimizer %s, lr %g, batch %zu",
                    model.arch().c_str(), model.trainable_count(), model.flops() / 1e6, f.optimizer.c_str(), f.lr,
                    f.batch);
    if (spec.ensemble > 1) {
        if (va.n == 0) throw usage_error("an epoch ensemble is chosen by validation loss: give a --val-split above 0");
        epoch_ensemble ens(net, spec.ensemble);
        out.result = fit(ens, tr, va, f, ctx);
        meta.training = training_record(out.result, f);
        const std::string best = net.snapshot();
        for (const auto& k : ens.members()) {
            net.restore(k.snap);
            nn::model_meta mm = meta;
            mm.epoch = k.epoch;
            // a network is not copyable: each member is the model file's round trip (bitwise)
            out.members.push_back(std::make_unique<model::network_scorer>(
                nn::model_from_bytes(nn::model_bytes(model, mm), "ensemble member"), mm));
        }
        net.restore(best);
    } else {
        out.result = fit(net, tr, va, f, ctx);
    }
    meta.epoch = out.result.best_epoch;
    meta.training = training_record(out.result, f);
    out.scorer = std::make_unique<model::network_scorer>(std::move(model), meta);
    return out;
}

}  // namespace jetml::train
