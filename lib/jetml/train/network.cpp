// SPDX-License-Identifier: MIT
// jetml/train/network.cpp - an nn::sequential classifier under the training engine.
#include "jetml/train/network.hpp"

#include <algorithm>
#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/train/optimizer_state.hpp"

namespace jetml::train {

network_trainable::network_trainable(nn::sequential& m, const nn::optim_config& oc, nn::loss_kind loss,
                                     nn::model_meta meta, std::size_t batch)
    : network_trainable(m, oc, std::shared_ptr<const nn::loss>(nn::make_standard_loss(loss)), std::move(meta), batch) {}

network_trainable::network_trainable(nn::sequential& m, const nn::optim_config& oc,
                                     std::shared_ptr<const nn::loss> loss, nn::model_meta meta, std::size_t batch)
    : m_(m), opt_(oc), loss_(std::move(loss)), meta_(std::move(meta)), batch_(batch) {}

void network_trainable::signature(fit_signature& s) const {
    s.set("arch", "--arch", m_.arch());
    // what the network really optimises with, which the tool may have set apart from the options
    const nn::optim_config& c = opt_.config();
    s.set("optimiser", "--optimiser", nn::optim_name(c.kind));
    if (c.kind == nn::optim_kind::sgd) {
        s.set("momentum", "--momentum", format_double(c.momentum));
        s.set("optimiser_constants", "optimiser constants", std::string("nesterov=") + (c.nesterov ? "yes" : "no"));
    } else {
        s.set("optimiser_constants", "optimiser constants",
              "beta1=" + format_double(c.beta1) + " beta2=" + format_double(c.beta2) + " eps=" + format_double(c.eps));
    }
    s.set("weight_decay", "--weight-decay", format_double(c.weight_decay));
    s.set("loss", "--loss", loss_->name());
}

void network_trainable::begin_epoch(std::size_t, double) { m_.reserve(batch_); }

double network_trainable::train_batch(const batch& b, double lr) {
    if (b.side.size() < loss_->side_columns())
        throw usage_error("loss " + loss_->name() + " needs " + std::to_string(loss_->side_columns()) +
                          " side column(s); the data have " + std::to_string(b.side.size()));
    return m_.train_step(b.x, b.y, b.w, b.side, b.n, *loss_, opt_, lr);
}

evaluation network_trainable::validate(const data::labelled_set& va) {
    evaluation ev;
    if (va.n == 0) return ev;
    std::vector<float> z(va.n * m_.outputs());
    m_.predict(va.x.data(), va.n, z.data(), std::max<std::size_t>(batch_, 256));
    nn::loss_batch lb;
    lb.z = z.data(), lb.y = va.y.data(), lb.w = va.w.data(), lb.n = va.n, lb.d = 1;
    for (const auto& c : va.side) lb.side.push_back(c.second.data());
    if (lb.side.size() < loss_->side_columns())
        throw usage_error("loss " + loss_->name() + " needs " + std::to_string(loss_->side_columns()) +
                          " side column(s); the validation data have " + std::to_string(lb.side.size()));
    if (loss_->separable()) {
        ev.loss = loss_->eval(lb, nullptr, va.n);
    } else {
        // a batch-level loss (O(batch^2) for DisCo) is what training sees: its mean over
        // consecutive chunks of the training batch size, weighted by the chunk's rows
        double sum = 0;
        for (std::size_t s = 0; s < va.n; s += batch_) {
            nn::loss_batch c = lb;
            c.n = std::min(batch_, va.n - s);
            c.z += s, c.y += s, c.w += s;
            for (auto& p : c.side) p += s;
            sum += loss_->eval(c, nullptr, c.n) * double(c.n);
        }
        ev.loss = sum / double(va.n);
    }
    const bool both = std::count(va.y.begin(), va.y.end(), 1.0f) > 0 && std::count(va.y.begin(), va.y.end(), 0.0f) > 0;
    if (both) ev.auc = jetml::auc(z.data(), va.y.data(), va.n, va.w.data());
    return ev;
}

std::string network_trainable::snapshot() {
    std::string s;
    for (auto* p : m_.parameters())
        s.append(reinterpret_cast<const char*>(p->value.data()), p->value.size() * sizeof(float));
    return s;
}

void network_trainable::restore(const std::string& snap) {
    std::size_t off = 0;
    for (auto* p : m_.parameters()) {
        const std::size_t bytes = p->value.size() * sizeof(float);
        if (off + bytes > snap.size()) throw error("snapshot does not match the model");
        std::memcpy(p->value.data(), snap.data() + off, bytes);
        off += bytes;
    }
    if (off != snap.size()) throw error("snapshot does not match the model");
}

saved_state network_trainable::save_state(const std::string& best) {
    saved_state s;
    std::string current = nn::model_bytes(m_, meta_);
    const std::string cur = snapshot();
    restore(best);
    std::string best_bytes = nn::model_bytes(m_, meta_);
    restore(cur);
    s.keys = {{"opt_steps", std::to_string(opt_.steps())}};
    s.entries = {{"model.npz", std::move(current)},
                 {"best.npz", std::move(best_bytes)},
                 {"optimizer.npy", optimizer_record(opt_)}};
    return s;
}

std::string network_trainable::load_state(const std::map<std::string, std::string>& keys,
                                          const std::map<std::string, std::string>& e, const std::string& src) {
    for (const char* k : {"model.npz", "best.npz", "optimizer.npy"})
        if (!e.count(k)) throw error(src, std::string("not a jetml checkpoint (no ") + k + ")");
    auto steps = keys.find("opt_steps");
    if (steps == keys.end()) throw error(src, "not a jetml checkpoint (no opt_steps)");
    m_ = nn::model_from_bytes(e.at("model.npz"), src + ": model.npz");
    std::string best;
    {
        auto b = nn::model_from_bytes(e.at("best.npz"), src + ": best.npz");
        for (auto* p : b.parameters())
            best.append(reinterpret_cast<const char*>(p->value.data()), p->value.size() * sizeof(float));
    }
    load_optimizer_record(opt_, m_.parameters(), e.at("optimizer.npy"), src, "optimizer.npy",
                          "optimizer state does not match the model");
    try {
        opt_.set_steps(std::stoull(steps->second));
    } catch (const std::exception&) {
        throw error(src, "malformed opt_steps in state.txt");
    }
    return best;
}

}  // namespace jetml::train
