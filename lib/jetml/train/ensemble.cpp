// SPDX-License-Identifier: MIT
// jetml/train/ensemble.cpp - the K best epochs by validation loss (see ensemble.hpp).
#include "jetml/train/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"

namespace jetml::train {

epoch_ensemble::epoch_ensemble(trainable& inner, std::size_t k) : inner_(inner), k_(k) {
    if (k == 0) throw usage_error("an epoch ensemble needs at least one member");
}

void epoch_ensemble::signature(fit_signature& s) const {
    inner_.signature(s);
    s.set("ensemble", "epoch ensemble size", std::to_string(k_));
}

double epoch_ensemble::end_epoch(std::size_t epoch) {
    epoch_ = epoch + 1;
    return inner_.end_epoch(epoch);
}

evaluation epoch_ensemble::validate(const data::labelled_set& va) {
    const evaluation ev = inner_.validate(va);
    if (!std::isfinite(ev.loss)) return ev;
    // insert after every member of equal or lower loss, so the earlier epoch wins a tie
    auto at = std::upper_bound(kept_.begin(), kept_.end(), ev.loss, [](double l, const member& m) { return l < m.loss; });
    if (std::size_t(at - kept_.begin()) < k_) {
        kept_.insert(at, member{epoch_, ev.loss, inner_.snapshot()});
        if (kept_.size() > k_) kept_.pop_back();
    }
    return ev;
}

saved_state epoch_ensemble::save_state(const std::string& best) {
    saved_state s = inner_.save_state(best);
    std::string list;
    for (std::size_t i = 0; i < kept_.size(); ++i) {
        list += (i ? " " : "") + std::to_string(kept_[i].epoch) + ":" + format_double(kept_[i].loss);
        s.entries.push_back({"ensemble." + std::to_string(i), kept_[i].snap});
    }
    s.keys.push_back({"ensemble", list});
    s.keys.push_back({"ensemble_epoch", std::to_string(epoch_)});
    return s;
}

std::string epoch_ensemble::load_state(const std::map<std::string, std::string>& keys,
                                       const std::map<std::string, std::string>& entries, const std::string& src) {
    std::string best = inner_.load_state(keys, entries, src);
    kept_.clear();
    auto it = keys.find("ensemble");
    if (it == keys.end()) throw error(src, "the checkpoint holds no epoch ensemble");
    std::istringstream in(it->second);
    std::string item;
    while (in >> item) {
        auto c = item.find(':');
        double loss = 0;
        std::size_t epoch = 0;
        try {
            epoch = std::stoull(item.substr(0, c));
        } catch (const std::exception&) {
            c = std::string::npos;
        }
        const std::string name = "ensemble." + std::to_string(kept_.size());
        if (c == std::string::npos || !parse_double(item.substr(c + 1), loss) || !entries.count(name))
            throw error(src, "malformed epoch ensemble in state.txt");
        kept_.push_back(member{epoch, loss, entries.at(name)});
    }
    auto ep = keys.find("ensemble_epoch");
    if (ep != keys.end()) epoch_ = std::strtoull(ep->second.c_str(), nullptr, 10);
    return best;
}

}  // namespace jetml::train
