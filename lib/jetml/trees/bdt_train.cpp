// SPDX-License-Identifier: MIT
// jetml/trees/bdt_train.cpp - train --arch bdt.
#include "jetml/trees/bdt_train.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "jetml/core/cli.hpp"
#include "jetml/trees/bdt_file.hpp"

namespace jetml::trees {

std::vector<std::string> importance_lines(const ensemble& m, const std::vector<std::string>& features) {
    std::vector<std::size_t> order(m.features);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return m.importance_gain[a] > m.importance_gain[b]; });
    double total = 0;
    for (double g : m.importance_gain) total += g;
    std::vector<std::string> lines;
    for (std::size_t f : order) {
        if (m.importance_splits[f] == 0) continue;
        const std::string name = features.size() == m.features ? features[f] : "x" + std::to_string(f);
        char b[200];
        std::snprintf(b, sizeof b, "%-16s gain %12.6g (%5.1f %%)  splits %6.0f", name.c_str(), m.importance_gain[f],
                      total > 0 ? 100 * m.importance_gain[f] / total : 0.0, m.importance_splits[f]);
        lines.push_back(b);
    }
    return lines;
}

void train_bdt(const jetml::tool& t, const booster_params& p, const data::labelled_set& tr,
               const data::labelled_set& va, const std::vector<std::string>& features, const std::string& out_path,
               const std::vector<std::pair<std::string, std::string>>& extra) {
    t.info("booster: %s", p.description().c_str());
    std::function<void(const round_report&)> report;
    if (t.verbosity >= 1)
        report = [&](const round_report& r) {
            t.info("round %zu: %zu leaves, training loss %.6f, validation loss %.6f", r.round, r.leaves, r.train_loss,
                   r.val_loss);
        };
    boost_result r = fit_booster(tr, va, p, report);
    bdt_meta meta;
    meta.input_shape = tr.shape;
    meta.features = features;
    meta.params = p;
    meta.rounds_done = r.rounds_done;
    meta.best_round = r.best_round;
    meta.stopped_early = r.stopped_early;
    meta.best_val_loss = r.best_val_loss;
    meta.extra = extra;
    save_bdt(out_path, r.model, meta);
    if (t.verbosity >= 1) {
        t.info("feature importance (summed split gain, split count):");
        for (const auto& l : importance_lines(r.model, features)) t.info("  %s", l.c_str());
    }
    t.note("kept %zu trees of %zu rounds (%s loss %.5f%s) in %s", r.model.trees.size(), r.rounds_done,
           va.n ? "validation" : "no validation", va.n ? r.best_val_loss : 0.0, r.stopped_early ? ", stopped early" : "",
           out_path.c_str());
}

}  // namespace jetml::trees
