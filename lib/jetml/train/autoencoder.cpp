// SPDX-License-Identifier: MIT
// jetml/train/autoencoder.cpp - autoencoders under the training engine (see autoencoder.hpp).
#include "jetml/train/autoencoder.hpp"

#include <algorithm>
#include <cmath>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/nn/arch.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/train/classifier.hpp"

namespace jetml::train {

void autoencoder_spec::check() const {
    if (loss != "mse" && loss != "sorted-mse")
        throw usage_error("an autoencoder's --loss is mse or sorted-mse, got '" + loss + "'");
    if (normalise != "none" && normalise != "sum")
        throw usage_error("--normalise takes none or sum, got '" + normalise + "'");
}

autoencoder_trainable::autoencoder_trainable(nn::sequential& m, const nn::optim_config& oc,
                                             std::shared_ptr<const nn::loss> recon, nn::model_meta meta,
                                             std::size_t batch)
    : network_trainable(m, oc, recon, meta, batch), recon_(std::move(recon)), lay_(model::ae_layout_of(m)),
      normalise_(meta.get("normalise", "none")) {}

void autoencoder_trainable::signature(fit_signature& s) const {
    network_trainable::signature(s);
    std::string code = lay_.code_layer == model::ae_layout::none ? "none" : std::to_string(lay_.code_layer);
    s.set("autoencoder", "--autoencoder",
          "loss=" + recon_->name() + " normalise=" + normalise_ + " code_layer=" + code);
}

double autoencoder_trainable::train_batch(const batch& b, double lr) {
    nn::sequential& m = model();
    const nn::tshape in = m.input_shape();
    const float* t = b.x;
    if (in.spatial && in.c > 1) {  // targets in the network's (H, W, C) layout
        target_.resize(b.n * in.size());
        nn::nchw_to_nhwc(b.x, target_.data(), b.n, in.c, in.h, in.w);
        t = target_.data();
    }
    return m.train_step(b.x, t, b.w, {}, b.n, *recon_, optimizer(), lr);
}

evaluation autoencoder_trainable::validate(const data::labelled_set& va) {
    evaluation ev;
    if (va.n == 0) return ev;
    std::vector<float> err(va.n), kl(va.n, 0.0f);
    model::ae_evaluate(model(), lay_, *recon_, va.x.data(), va.n, 256, err.data(), lay_.vae ? kl.data() : nullptr,
                       nullptr, nullptr);
    double sum = 0;
    for (std::size_t i = 0; i < va.n; ++i) sum += double(va.w[i]) * err[i] + lay_.beta * kl[i];
    ev.loss = sum / double(va.n);
    const bool both = std::count(va.y.begin(), va.y.end(), 1.0f) > 0 && std::count(va.y.begin(), va.y.end(), 0.0f) > 0;
    if (both) ev.auc = jetml::auc(err.data(), va.y.data(), va.n, va.w.data());
    return ev;
}

void trained_autoencoder::save(const std::string& path) const {
    nn::save_model(path, scorer->network(), scorer->meta());
}

trained_autoencoder fit_autoencoder(const autoencoder_spec& spec, data::labelled_set tr, data::labelled_set va,
                                    const fit_options& f, const fit_context& ctx) {
    spec.check();
    const std::string arch = read_arch(spec.arch);
    nn::model_meta meta;
    meta.kind = "autoencoder";
    meta.loss = spec.loss;
    if (spec.normalise == "sum") {
        model::ae_normalise_rows(tr.x.data(), tr.n, tr.size, 0, "training data");
        model::ae_normalise_rows(va.x.data(), va.n, va.size, 0, "validation data");
    }
    prepare_inputs(meta, tr, va, f.standardises(tr.shape));  // after the normalisation, as the scorer applies them
    meta.extra = spec.extra;
    meta.extra.push_back({"arch_option", nn::expand_preset(arch)});
    meta.extra.push_back({"normalise", spec.normalise});
    meta.extra.insert(meta.extra.end(), spec.extra_after.begin(), spec.extra_after.end());

    nn::sequential model(arch, to_tshape(tr.shape), ctx.seed);
    std::shared_ptr<const nn::loss> recon = nn::make_loss(spec.loss);
    autoencoder_trainable net(model, optimiser_of(f), recon, meta, f.batch);
    const model::ae_layout lay = model::ae_layout_of(model);
    if (ctx.t)
        ctx.t->info("model: autoencoder %s; %zu trainable parameters; %.3g MFLOP per sample; code %s; loss %s%s",
                    model.arch().c_str(), model.trainable_count(), model.flops() / 1e6,
                    lay.code_layer == model::ae_layout::none ? "not marked"
                                                             : (std::to_string(lay.code_size) + " values").c_str(),
                    spec.loss.c_str(), lay.vae ? (" + " + format_double(lay.beta) + " KL").c_str() : "");
    trained_autoencoder out;
    out.result = fit(net, tr, va, f, ctx);
    meta.epoch = out.result.best_epoch;
    meta.training = training_record(out.result, f);
    out.scorer = std::make_unique<model::autoencoder_scorer>(std::move(model), meta);
    return out;
}

data::labelled_set load_autoencoder_data(const data::dataset_options& d, int only_class) {
    const bool labelled = !d.labels.empty() || !d.label_col.empty() || !d.signal.empty() || !d.background.empty();
    if (only_class >= 0 && !labelled)
        throw usage_error("--only-class picks rows by label: give -l, --label-col or --signal/--background");
    data::labelled_set all;
    if (labelled) {
        data::check_dataset_options(d);
        all = data::load_labelled(d);
    } else {
        if (d.inputs.empty()) throw usage_error("no input samples given");
        if (!d.weights.empty() || !d.weight_col.empty())
            throw usage_error("-w/--weight-col without labels: the autoencoder reads weights with labels only");
        for (const auto& path : d.inputs) data::check_readable(path, "input");
        for (const auto& path : d.inputs) data::append_samples(all, load_samples(path, d.feature_list(), false), path);
        all.y.assign(all.n, 0.0f);
        all.w.assign(all.n, 1.0f);
    }
    if (only_class < 0) return all;
    data::labelled_set keep;
    keep.shape = all.shape, keep.size = all.size;
    for (std::size_t i = 0; i < all.n; ++i) {
        if (all.y[i] != float(only_class)) continue;
        keep.x.insert(keep.x.end(), all.x.begin() + i * all.size, all.x.begin() + (i + 1) * all.size);
        keep.y.push_back(all.y[i]);
        keep.w.push_back(all.w[i]);
        ++keep.n;
    }
    if (keep.n == 0) throw error("no samples of label " + std::to_string(only_class) + " to train on");
    return keep;
}

}  // namespace jetml::train
