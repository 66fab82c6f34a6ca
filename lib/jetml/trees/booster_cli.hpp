// SPDX-License-Identifier: MIT
// jetml/trees/booster_cli.hpp - the booster options of train --arch bdt, declared once.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "jetml/trees/booster.hpp"

namespace jetml::trees {

/// The booster's options as parsed (--growth as text until booster_from_options).
struct booster_options {
    booster_params p;
    std::string growth = "depthwise";
};

/// Declares --trees, --depth, --leaves, --growth, --bins, --lambda, --min-child-weight,
/// --min-split-gain, --subsample and --colsample on `app`, bound to `o`. The learning rate and
/// patience are train's --lr and --patience (see booster_from_options).
inline void add_booster_options(CLI::App& app, booster_options& o) {
    auto* g = &app;
    g->add_option("--trees", o.p.trees, "bdt: boosting rounds (trees), at most")->capture_default_str();
    g->add_option("--depth", o.p.max_depth, "bdt: maximum tree depth (0 = no limit, needs --leaves)")->capture_default_str();
    g->add_option("--leaves", o.p.max_leaves, "bdt: maximum leaves per tree (0 = no limit)")->capture_default_str();
    g->add_option("--growth", o.growth, "bdt: depthwise (level by level) or leafwise (best leaf first)")
        ->check(CLI::IsMember({"depthwise", "leafwise"}))
        ->capture_default_str();
    g->add_option("--bins", o.p.max_bins, "bdt: quantile bins per feature, 2..255 (NaN has its own)")->capture_default_str();
    g->add_option("--lambda", o.p.lambda, "bdt: L2 regularisation of the leaf values")->capture_default_str();
    g->add_option("--min-child-weight", o.p.min_child_weight, "bdt: least hessian sum in a child")->capture_default_str();
    g->add_option("--min-split-gain", o.p.min_split_gain, "bdt: least gain of a split")->capture_default_str();
    g->add_option("--subsample", o.p.subsample, "bdt: fraction of rows drawn for each tree")->capture_default_str();
    g->add_option("--colsample", o.p.colsample, "bdt: fraction of features drawn for each tree")->capture_default_str();
}

/// The booster options of add_booster_options that were given on the command line (for the
/// "ignored because" warning of a run whose --arch is not bdt).
inline std::vector<std::string> given_booster_options(const CLI::App& app) {
    std::vector<std::string> out;
    for (const char* o : {"--trees", "--depth", "--leaves", "--growth", "--bins", "--lambda", "--min-child-weight",
                          "--min-split-gain", "--subsample", "--colsample"})
        if (app.count(o)) out.emplace_back(o);
    return out;
}

/// The booster's settings after parsing: --growth resolved, the learning rate from --lr when
/// given (else 0.1), patience from --patience when given (else 10), seed from --seed. Checks
/// the values (usage_error).
inline booster_params booster_from_options(const booster_options& o, const CLI::App& app, double lr,
                                           std::size_t patience, std::uint64_t seed) {
    booster_params p = o.p;
    p.grow = o.growth == "leafwise" ? growth::leafwise : growth::depthwise;
    if (app.count("--lr")) p.learning_rate = lr;
    if (app.count("--patience")) p.patience = patience;
    p.seed = seed;
    p.check();
    return p;
}

}  // namespace jetml::trees
