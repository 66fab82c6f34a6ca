// SPDX-License-Identifier: MIT
// jetml/nn/optim.hpp - optimisers (SGD with momentum, Adam, AdamW), L2 weight decay and
// learning-rate schedules.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jetml/nn/layer.hpp"

namespace jetml::nn {

enum class optim_kind { sgd, adam, adamw };

/// Optimiser settings. Conventions follow PyTorch's torch.optim:
///  sgd:   g += wd*p;  v = momentum*v + g (v = g on the first step);  p -= lr * (nesterov ? g + momentum*v : v)
///  adam:  g += wd*p (L2, coupled); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
///         p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
///  adamw: as adam without the coupled term, plus decoupled decay p -= lr*wd*p before the step.
/// Weight decay applies only to parameters marked `decay` (weights, not biases or batchnorm).
struct optim_config {
    optim_kind kind = optim_kind::adam;
    double lr = 1e-3;
    double momentum = 0.9;  ///< sgd only
    bool nesterov = false;  ///< sgd only
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0.0;
};

/// "sgd", "adam", "adamw" (usage_error otherwise).
optim_kind parse_optim(const std::string& s);
const char* optim_name(optim_kind k);

/// Applies optimiser steps to a fixed list of parameters; its state is allocated on the
/// first step, never afterwards.
class optimizer {
public:
    explicit optimizer(const optim_config& c) : cfg_(c) {}
    /// One update of every trainable parameter from its grad, at learning rate `lr`.
    void step(const std::vector<param*>& ps, double lr);
    /// The same step in two parts, for callers that update inside their own parallel region:
    /// begin_step once per step (serially; allocates the state on the first step), then
    /// update elements [j0, j1) of parameter i of that list from any thread (disjoint ranges).
    void begin_step(const std::vector<param*>& ps);
    void update(std::size_t i, param& p, double lr, std::size_t j0, std::size_t j1);
    /// Same, at the configured learning rate.
    void step(const std::vector<param*>& ps) { step(ps, cfg_.lr); }
    const optim_config& config() const { return cfg_; }
    std::uint64_t steps() const { return t_; }
    /// Moment buffers (one per trainable parameter, empty before the first step) and the
    /// step count, exposed so that checkpoints can save and restore them exactly.
    std::vector<buffer>& state_m() { return m_; }
    std::vector<buffer>& state_v() { return v_; }
    void set_steps(std::uint64_t t) { t_ = t; }

private:
    optim_config cfg_;
    std::vector<buffer> m_, v_;
    std::uint64_t t_ = 0;
};

/// Learning rate as a function of the epoch (0-based).
///  constant: lr;  step: lr * gamma^floor(epoch / step_size);
///  cosine: min_lr + (lr - min_lr) * (1 + cos(pi * epoch / epochs)) / 2.
struct lr_schedule {
    enum class kind { constant, step, cosine } type = kind::constant;
    double lr = 1e-3;
    std::size_t step_size = 10;
    double gamma = 0.1;
    std::size_t epochs = 1;  ///< cosine period
    double min_lr = 0.0;
    double at(std::size_t epoch) const;
    /// Parses "constant", "step:SIZE[:GAMMA]" or "cosine[:MIN_LR]" (epochs set separately).
    static lr_schedule parse(const std::string& s, double lr, std::size_t epochs);
};

}  // namespace jetml::nn
