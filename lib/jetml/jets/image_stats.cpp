// SPDX-License-Identifier: MIT
// jetml/jets/image_stats.cpp - jet images: per-pixel dataset statistics and standardisation.
#include "jetml/jets/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "jetml/core/error.hpp"
#include "jetml/io/npy.hpp"

namespace jetml::image {

//---------------------------------------------------------------------------------------------
// dataset statistics

pixel_stats::pixel_stats(std::size_t pixels) : s1_(pixels, 0.0), s2_(pixels, 0.0), s3_(pixels, 0.0), s4_(pixels, 0.0) {}

void pixel_stats::add(const float* im) {
    for (std::size_t q = 0; q < s1_.size(); ++q) {
        const double v = im[q], v2 = v * v;
        s1_[q] += v, s2_[q] += v2, s3_[q] += v2 * v, s4_[q] += v2 * v2;
    }
    ++n_;
}

void pixel_stats::merge(const pixel_stats& o) {
    for (std::size_t q = 0; q < s1_.size(); ++q) s1_[q] += o.s1_[q], s2_[q] += o.s2_[q], s3_[q] += o.s3_[q], s4_[q] += o.s4_[q];
    n_ += o.n_;
}

std::vector<double> pixel_stats::table() const {
    const std::size_t P = s1_.size();
    std::vector<double> t(4 * P, 0.0);
    if (n_ == 0) return t;
    const double n = double(n_);
    for (std::size_t q = 0; q < P; ++q) {
        const double mu = s1_[q] / n, e2 = s2_[q] / n, e3 = s3_[q] / n, e4 = s4_[q] / n;
        const double var = std::max(0.0, e2 - mu * mu);  // raw-moment form; clamped against round-off
        const double m4 = std::max(0.0, e4 - 4 * mu * e3 + 6 * mu * mu * e2 - 3 * mu * mu * mu * mu);
        t[q] = mu;
        t[P + q] = std::sqrt(var);
        t[2 * P + q] = n_ > 1 ? std::sqrt(var * n / (n - 1)) : 0.0;
        t[3 * P + q] = std::pow(m4, 0.25);
    }
    return t;
}

void pixel_stats::save(const std::string& path) const {
    const auto t = table();
    save_npy(path, std::vector<std::size_t>{4, s1_.size()}, t.data());
}

standardiser::standardiser(const std::string& path, std::size_t pixels, standardise_mode mode, double bias) : mode_(mode) {
    auto a = load_npy<double>(path);
    if (a.shape.size() != 2 || a.shape[0] != 4 || a.shape[1] != pixels)
        throw error(path, "expected pixel statistics of shape (4, " + std::to_string(pixels) + ") as written by --save-stats, got " +
                              format_shape(a.shape));
    for (double v : a.data)
        if (!std::isfinite(v)) throw error(path, "non-finite value in pixel statistics");
    shift_.assign(pixels, 0.0);
    inv_scale_.assign(pixels, 1.0);
    const bool centre = mode == standardise_mode::center || mode == standardise_mode::center_std ||
                        mode == standardise_mode::center_std1 || mode == standardise_mode::center_moment4;
    int row = -1;
    if (mode == standardise_mode::std || mode == standardise_mode::center_std) row = 1;
    if (mode == standardise_mode::std1 || mode == standardise_mode::center_std1) row = 2;
    if (mode == standardise_mode::moment4 || mode == standardise_mode::center_moment4) row = 3;
    for (std::size_t q = 0; q < pixels; ++q) {
        if (centre) shift_[q] = a.data[q];
        if (row >= 0) {
            const double s = a.data[std::size_t(row) * pixels + q] + bias;
            if (!(s > 0)) throw usage_error("--bias must make every scale positive (pixel " + std::to_string(q) + " has scale 0)");
            inv_scale_[q] = 1.0 / s;
        }
    }
}

void standardiser::apply(float* im) const {
    if (mode_ == standardise_mode::none) return;
    for (std::size_t q = 0; q < shift_.size(); ++q) im[q] = float((double(im[q]) - shift_[q]) * inv_scale_[q]);
}

}  // namespace jetml::image
