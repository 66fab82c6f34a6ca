// SPDX-License-Identifier: MIT
// jetml/flow/preprocess.hpp - the ANODE/CATHODE preprocessing of a flow's variables and its
// Jacobian: min-max scaling fitted on the training data, logit, standardisation.
//
// For each variable j (the conditions are passed through unchanged):
//   y = eps + (1 - 2 eps) (x - lo) / (hi - lo)     in [eps, 1 - eps] for x in [lo, hi]
//   l = log(y / (1 - y))                           finite: |l| <= log(1/eps)
//   s = (l - mean) / std                           mean, std of l over the training rows
// and log |ds/dx| = sum_j [log(1 - 2 eps) - log(hi - lo) - log(y (1 - y)) - log std], so
// log p(x|c) = log p_flow(s|c) + log |ds/dx|. The epsilon (default 1e-6) keeps the training set's
// own extremes finite (CATHODE's "logit with an epsilon"). Rows with a variable outside
// [lo, hi] (or not finite) are outside the fitted range: they are masked and counted, never
// transformed or scored.
// The conditions are standardised, c' = (c - cmean) / cstd, with the mean and standard deviation
// of the training rows (no Jacobian: the density is over x only), so a condition in TeV or in GeV
// trains alike; their fitted range [clo, chi] is kept for sampling, which refuses conditions
// outside it (log p of such a condition is an extrapolation, but computed). A preprocessing read
// from an older file without them (empty vectors) passes the conditions unchanged.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "jetml/flow/maf.hpp"

namespace jetml::flow {

/// The fitted preprocessing of D variables (rows [x | c] of D + C values).
struct preprocessing {
    std::size_t dim = 0, cond = 0;
    double eps = 1e-6;                       ///< logit epsilon, in (0, 0.5)
    std::vector<double> lo, hi, mean, std;   ///< per variable (D each)
    std::vector<double> clo, chi, cmean, cstd;  ///< per condition (C each, or empty: unchanged)

    /// True once fitted (dim > 0).
    bool fitted() const { return dim > 0; }
    /// Fits on n training rows xc (n, D + C). jetml::error for n = 0, a non-finite value, or a
    /// variable without spread (hi == lo).
    static preprocessing fit(const float* xc, std::size_t n, std::size_t dim, std::size_t cond, double eps = 1e-6);
    /// Transforms n rows into out (n, D + C) and log |ds/dx| into logjac (n) (may be null);
    /// inside[i] = 1 for rows within the fitted range, 0 for the others (whose out rows are zero
    /// and logjac NaN). Returns the number of rows outside.
    std::size_t apply(const float* xc, std::size_t n, float* out, double* logjac, std::vector<std::uint8_t>& inside) const;
    /// The inverse for n flow-space rows s (n, D) -> x (n, D) (sampling).
    void invert(const float* s, std::size_t n, float* x) const;
    /// The flow-space conditions of n rows c (n, C) into out (n, C).
    void apply_conditions(const float* c, std::size_t n, float* out) const;
    /// The first row of c (n, C) with a condition outside the fitted range [clo, chi] (or not
    /// finite), or n if there is none.
    std::size_t first_condition_outside(const float* c, std::size_t n) const;
};

/// What preprocessed_log_prob() found.
struct masked_result {
    std::size_t outside = 0;             ///< rows outside the fitted range
    std::vector<std::uint8_t> inside;    ///< per row: 1 scored, 0 masked
};

/// log p(x|c) in the original variables: the flow on the preprocessed rows plus the Jacobian.
/// Masked rows get NaN in out and are counted in the result.
masked_result preprocessed_log_prob(maf& m, const preprocessing& p, const float* xc, std::size_t n, double* out);

}  // namespace jetml::flow
