// SPDX-License-Identifier: MIT
// jetml/stats/histogram.cpp - bin edges, filling, densities and sliding signal regions.
#include "jetml/stats/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jetml/core/error.hpp"

namespace jetml::stats {

namespace {
std::string num(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}
}  // namespace

std::vector<double> linear_edges(std::size_t nbins, double lo, double hi) {
    if (nbins == 0) throw usage_error("a histogram needs at least 1 bin");
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi))
        throw usage_error("histogram range [" + num(lo) + ", " + num(hi) + "] is empty or not finite");
    std::vector<double> e(nbins + 1);
    const double step = (hi - lo) / double(nbins);
    for (std::size_t i = 0; i <= nbins; ++i) e[i] = lo + step * double(i);
    e.back() = hi;
    return e;
}

std::vector<double> log_edges(std::size_t nbins, double lo, double hi, bool round_edges) {
    if (nbins == 0) throw usage_error("a histogram needs at least 1 bin");
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo > 0 && lo < hi))
        throw usage_error("log-spaced bins need 0 < low < high, got [" + num(lo) + ", " + num(hi) + "]");
    const double a = std::log10(lo), b = std::log10(hi), step = (b - a) / double(nbins);
    std::vector<double> e(nbins + 1);
    for (std::size_t i = 0; i <= nbins; ++i) e[i] = std::pow(10.0, a + step * double(i));
    if (round_edges) {
        for (auto& v : e) v = std::nearbyint(v);  // default rounding mode: halves to even
        for (std::size_t i = 0; i < nbins; ++i)
            if (!(e[i] < e[i + 1]))
                throw usage_error("rounded log-spaced edges repeat (" + num(e[i]) + "): use fewer bins or a wider range");
    } else {
        e.front() = lo;
        e.back() = hi;
    }
    return e;
}

std::size_t find_bin(const std::vector<double>& edges, double x) {
    const std::size_t n = edges.size() - 1;
    if (!(x >= edges.front() && x <= edges.back())) return n;
    if (x == edges.back()) return n - 1;
    auto it = std::upper_bound(edges.begin(), edges.end(), x);
    return std::size_t(it - edges.begin()) - 1;
}

histogram make_histogram(std::vector<double> edges) {
    if (edges.size() < 2) throw usage_error("a histogram needs at least 2 bin edges");
    for (std::size_t i = 0; i < edges.size(); ++i) {
        if (!std::isfinite(edges[i])) throw usage_error("bin edge " + std::to_string(i) + " is not finite");
        if (i && !(edges[i] > edges[i - 1]))
            throw usage_error("bin edges must increase: edge " + std::to_string(i) + " = " + num(edges[i]) +
                              " after " + num(edges[i - 1]));
    }
    histogram h;
    const std::size_t n = edges.size() - 1;
    h.edges = std::move(edges);
    h.sumw.assign(n, 0.0);
    h.sumw2.assign(n, 0.0);
    return h;
}

void fill(histogram& h, const std::vector<double>& x, const std::vector<double>& w) {
    if (!w.empty() && w.size() != x.size())
        throw error("histogram: " + std::to_string(x.size()) + " values but " + std::to_string(w.size()) + " weights");
    const std::size_t n = h.size();
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double wi = w.empty() ? 1.0 : w[i];
        if (std::isnan(x[i])) throw error("histogram: value at row " + std::to_string(i) + " is nan");
        if (!std::isfinite(wi)) throw error("histogram: weight at row " + std::to_string(i) + " is not finite");
        const std::size_t b = find_bin(h.edges, x[i]);
        if (b == n) {
            (x[i] < h.edges.front() ? h.underflow : h.overflow) += wi;
            continue;
        }
        h.sumw[b] += wi;
        h.sumw2[b] += wi * wi;
    }
}

histogram fill_histogram(std::vector<double> edges, const std::vector<double>& x, const std::vector<double>& w) {
    histogram h = make_histogram(std::move(edges));
    fill(h, x, w);
    return h;
}

std::vector<double> densities(const histogram& h, double per) {
    std::vector<double> d(h.size());
    for (std::size_t i = 0; i < h.size(); ++i) d[i] = h.sumw[i] * per / h.width(i);
    return d;
}

std::vector<double> density_errors(const histogram& h, double per, double offset) {
    std::vector<double> d(h.size());
    for (std::size_t i = 0; i < h.size(); ++i) d[i] = std::sqrt(h.sumw2[i] + offset) * per / h.width(i);
    return d;
}

std::vector<std::size_t> signal_region::sr_bins() const {
    std::vector<std::size_t> v;
    for (std::size_t b = first; b < end(); ++b) v.push_back(b);
    return v;
}

std::vector<std::size_t> signal_region::sideband_bins() const {
    std::vector<std::size_t> v;
    for (std::size_t b = low(); b < first; ++b) v.push_back(b);
    for (std::size_t b = end(); b < high_end(); ++b) v.push_back(b);
    return v;
}

std::string signal_region::description() const {
    auto range = [](std::size_t a, std::size_t b) {  // [a, b)
        return b == a + 1 ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b - 1);
    };
    std::string s = (bins == 1 ? "bin " : "bins ") + range(first, end());
    if (sideband) s += " (sidebands " + range(low(), first) + ", " + range(end(), high_end()) + ")";
    return s;
}

signal_region make_signal_region(std::size_t nbins, std::size_t centre, std::size_t bins, std::size_t sideband) {
    if (bins == 0) throw usage_error("a signal region needs at least 1 bin");
    const std::size_t half = (bins - 1) / 2;
    if (centre < half + sideband || centre - half + bins + sideband > nbins)
        throw usage_error("signal region of " + std::to_string(bins) + " bins centred on bin " + std::to_string(centre) +
                          " with " + std::to_string(sideband) + " sideband bins each side does not fit in " +
                          std::to_string(nbins) + " bins (bins 0-" + std::to_string(nbins ? nbins - 1 : 0) + ")");
    signal_region sr;
    sr.first = centre - half;
    sr.bins = bins;
    sr.sideband = sideband;
    return sr;
}

std::vector<std::size_t> signal_region_centres(std::size_t nbins, std::size_t bins, std::size_t sideband) {
    std::vector<std::size_t> c;
    if (bins == 0 || bins + 2 * sideband > nbins) return c;
    const std::size_t half = (bins - 1) / 2;
    for (std::size_t first = sideband; first + bins + sideband <= nbins; ++first) c.push_back(first + half);
    return c;
}

double sum_bins(const histogram& h, const std::vector<std::size_t>& bins) {
    double s = 0;
    for (auto b : bins) {
        if (b >= h.size()) throw usage_error("bin " + std::to_string(b) + " is outside the histogram's " +
                                             std::to_string(h.size()) + " bins");
        s += h.sumw[b];
    }
    return s;
}

}  // namespace jetml::stats
