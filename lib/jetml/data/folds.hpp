// SPDX-License-Identifier: MIT
// jetml/data/folds.hpp - k-fold splits for weakly supervised searches: folds drawn within each
// stratum (an mjj bin), so every bin is split in the same proportions, and the nested plan of
// the CWoLa hunt (Collins, Howe, Nachman 1902.02634): for each test fold k, each other fold l
// validates a training on the remaining k - 2 folds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace jetml::data {

/// The fold (0..k-1) of every row: within each stratum (rows with equal stratum[i]; strata are
/// small non-negative integers, e.g. bin numbers), the rows are shuffled with rng(seed, stratum)
/// and cut into k contiguous slices [floor(m j / k), floor(m (j + 1) / k)), as the reference
/// code splits each bin. Fold sizes within a stratum differ by at most one. k >= 2.
std::vector<std::uint32_t> stratified_folds(const std::vector<std::uint32_t>& stratum, std::size_t k,
                                            std::uint64_t seed);

/// The (test, validation) fold pairs of a nested k-fold: for test k in 0..folds-1, every
/// validation l != k in increasing order; folds * (folds - 1) pairs.
std::vector<std::pair<std::size_t, std::size_t>> nested_fold_pairs(std::size_t folds);

/// Row indices whose fold is `fold`, and those whose fold is neither `a` nor `b`.
std::vector<std::size_t> rows_in_fold(const std::vector<std::uint32_t>& fold_of, std::size_t fold);
std::vector<std::size_t> rows_outside_folds(const std::vector<std::uint32_t>& fold_of, std::size_t a, std::size_t b);

}  // namespace jetml::data
