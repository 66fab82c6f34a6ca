// SPDX-License-Identifier: MIT
// jetml/data/split.cpp - train/validation split, row selection and class weights.
#include "jetml/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "jetml/core/error.hpp"
#include "jetml/core/rng.hpp"
#include "jetml/data/dataset.hpp"
#include "jetml/io/csv.hpp"

namespace jetml::data {

labelled_set take_rows(const labelled_set& s, const std::vector<std::size_t>& idx) {
    labelled_set d;
    d.shape = s.shape;
    d.size = s.size;
    d.n = idx.size();
    d.x.resize(d.n * s.size);
    d.y.resize(d.n);
    d.w.resize(d.n);
    for (std::size_t k = 0; k < idx.size(); ++k) {
        if (s.size) std::memcpy(&d.x[k * s.size], &s.x[idx[k] * s.size], s.size * sizeof(float));
        d.y[k] = s.y[idx[k]];
        d.w[k] = s.w[idx[k]];
    }
    for (const auto& [name, col] : s.side) {
        std::vector<float> c(d.n);
        for (std::size_t k = 0; k < idx.size(); ++k) c[k] = col[idx[k]];
        d.side.emplace_back(name, std::move(c));
    }
    return d;
}

std::vector<std::size_t> validation_rows(std::size_t n, double val_split, std::uint64_t seed) {
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    jetml::rng r(seed, 0x5EED5917ull);
    for (std::size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[r.below(i)]);
    const auto nv = static_cast<std::size_t>(std::floor(val_split * double(n)));
    idx.resize(nv);
    std::sort(idx.begin(), idx.end());
    return idx;
}

split_sets split(const labelled_set& all, double val_split, std::uint64_t seed) {
    const std::vector<std::size_t> vi = validation_rows(all.n, val_split, seed);
    std::vector<std::size_t> ti;
    ti.reserve(all.n - vi.size());
    for (std::size_t i = 0, k = 0; i < all.n; ++i) {
        if (k < vi.size() && vi[k] == i) ++k;
        else ti.push_back(i);
    }
    return {take_rows(all, ti), take_rows(all, vi)};
}

std::vector<double> class_weight_sums(const labelled_set& s) {
    std::vector<double> sw{0, 0};
    for (std::size_t i = 0; i < s.n; ++i) sw[s.y[i] > 0.5f] += s.w[i];
    return sw;
}

namespace {
bool parse_factors(const std::string& spec, double& fs, double& fb) {
    auto parts = jetml::split_list(spec, ':');
    return parts.size() == 2 && jetml::parse_double(parts[0], fs) && jetml::parse_double(parts[1], fb) && fs > 0 &&
           fb > 0;
}
}  // namespace

void check_class_weight(const std::string& spec) {
    double fs, fb;
    if (spec != "none" && spec != "balanced" && !parse_factors(spec, fs, fb))
        throw usage_error("--class-weight must be none, balanced or S:B with positive numbers, got '" + spec + "'");
}

void apply_class_weight(labelled_set& s, const std::string& spec) {
    check_classes(s.y, s.w);
    const auto sw = class_weight_sums(s);
    double fs = 1, fb = 1;
    if (spec == "balanced") {
        fs = 0.5 * (sw[0] + sw[1]) / sw[1];
        fb = 0.5 * (sw[0] + sw[1]) / sw[0];
    } else if (spec != "none") {
        check_class_weight(spec);
        parse_factors(spec, fs, fb);
    }
    for (std::size_t i = 0; i < s.n; ++i) s.w[i] *= s.y[i] > 0.5f ? float(fs) : float(fb);
}

}  // namespace jetml::data
