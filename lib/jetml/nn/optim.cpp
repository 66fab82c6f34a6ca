// SPDX-License-Identifier: MIT
// jetml/nn/optim.cpp - SGD/Adam/AdamW updates and learning-rate schedules.
#include "jetml/nn/optim.hpp"

#include <cmath>
#include <cstdlib>

#include <omp.h>

#include "jetml/core/error.hpp"
#include "jetml/nn/kernels.hpp"

namespace jetml::nn {

optim_kind parse_optim(const std::string& s) {
    if (s == "sgd") return optim_kind::sgd;
    if (s == "adam") return optim_kind::adam;
    if (s == "adamw") return optim_kind::adamw;
    throw usage_error("unknown optimiser '" + s + "' (known: sgd, adam, adamw)");
}

const char* optim_name(optim_kind k) {
    switch (k) {
        case optim_kind::sgd: return "sgd";
        case optim_kind::adam: return "adam";
        case optim_kind::adamw: return "adamw";
    }
    return "?";
}

void optimizer::begin_step(const std::vector<param*>& ps) {
    if (m_.size() != ps.size()) {  // first step: allocate state once
        m_.assign(ps.size(), buffer());
        v_.assign(ps.size(), buffer());
        for (std::size_t i = 0; i < ps.size(); ++i) {
            m_[i].resize(ps[i]->size());
            m_[i].fill(0.0f);
            if (cfg_.kind != optim_kind::sgd) {
                v_[i].resize(ps[i]->size());
                v_[i].fill(0.0f);
            }
        }
    }
    ++t_;
}

void optimizer::update(std::size_t i, param& p, double lr, std::size_t j0, std::size_t j1) {
    if (!p.trainable || j1 <= j0) return;
    const double wd = cfg_.weight_decay;
    const float d = p.decay ? float(wd) : 0.0f;
    if (cfg_.kind == optim_kind::sgd) {
        const float mom = float(cfg_.momentum);
        float* v = m_[i].data();
        float* x = p.value.data();
        const float* g0 = p.grad.data();
        for (std::size_t j = j0; j < j1; ++j) {
            float g = g0[j] + d * x[j];
            if (mom != 0.0f) {
                v[j] = t_ == 1 ? g : mom * v[j] + g;
                g = cfg_.nesterov ? g + mom * v[j] : v[j];
            }
            x[j] -= float(lr) * g;
        }
        return;
    }
    const double b1 = cfg_.beta1, b2 = cfg_.beta2;
    const double c1 = 1.0 - std::pow(b1, double(t_)), c2 = 1.0 - std::pow(b2, double(t_));
    adam_params a;
    a.b1 = float(b1), a.b2 = float(b2);
    a.step = float(lr / c1), a.isc2 = float(1.0 / std::sqrt(c2)), a.eps = float(cfg_.eps);
    a.decoupled = cfg_.kind == optim_kind::adamw;
    a.l2 = d;
    a.decay = 1.0f - float(lr) * d;
    adam_update(a, j1 - j0, p.value.data() + j0, m_[i].data() + j0, v_[i].data() + j0,
                p.grad.data() + j0);
}

void optimizer::step(const std::vector<param*>& ps, double lr) {
    begin_step(ps);
    std::size_t total = 0;
    for (const param* p : ps) total += p->trainable ? p->size() : 0;
    // One parallel region for the whole model, every array split into contiguous per-thread
    // shares: the update is elementwise, so the result does not depend on the split.
    const int nth = total >= (std::size_t(1) << 15) && !omp_in_parallel() ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(nth)
    {
        const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
        for (std::size_t i = 0; i < ps.size(); ++i) {
            std::size_t j0, j1;
            split_range(ps[i]->size(), ith, nt, j0, j1);
            update(i, *ps[i], lr, j0, j1);
        }
    }
}

double lr_schedule::at(std::size_t epoch) const {
    switch (type) {
        case kind::constant: return lr;
        case kind::step: return lr * std::pow(gamma, double(epoch / std::max<std::size_t>(step_size, 1)));
        case kind::cosine: {
            const double pi = 3.14159265358979323846;
            double f = epochs ? std::min(1.0, double(epoch) / double(epochs)) : 1.0;
            return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(pi * f));
        }
    }
    return lr;
}

lr_schedule lr_schedule::parse(const std::string& s, double lr, std::size_t epochs) {
    lr_schedule r;
    r.lr = lr;
    r.epochs = epochs;
    std::vector<std::string> f;
    std::size_t b = 0;
    for (;;) {
        std::size_t e = s.find(':', b);
        f.push_back(s.substr(b, e - b));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    auto num = [&](const std::string& t) {
        char* end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (t.empty() || *end) throw usage_error("learning-rate schedule '" + s + "': bad number '" + t + "'");
        return v;
    };
    if (f[0] == "constant" && f.size() == 1) {
        r.type = kind::constant;
    } else if (f[0] == "step" && (f.size() == 2 || f.size() == 3)) {
        r.type = kind::step;
        double n = num(f[1]);
        if (n < 1) throw usage_error("learning-rate schedule '" + s + "': step size must be >= 1");
        r.step_size = std::size_t(n);
        if (f.size() == 3) r.gamma = num(f[2]);
    } else if (f[0] == "cosine" && f.size() <= 2) {
        r.type = kind::cosine;
        if (f.size() == 2) r.min_lr = num(f[1]);
    } else {
        throw usage_error("unknown learning-rate schedule '" + s +
                          "' (known: constant, step:SIZE[:GAMMA], cosine[:MIN_LR])");
    }
    return r;
}

}  // namespace jetml::nn
