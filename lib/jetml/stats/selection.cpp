// SPDX-License-Identifier: MIT
// jetml/stats/selection.cpp - score cuts at an efficiency (see selection.hpp).
#include "jetml/stats/selection.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "jetml/core/error.hpp"

namespace jetml::stats {

namespace {
// The element at position k of v sorted in decreasing order (v is reordered).
double kth_largest(std::vector<double>& v, std::size_t k) {
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end(), std::greater<double>());
    return v[k];
}
void check_eff(double eff, const char* what) {
    if (!(eff > 0 && eff <= 1)) throw error(std::string(what) + " must be in (0, 1], got " + std::to_string(eff));
}
}  // namespace

double threshold_at_efficiency(std::vector<double> scores, double eff) {
    check_eff(eff, "efficiency");
    if (scores.empty()) throw error("no scores to cut on");
    const std::size_t n = scores.size();
    const std::size_t k = std::min(static_cast<std::size_t>(std::floor(eff * double(n))), n - 1);
    return kth_largest(scores, k);
}

double tpr_at_fpr(const std::vector<double>& pos, std::vector<double> neg, double fpr) {
    check_eff(fpr, "background efficiency");
    if (pos.empty() || neg.empty()) throw error("tpr_at_fpr needs positives and negatives");
    const std::size_t n = neg.size();
    const std::size_t k = std::min(static_cast<std::size_t>(std::floor(fpr * double(n))), n - 1);
    const double t = kth_largest(neg, k);
    std::size_t pass = 0;
    for (double s : pos) pass += s >= t;
    return double(pass) / double(pos.size());
}

std::vector<std::size_t> pass_counts(const std::vector<double>& scores, const std::vector<std::size_t>& group,
                                     std::size_t n_groups, double t) {
    std::vector<std::size_t> c(n_groups, 0);
    for (std::size_t i = 0; i < scores.size(); ++i)
        if (group[i] < n_groups && scores[i] > t) ++c[group[i]];
    return c;
}

}  // namespace jetml::stats
