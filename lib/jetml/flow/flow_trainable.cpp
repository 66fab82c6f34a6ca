// SPDX-License-Identifier: MIT
// jetml/flow/flow_trainable.cpp - the MAF under the training engine.
#include "jetml/flow/flow_trainable.hpp"

#include <cmath>
#include <cstring>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/train/optimizer_state.hpp"

namespace jetml::flow {

flow_trainable::flow_trainable(maf& m, const nn::optim_config& oc, const data::labelled_set& train, std::size_t batch,
                               flow_meta meta)
    : m_(m), opt_(oc), train_(train), batch_(batch), meta_(std::move(meta)) {
    if (train.size != m.row())
        throw usage_error("flow: training rows have " + std::to_string(train.size) + " values; the flow needs " +
                          std::to_string(m.dim()) + " variables + " + std::to_string(m.cond()) + " conditions");
}

void flow_trainable::signature(train::fit_signature& s) const {
    s.set("arch", "flow architecture", m_.config().spec());
    const nn::optim_config& c = opt_.config();
    s.set("optimiser", "--optimiser", nn::optim_name(c.kind));
    if (c.kind == nn::optim_kind::sgd)
        s.set("momentum", "--momentum", format_double(c.momentum));
    else
        s.set("optimiser_constants", "optimiser constants",
              "beta1=" + format_double(c.beta1) + " beta2=" + format_double(c.beta2) + " eps=" + format_double(c.eps));
    s.set("weight_decay", "--weight-decay", format_double(c.weight_decay));
    s.set("loss", "--loss", "nll (flow, batch-norm statistics recomputed after each epoch)");
}

void flow_trainable::begin_epoch(std::size_t, double) { m_.reserve(batch_); }

double flow_trainable::train_batch(const train::batch& b, double lr) {
    const double l = m_.train_step(b.x, b.w, b.n, &opt_, lr);
    if (!std::isfinite(l)) throw error("flow: negative log-likelihood is " + std::string(std::isnan(l) ? "NaN" : "infinite"));
    return l;
}

double flow_trainable::end_epoch(std::size_t epoch) {
    m_.recompute_statistics(train_.x.data(), train_.n);
    meta_.epoch = epoch + 1;
    return NAN;
}

double mean_nll(maf& m, const data::labelled_set& set) {
    if (set.size != m.row())
        throw usage_error("flow: rows have " + std::to_string(set.size) + " values; the flow needs " +
                          std::to_string(m.row()));
    std::vector<double> lp(set.n);
    m.log_prob(set.x.data(), set.n, lp.data());
    double s = 0, ws = 0;
    for (std::size_t i = 0; i < set.n; ++i) {
        const double w = set.w.empty() ? 1.0 : double(set.w[i]);
        s -= w * lp[i];
        ws += w;
    }
    return ws > 0 ? s / ws : NAN;
}

train::evaluation flow_trainable::validate(const data::labelled_set& va) {
    train::evaluation ev;
    if (va.n) ev.loss = mean_nll(m_, va);
    return ev;
}

std::string flow_trainable::snapshot() {
    std::string s;
    for (auto* p : m_.parameters()) s.append(reinterpret_cast<const char*>(p->value.data()), p->size() * sizeof(float));
    return s;
}

void flow_trainable::restore(const std::string& snap) {
    std::size_t off = 0;
    for (auto* p : m_.parameters()) {
        const std::size_t bytes = p->size() * sizeof(float);
        if (off + bytes > snap.size()) throw error("snapshot does not match the flow");
        std::memcpy(p->value.data(), snap.data() + off, bytes);
        off += bytes;
    }
    if (off != snap.size()) throw error("snapshot does not match the flow");
}

train::saved_state flow_trainable::save_state(const std::string& best) {
    train::saved_state s;
    std::string current = flow_model_bytes(m_, meta_);
    const std::string cur = snapshot();
    restore(best);
    std::string best_bytes = flow_model_bytes(m_, meta_);
    restore(cur);
    s.keys = {{"opt_steps", std::to_string(opt_.steps())}, {"flow_epoch", std::to_string(meta_.epoch)}};
    s.entries = {{"model.npz", std::move(current)},
                 {"best.npz", std::move(best_bytes)},
                 {"optimizer.npy", train::optimizer_record(opt_)}};
    return s;
}

std::string flow_trainable::load_state(const std::map<std::string, std::string>& keys,
                                       const std::map<std::string, std::string>& e, const std::string& src) {
    for (const char* k : {"model.npz", "best.npz", "optimizer.npy"})
        if (!e.count(k)) throw error(src, std::string("not a jetml flow checkpoint (no ") + k + ")");
    auto steps = keys.find("opt_steps");
    if (steps == keys.end()) throw error(src, "not a jetml checkpoint (no opt_steps)");
    maf cur = flow_from_bytes(e.at("model.npz"), src + ": model.npz");
    if (cur.config().spec() != m_.config().spec()) throw error(src, "the checkpoint holds another flow");
    m_ = std::move(cur);
    std::string best;
    {
        maf b = flow_from_bytes(e.at("best.npz"), src + ": best.npz");
        for (auto* p : b.parameters())
            best.append(reinterpret_cast<const char*>(p->value.data()), p->size() * sizeof(float));
    }
    train::load_optimizer_record(opt_, m_.parameters(), e.at("optimizer.npy"), src, "optimizer.npy",
                                 "optimizer state does not match the flow");
    try {
        opt_.set_steps(std::stoull(steps->second));
        auto ep = keys.find("flow_epoch");
        if (ep != keys.end()) meta_.epoch = std::stoull(ep->second);
    } catch (const std::exception&) {
        throw error(src, "malformed opt_steps in state.txt");
    }
    return best;
}

}  // namespace jetml::flow
