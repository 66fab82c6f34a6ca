// SPDX-License-Identifier: MIT
// jetml/data/regions.hpp - mixed samples defined by a rule on a column: a signal region of a
// side variable (mjj) against its sidebands, as the CWoLa hunt trains, and the weights that
// balance two mixtures (CWoLa, Metodiev, Nachman, Thaler 1708.02949).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace jetml::data {

/// Where a value falls: below the low sideband or above the high one (outside), in the low
/// sideband [sb_lo, sr_lo), the signal region [sr_lo, sr_hi), or the high sideband [sr_hi, sb_hi).
enum class region : std::uint8_t { outside, low_sideband, signal, high_sideband };

/// The edges of a signal region and its sidebands; sb_lo <= sr_lo < sr_hi <= sb_hi (an empty
/// sideband is allowed: sb_lo = sr_lo or sr_hi = sb_hi).
struct region_edges {
    double sb_lo, sr_lo, sr_hi, sb_hi;
    /// Throws jetml::usage_error unless the edges are finite and ordered as above.
    void check() const;
    region of(double v) const;
};

/// The region of every value (NaN is outside).
std::vector<region> classify(const std::vector<double>& v, const region_edges& e);

/// Counts of rows per region among `rows` (all rows when empty).
struct region_counts {
    std::size_t low = 0, signal = 0, high = 0;
    std::size_t total() const { return low + signal + high; }
};
region_counts count_regions(const std::vector<region>& r, const std::vector<std::size_t>& rows = {});

/// The CWoLa hunt's labels and weights for a row in region r, given the counts c of the set the
/// weights are normalised on (the training rows, also for the validation rows, as the reference
/// code does): signal region label 1 and weight 0.5 N/N_SR, each sideband label 0 and weight
/// 0.25 N/N_low or 0.25 N/N_high (N = c.total()), so the signal region weighs as much as the
/// two sidebands together and each sideband half of that. An empty sideband's share goes to
/// the other (0.5 N/N_other). Rows outside get weight 0.
float hunt_label(region r);
float hunt_weight(region r, const region_counts& c);

/// Weights that give two mixtures equal total weight: 0.5 N/N_m for a row of mixture m
/// (label 1 or 0), N = n1 + n0. Throws jetml::error if a mixture is empty.
std::vector<float> balance_mixtures(const std::vector<float>& label);

}  // namespace jetml::data
