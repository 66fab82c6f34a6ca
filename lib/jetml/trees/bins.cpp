// SPDX-License-Identifier: MIT
// jetml/trees/bins.cpp - quantile bin edges and binning.
#include "jetml/trees/bins.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "jetml/core/rng.hpp"

namespace jetml::trees {

std::uint8_t bin_edges::bin(std::size_t f, float x) const {
    if (std::isnan(x)) return missing_bin;
    const auto& e = edges[f];
    return std::uint8_t(std::lower_bound(e.begin(), e.end(), x) - e.begin());
}

bin_edges fit_bins(const float* x, std::size_t n, std::size_t d, std::size_t max_bins, std::uint64_t seed,
                   std::size_t sample) {
    bin_edges out;
    out.edges.resize(d);
    out.has_missing.assign(d, false);
    // the rows the quantiles come from: all, or a seeded partial Fisher-Yates draw, sorted
    std::vector<std::size_t> rows;
    if (n > sample) {
        std::vector<std::size_t> all(n);
        std::iota(all.begin(), all.end(), std::size_t(0));
        rng r(seed, 0xB1);
        for (std::size_t i = 0; i < sample; ++i) std::swap(all[i], all[i + r.below(n - i)]);
        rows.assign(all.begin(), all.begin() + long(sample));
        std::sort(rows.begin(), rows.end());
    }
    const std::size_t m = rows.empty() ? n : rows.size();
    std::vector<char> missing(d, 0);
#pragma omp parallel for schedule(dynamic, 1)
    for (long long fl = 0; fl < (long long)d; ++fl) {
        const std::size_t f = std::size_t(fl);
        std::vector<float> v;
        v.reserve(m);
        for (std::size_t k = 0; k < m; ++k) {
            const float a = x[(rows.empty() ? k : rows[k]) * d + f];
            if (std::isnan(a)) missing[f] = 1;
            else v.push_back(a);
        }
        // NaN in rows outside the sample still counts as missing
        if (!rows.empty() && !missing[f])
            for (std::size_t i = 0; i < n && !missing[f]; ++i)
                if (std::isnan(x[i * d + f])) missing[f] = 1;
        std::sort(v.begin(), v.end());
        std::vector<float> distinct;
        for (float a : v)
            if (distinct.empty() || a != distinct.back()) distinct.push_back(a);
        std::vector<float>& e = out.edges[f];
        if (distinct.size() <= max_bins) {
            for (std::size_t k = 1; k < distinct.size(); ++k) {
                const float a = distinct[k - 1], b = distinct[k];
                float mid = float(0.5 * (double(a) + double(b)));
                if (!(mid >= a && mid < b)) mid = a;  // rounding met b: a itself still separates them
                e.push_back(mid);
            }
        } else {
            for (std::size_t k = 1; k < max_bins; ++k) {
                const float q = v[std::min(v.size() - 1, k * v.size() / max_bins)];
                // the top value as an edge would leave the last bin empty
                if (q < distinct.back() && (e.empty() || q > e.back())) e.push_back(q);
            }
        }
    }
    for (std::size_t f = 0; f < d; ++f) out.has_missing[f] = missing[f] != 0;
    return out;
}

std::vector<std::uint8_t> apply_bins(const bin_edges& e, const float* x, std::size_t n) {
    const std::size_t d = e.features();
    std::vector<std::uint8_t> b(n * d);
#pragma omp parallel for schedule(static)
    for (long long fl = 0; fl < (long long)d; ++fl) {
        const std::size_t f = std::size_t(fl);
        std::uint8_t* o = b.data() + f * n;
        for (std::size_t i = 0; i < n; ++i) o[i] = e.bin(f, x[i * d + f]);
    }
    return b;
}

}  // namespace jetml::trees
