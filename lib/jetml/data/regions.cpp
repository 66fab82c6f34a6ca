// SPDX-License-Identifier: MIT
// jetml/data/regions.cpp - signal region and sidebands, hunt weights, mixture balancing.
#include "jetml/data/regions.hpp"

#include <cmath>

#include "jetml/core/error.hpp"
#include "jetml/io/csv.hpp"

namespace jetml::data {

void region_edges::check() const {
    const bool finite = std::isfinite(sb_lo) && std::isfinite(sr_lo) && std::isfinite(sr_hi) && std::isfinite(sb_hi);
    if (!finite || !(sb_lo <= sr_lo && sr_lo < sr_hi && sr_hi <= sb_hi))
        throw usage_error("the regions need sideband low <= signal region low < signal region high <= sideband high, got " +
                          format_double(sb_lo) + ", " + format_double(sr_lo) + ", " + format_double(sr_hi) + ", " +
                          format_double(sb_hi));
}

region region_edges::of(double v) const {
    if (!(v >= sb_lo) || !(v < sb_hi)) return region::outside;
    if (v < sr_lo) return region::low_sideband;
    if (v < sr_hi) return region::signal;
    return region::high_sideband;
}

std::vector<region> classify(const std::vector<double>& v, const region_edges& e) {
    std::vector<region> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) r[i] = e.of(v[i]);
    return r;
}

region_counts count_regions(const std::vector<region>& r, const std::vector<std::size_t>& rows) {
    region_counts c;
    auto add = [&](region x) {
        if (x == region::low_sideband) ++c.low;
        else if (x == region::signal) ++c.signal;
        else if (x == region::high_sideband) ++c.high;
    };
    if (rows.empty())
        for (region x : r) add(x);
    else
        for (std::size_t i : rows) add(r[i]);
    return c;
}

float hunt_label(region r) { return r == region::signal ? 1.0f : 0.0f; }

float hunt_weight(region r, const region_counts& c) {
    const double n = double(c.total());
    const double low_share = c.high == 0 ? 0.5 : 0.25, high_share = c.low == 0 ? 0.5 : 0.25;
    switch (r) {
        case region::signal: return c.signal ? float(0.5 * n / double(c.signal)) : 0.0f;
        case region::low_sideband: return c.low ? float(low_share * n / double(c.low)) : 0.0f;
        case region::high_sideband: return c.high ? float(high_share * n / double(c.high)) : 0.0f;
        case region::outside: break;
    }
    return 0.0f;
}

std::vector<float> balance_mixtures(const std::vector<float>& label) {
    std::size_t n1 = 0;
    for (float y : label) n1 += y > 0.5f;
    const std::size_t n0 = label.size() - n1;
    if (n1 == 0 || n0 == 0) throw error(std::string("mixture ") + (n1 == 0 ? "M1 (label 1)" : "M2 (label 0)") + " is empty");
    const double n = double(label.size());
    const float w1 = float(0.5 * n / double(n1)), w0 = float(0.5 * n / double(n0));
    std::vector<float> w(label.size());
    for (std::size_t i = 0; i < label.size(); ++i) w[i] = label[i] > 0.5f ? w1 : w0;
    return w;
}

}  // namespace jetml::data
