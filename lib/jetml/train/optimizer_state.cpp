// SPDX-License-Identifier: MIT
// jetml/train/optimizer_state.cpp
#include "jetml/train/optimizer_state.hpp"

#include <cstring>

#include "jetml/core/error.hpp"
#include "jetml/io/npz.hpp"

namespace jetml::train {

std::string optimizer_record(nn::optimizer& o) {
    std::vector<float> ms;
    for (auto& b : o.state_m()) ms.insert(ms.end(), b.begin(), b.end());
    for (auto& b : o.state_v()) ms.insert(ms.end(), b.begin(), b.end());
    return jetml::npy_record({ms.size()}, ms.data(), ms.size());
}

void load_optimizer_record(nn::optimizer& o, const std::vector<nn::param*>& ps, const std::string& rec,
                           const std::string& src, const std::string& entry, const std::string& mismatch) {
    const std::vector<float> ms = jetml::parse_npy_record(rec, src, entry);
    if (ms.empty()) return;
    std::size_t total = 0;
    for (auto* p : ps) total += p->size();
    const bool has_v = o.config().kind != nn::optim_kind::sgd;
    if (ms.size() != total * (has_v ? 2 : 1)) throw error(src, mismatch);
    o.state_m().assign(ps.size(), nn::buffer());
    o.state_v().assign(ps.size(), nn::buffer());
    std::size_t off = 0;
    for (int part = 0; part < (has_v ? 2 : 1); ++part)
        for (std::size_t i = 0; i < ps.size(); ++i) {
            auto& b = part == 0 ? o.state_m()[i] : o.state_v()[i];
            b.resize(ps[i]->size());
            std::memcpy(b.data(), ms.data() + off, ps[i]->size() * sizeof(float));
            off += ps[i]->size();
        }
}

}  // namespace jetml::train
