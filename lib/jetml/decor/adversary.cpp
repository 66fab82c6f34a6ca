// SPDX-License-Identifier: MIT
// jetml/decor/adversary.cpp - the pivot adversary: its NLL, the classifier's E_lambda loss and
// the two networks as one trainable (see adversary.hpp).
#include "jetml/decor/adversary.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "jetml/core/cli.hpp"
#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"
#include "jetml/io/npz.hpp"
#include "jetml/stats/metrics.hpp"
#include "jetml/train/optimizer_state.hpp"

namespace jetml::decor {
namespace {

constexpr double half_log_2pi = 0.91893853320467274178;

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

void load_optimiser(nn::optimizer& o, nn::sequential& m, const std::string& rec, const std::string& src,
                    const std::string& entry, const std::string& steps) {
    train::load_optimizer_record(o, m.parameters(), rec, src, entry, entry + ": optimizer state does not match the model");
    try {
        o.set_steps(std::stoull(steps));
    } catch (const std::exception&) {
        throw error(src, "malformed optimiser step count in state.txt");
    }
}

void append_params(std::string& s, nn::sequential& m) {
    for (auto* p : m.parameters()) s.append(reinterpret_cast<const char*>(p->value.data()), p->value.size() * sizeof(float));
}

std::size_t read_params(const std::string& s, std::size_t off, nn::sequential& m) {
    for (auto* p : m.parameters()) {
        const std::size_t bytes = p->value.size() * sizeof(float);
        if (off + bytes > s.size()) throw error("snapshot does not match the models");
        std::memcpy(p->value.data(), s.data() + off, bytes);
        off += bytes;
    }
    return off;
}

const std::string& entry(const std::map<std::string, std::string>& e, const std::string& k, const std::string& src) {
    auto it = e.find(k);
    if (it == e.end()) throw error(src, "not a pivot checkpoint (no " + k + ")");
    return it->second;
}

}  // namespace

// ---- adversary_nll -------------------------------------------------------------------------

adversary_nll::adversary_nll(bool categorical, std::size_t k) : categorical_(categorical), k_(k) {
    if (k < (categorical ? 2u : 1u)) throw usage_error(categorical ? "a categorical nuisance needs at least 2 classes"
                                                                   : "an MDN adversary needs at least 1 Gaussian");
}

std::string adversary_nll::name() const {
    return (categorical_ ? "softmax:" : "mdn:") + std::to_string(k_);
}

double adversary_nll::row(const float* out, float z, float* g) const {
    const std::size_t k = k_;
    if (categorical_) {
        const std::size_t c = std::size_t(std::lround(z));
        double mx = out[0];
        for (std::size_t j = 1; j < k; ++j) mx = std::max(mx, double(out[j]));
        double sum = 0;
        for (std::size_t j = 0; j < k; ++j) sum += std::exp(out[j] - mx);
        const double lse = mx + std::log(sum);
        if (g)
            for (std::size_t j = 0; j < k; ++j) g[j] = float(std::exp(out[j] - lse) - (j == c ? 1.0 : 0.0));
        return lse - out[std::min(c, k - 1)];
    }
    // mixing logits out[0..k), means out[k..2k), log sigmas out[2k..3k)
    double lmx = out[0];
    for (std::size_t j = 1; j < k; ++j) lmx = std::max(lmx, double(out[j]));
    double lsum = 0;
    for (std::size_t j = 0; j < k; ++j) lsum += std::exp(out[j] - lmx);
    const double llse = lmx + std::log(lsum);
    double a[64], u[64];
    std::vector<double> big;
    double* av = a;
    double* uv = u;
    if (k > 64) {
        big.resize(2 * k);
        av = big.data(), uv = big.data() + k;
    }
    double amx = -INFINITY;
    for (std::size_t j = 0; j < k; ++j) {
        const double ls = out[2 * k + j];
        uv[j] = (double(z) - out[k + j]) * std::exp(-ls);
        av[j] = out[j] - llse - 0.5 * uv[j] * uv[j] - ls - half_log_2pi;
        amx = std::max(amx, av[j]);
    }
    double asum = 0;
    for (std::size_t j = 0; j < k; ++j) asum += std::exp(av[j] - amx);
    const double alse = amx + std::log(asum);
    if (g)
        for (std::size_t j = 0; j < k; ++j) {
            const double gam = std::exp(av[j] - alse), pi = std::exp(out[j] - llse);
            g[j] = float(pi - gam);
            g[k + j] = float(-gam * uv[j] * std::exp(-double(out[2 * k + j])));
            g[2 * k + j] = float(gam * (1 - uv[j] * uv[j]));
        }
    return -alse;
}

double adversary_nll::eval(const nn::loss_batch& b, float* grad, std::size_t norm) const {
    if (b.side.empty()) throw error("the adversary's loss needs the nuisance as a side column");
    const std::size_t n = b.n, d = outputs();
    if (b.d != d) throw error("the adversary has " + std::to_string(b.d) + " outputs; " + name() + " needs " + std::to_string(d));
    const double nn_ = double(norm ? norm : n);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = b.w ? b.w[i] : 1.0;
        float* g = grad ? grad + i * d : nullptr;
        const double l = row(b.z + i * d, b.side[0][i], g);
        sum += w * l;
        if (g)
            for (std::size_t j = 0; j < d; ++j) g[j] = float(g[j] * w / nn_);
    }
    return sum / nn_;
}

// ---- pivot_loss ----------------------------------------------------------------------------

pivot_loss::pivot_loss(nn::sequential& r, const adversary_nll& nll, double lambda, bool background_only)
    : r_(&r), nll_(&nll), lambda_(lambda), bkg_(background_only) {}

std::string pivot_loss::name() const {
    return "pivot:" + format_double(lambda_) + ":" + nll_->name() + (bkg_ ? ":background" : "");
}

double pivot_loss::eval(const nn::loss_batch& b, float* grad, std::size_t) const {
    const std::size_t n = b.n, d = nll_->outputs();
    if (b.side.empty()) throw error("the pivot loss needs the nuisance as a side column");
    const double bce = nn::loss_eval(nn::loss_kind::bce_logits, b.z, b.y, b.w, n, 1, grad, n);
    s_.resize(n), wr_.resize(n), g_.resize(n * d), ds_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        s_[i] = float(sigmoid(b.z[i]));
        wr_[i] = (b.w ? b.w[i] : 1.0f) * (bkg_ && b.y[i] >= 0.5f ? 0.0f : 1.0f);
    }
    const float* out = r_->forward(s_.data(), n, false);
    double sum = 0, wsum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double l = nll_->row(out + i * d, b.side[0][i], grad ? &g_[i * d] : nullptr);
        sum += wr_[i] * l;
        wsum += wr_[i];
        if (grad)
            for (std::size_t j = 0; j < d; ++j) g_[i * d + j] = float(g_[i * d + j] * wr_[i] / double(n));
    }
    last_lr_ = wsum > 0 ? sum / wsum : 0;
    if (grad) {
        r_->backward_input(g_.data(), n, ds_.data());
        for (std::size_t i = 0; i < n; ++i)
            grad[i] = float(grad[i] - lambda_ * double(ds_[i]) * s_[i] * (1.0 - s_[i]));
    }
    return bce - lambda_ * sum / double(n);
}

// ---- pivot_params --------------------------------------------------------------------------

void pivot_params::check() const {
    if (!(lambda >= 0) || !std::isfinite(lambda))
        throw usage_error("--lambda values must be finite and >= 0, got " + format_double(lambda));
    if (components < 1) throw usage_error("--components must be at least 1");
    if (k_steps < 1) throw usage_error("--adv-steps must be at least 1");
    if (!(adv_lr > 0) || !std::isfinite(adv_lr)) throw usage_error("--adv-lr must be > 0");
}

std::string pivot_params::description() const {
    return "adversary " + std::string(categorical ? "softmax" : "MDN") + " (" + adv_arch + "), lambda " +
           format_double(lambda) + ", pretrain f " + std::to_string(pretrain_f) + " + r " + std::to_string(pretrain_r) +
           " epochs, " + std::to_string(k_steps) + " adversary steps per classifier step, adversary lr " +
           format_double(adv_lr) + (background_only ? ", background only" : "");
}

std::string adversary_arch(const std::string& hidden, std::size_t outputs) {
    return (hidden.empty() ? "" : hidden + " ") + "dense(" + std::to_string(outputs) + ")";
}

// ---- pivot_trainable -----------------------------------------------------------------------

pivot_trainable::pivot_trainable(nn::sequential& f, nn::sequential& r, const pivot_params& p,
                                 const nn::optim_config& fopt, nn::model_meta fmeta, double z_mean, double z_std)
    : f_(f), r_(r), p_(p), of_(fopt), or_([&] {
          nn::optim_config c;
          c.kind = nn::optim_kind::adam;
          c.lr = p.adv_lr;
          return c;
      }()),
      fmeta_(std::move(fmeta)), z_mean_(z_mean), z_std_(z_std), nll_(p.categorical, p.components),
      ploss_(r, nll_, p.lambda, p.background_only), bce_(nn::make_standard_loss(nn::loss_kind::bce_logits)) {
    if (r_.outputs() != nll_.outputs())
        throw usage_error("the adversary has " + std::to_string(r_.outputs()) + " outputs; " + nll_.name() + " needs " +
                          std::to_string(nll_.outputs()));
}

void pivot_trainable::signature(train::fit_signature& s) const {
    s.set("arch", "--arch", f_.arch());
    const nn::optim_config& c = of_.config();
    s.set("optimiser", "--optimiser", nn::optim_name(c.kind));
    if (c.kind == nn::optim_kind::sgd) s.set("momentum", "--momentum", format_double(c.momentum));
    s.set("weight_decay", "--weight-decay", format_double(c.weight_decay));
    s.set("loss", "loss", ploss_.name());
    s.set("adv_arch", "--adv-arch", r_.arch());
    s.set("adversary", "adversary", nll_.name());
    s.set("lambda", "--lambda", format_double(p_.lambda));
    s.set("pretrain", "--pretrain", std::to_string(p_.pretrain_f) + "," + std::to_string(p_.pretrain_r));
    s.set("adv_steps", "--adv-steps", std::to_string(p_.k_steps));
    s.set("adv_lr", "--adv-lr", format_double(p_.adv_lr));
    s.set("background_only", "--background-only", p_.background_only ? "yes" : "no");
    s.set("nuisance_scale", "nuisance standardisation", format_double(z_mean_) + "," + format_double(z_std_));
}

void pivot_trainable::begin_epoch(std::size_t epoch, double) {
    epoch_ = epoch;
    sum_e_ = sum_r_ = 0;
    n_e_ = n_r_ = 0;
}

const float* pivot_trainable::scores(const float* x, std::size_t n) {
    s_.resize(n);
    f_.predict(x, n, s_.data(), std::max<std::size_t>(n, 1));
    for (auto& v : s_) v = float(sigmoid(v));
    return s_.data();
}

void pivot_trainable::r_step(const train::batch& b, double) {
    const std::size_t n = b.n;
    const float* s = scores(b.x, n);
    w_.resize(n);
    for (std::size_t i = 0; i < n; ++i) w_[i] = b.w[i] * (p_.background_only && b.y[i] >= 0.5f ? 0.0f : 1.0f);
    dummy_.assign(n * nll_.outputs(), 0.0f);
    const double l = r_.train_step(s, dummy_.data(), w_.data(), {z_.data()}, n, nll_, or_, p_.adv_lr);
    sum_r_ += l;
    ++n_r_;
}

double pivot_trainable::train_batch(const train::batch& b, double lr) {
    if (b.side.empty()) throw error("pivot training needs the nuisance as the data's first side column");
    const std::size_t n = b.n;
    z_.resize(n);
    for (std::size_t i = 0; i < n; ++i) z_[i] = p_.categorical ? b.side[0][i] : float((b.side[0][i] - z_mean_) / z_std_);
    if (epoch_ < p_.pretrain_f) return f_.train_step(b.x, b.y, b.w, {}, n, *bce_, of_, lr);
    if (epoch_ < p_.pretrain_f + p_.pretrain_r) {
        r_step(b, lr);
        return sum_r_ / double(n_r_);
    }
    const bool f_turn = count_ % (p_.k_steps + 1) == p_.k_steps;
    ++count_;
    if (!f_turn) {
        r_step(b, lr);
        return sum_r_ / double(n_r_);
    }
    const double e = f_.train_step(b.x, b.y, b.w, {z_.data()}, n, ploss_, of_, lr);
    sum_e_ += e;
    ++n_e_;
    return e;
}

double pivot_trainable::end_epoch(std::size_t epoch) {
    if (epoch < p_.pretrain_f) return NAN;
    if (n_e_) return sum_e_ / double(n_e_);
    return n_r_ ? sum_r_ / double(n_r_) : NAN;
}

train::evaluation pivot_trainable::validate(const data::labelled_set& va) {
    if (va.side.empty()) throw error("pivot validation needs the nuisance as the data's first side column");
    const std::size_t n = va.n, d = nll_.outputs();
    std::vector<float> z(n);
    f_.predict(va.x.data(), n, z.data());
    std::vector<float> s(n), out(n * d);
    for (std::size_t i = 0; i < n; ++i) s[i] = float(sigmoid(z[i]));
    r_.predict(s.data(), n, out.data());
    double wsum = 0, lsum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (p_.background_only && va.y[i] >= 0.5f) continue;
        const float zi = p_.categorical ? va.side[0].second[i] : float((va.side[0].second[i] - z_mean_) / z_std_);
        lsum += va.w[i] * nll_.row(&out[i * d], zi, nullptr);
        wsum += va.w[i];
    }
    double wall = 0;
    for (std::size_t i = 0; i < n; ++i) wall += va.w[i];
    val_lf_ = nn::loss_eval(nn::loss_kind::bce_logits, z.data(), va.y.data(), va.w.data(), n, 1, nullptr) * double(n) /
              std::max(wall, 1e-300);
    val_lr_ = (wsum > 0 ? lsum / wsum : NAN) + (p_.categorical ? 0.0 : std::log(z_std_));
    train::evaluation ev;
    ev.loss = val_lf_ - p_.lambda * val_lr_;
    const bool both = std::count(va.y.begin(), va.y.end(), 1.0f) > 0 && std::count(va.y.begin(), va.y.end(), 0.0f) > 0;
    if (both) ev.auc = jetml::auc(z.data(), va.y.data(), n, va.w.data());
    return ev;
}

std::string pivot_trainable::snapshot() {
    std::string s;
    append_params(s, f_);
    append_params(s, r_);
    return s;
}

void pivot_trainable::restore(const std::string& snap) {
    std::size_t off = read_params(snap, 0, f_);
    off = read_params(snap, off, r_);
    if (off != snap.size()) throw error("snapshot does not match the models");
}

train::saved_state pivot_trainable::save_state(const std::string& best) {
    train::saved_state s;
    nn::model_meta rmeta;
    rmeta.loss = "mse";  // raw outputs; the adversary's loss is named in the signature
    s.keys = {{"f_opt_steps", std::to_string(of_.steps())},
              {"r_opt_steps", std::to_string(or_.steps())},
              {"adv_count", std::to_string(count_)}};
    s.entries = {{"f.npz", nn::model_bytes(f_, fmeta_)},
                 {"r.npz", nn::model_bytes(r_, rmeta)},
                 {"best.bin", best},
                 {"f.optimizer.npy", train::optimizer_record(of_)},
                 {"r.optimizer.npy", train::optimizer_record(or_)}};
    return s;
}

std::string pivot_trainable::load_state(const std::map<std::string, std::string>& keys,
                                        const std::map<std::string, std::string>& e, const std::string& src) {
    for (const char* k : {"f_opt_steps", "r_opt_steps", "adv_count"})
        if (!keys.count(k)) throw error(src, std::string("not a pivot checkpoint (no ") + k + ")");
    f_ = nn::model_from_bytes(entry(e, "f.npz", src), src + ": f.npz");
    r_ = nn::model_from_bytes(entry(e, "r.npz", src), src + ": r.npz");
    load_optimiser(of_, f_, entry(e, "f.optimizer.npy", src), src, "f.optimizer.npy", keys.at("f_opt_steps"));
    load_optimiser(or_, r_, entry(e, "r.optimizer.npy", src), src, "r.optimizer.npy", keys.at("r_opt_steps"));
    try {
        count_ = std::stoull(keys.at("adv_count"));
    } catch (const std::exception&) {
        throw error(src, "malformed adv_count in state.txt");
    }
    return entry(e, "best.bin", src);
}

}  // namespace jetml::decor
