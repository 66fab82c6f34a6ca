// SPDX-License-Identifier: MIT
// jetml/trees/bins.hpp - quantile binning of features for histogram tree boosting.
//
// Each feature gets at most max_bins - 1 ascending edges e_0 < e_1 < ...; a finite value x falls
// in bin b = the first b with x <= e_b (the last bin, number edges.size(), holds x > every edge).
// NaN falls in the missing bin, number 255, whatever the feature's bin count. So "bin <= b" is
// exactly "x <= e_b": a tree grown on bins predicts on raw values with thresholds e_b, bitwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace jetml::trees {

/// The bin of missing values (NaN); regular bins are 0..254.
constexpr std::uint8_t missing_bin = 255;
/// The largest number of regular bins per feature.
constexpr std::size_t max_bins_limit = 255;

/// The bin edges of every feature.
struct bin_edges {
    std::vector<std::vector<float>> edges;  ///< per feature, ascending, at most max_bins - 1
    std::vector<bool> has_missing;          ///< per feature: NaN seen when the edges were fitted
    /// Number of features.
    std::size_t features() const { return edges.size(); }
    /// Regular bins of feature f (edges + 1; 1 for a constant or all-NaN feature).
    std::size_t bins(std::size_t f) const { return edges[f].size() + 1; }
    /// The bin of value x of feature f.
    std::uint8_t bin(std::size_t f, float x) const;
};

/// Fits the edges of the d features of x (n, d), row-major. With more than `sample` rows the
/// quantiles come from `sample` rows drawn without replacement by jetml::rng(seed, 0xB1); a
/// feature with at most max_bins distinct finite values gets the midpoints between them,
/// otherwise the values at the quantiles k / max_bins (duplicates merged). max_bins in
/// [2, 255]. Features are fitted in parallel; the result does not depend on the thread count.
bin_edges fit_bins(const float* x, std::size_t n, std::size_t d, std::size_t max_bins, std::uint64_t seed,
                   std::size_t sample = 200000);

/// The bins of x (n, d) column-major: out[f * n + i] is the bin of x[i * d + f].
std::vector<std::uint8_t> apply_bins(const bin_edges& e, const float* x, std::size_t n);

}  // namespace jetml::trees
