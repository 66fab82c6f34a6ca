// SPDX-License-Identifier: MIT
// jetml/data/folds.cpp - stratified and nested k-fold splits (see folds.hpp).
#include "jetml/data/folds.hpp"

#include <algorithm>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"

namespace jetml::data {

std::vector<std::uint32_t> stratified_folds(const std::vector<std::uint32_t>& stratum, std::size_t k,
                                            std::uint64_t seed) {
    if (k < 2) throw usage_error("k-fold needs at least 2 folds, got " + std::to_string(k));
    std::uint32_t ns = 0;
    for (auto s : stratum) ns = std::max(ns, s + 1);
    std::vector<std::vector<std::size_t>> rows(ns);
    for (std::size_t i = 0; i < stratum.size(); ++i) rows[stratum[i]].push_back(i);
    std::vector<std::uint32_t> fold(stratum.size(), 0);
    for (std::uint32_t s = 0; s < ns; ++s) {
        auto& r = rows[s];
        rng g(seed, 0x464f4c44ull + s);  // "FOLD" + stratum: one stream per stratum
        for (std::size_t i = r.size(); i > 1; --i) std::swap(r[i - 1], r[g.below(i)]);  // Fisher-Yates
        const std::size_t m = r.size();
        for (std::size_t j = 0; j < k; ++j)
            for (std::size_t i = m * j / k; i < m * (j + 1) / k; ++i) fold[r[i]] = std::uint32_t(j);
    }
    return fold;
}

std::vector<std::pair<std::size_t, std::size_t>> nested_fold_pairs(std::size_t folds) {
    std::vector<std::pair<std::size_t, std::size_t>> p;
    for (std::size_t k = 0; k < folds; ++k)
        for (std::size_t l = 0; l < folds; ++l)
            if (l != k) p.emplace_back(k, l);
    return p;
}

std::vector<std::size_t> rows_in_fold(const std::vector<std::uint32_t>& fold_of, std::size_t fold) {
    std::vector<std::size_t> r;
    for (std::size_t i = 0; i < fold_of.size(); ++i)
        if (fold_of[i] == fold) r.push_back(i);
    return r;
}

std::vector<std::size_t> rows_outside_folds(const std::vector<std::uint32_t>& fold_of, std::size_t a, std::size_t b) {
    std::vector<std::size_t> r;
    for (std::size_t i = 0; i < fold_of.size(); ++i)
        if (fold_of[i] != a && fold_of[i] != b) r.push_back(i);
    return r;
}

}  // namespace jetml::data
