// SPDX-License-Identifier: MIT
// jetml/stats/histogram.hpp - 1-D histograms for bump hunts: linear and log-spaced bin edges,
// weighted counts with their sums of squared weights, bin densities, and signal regions of k
// bins with sidebands that slide over the histogram (CWoLa hunting, REFERENCE.md section 3.2).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace jetml::stats {

/// nbins + 1 equally spaced edges from lo to hi (lo < hi, nbins >= 1; usage_error otherwise).
/// The last edge is exactly hi.
std::vector<double> linear_edges(std::size_t nbins, double lo, double hi);

/// nbins + 1 edges equally spaced in log10 from lo to hi (0 < lo < hi): numpy's
/// logspace(log10(lo), log10(hi), nbins + 1). With round_edges, every edge is rounded to the
/// nearest integer, halves to even (numpy's round(), as the reference code's
/// round(logspace(log10(2001), log10(4350), 16)) does); rounded edges must still increase.
std::vector<double> log_edges(std::size_t nbins, double lo, double hi, bool round_edges = false);

/// Index of the bin [edges[i], edges[i+1]) holding x; the last bin also holds x == edges.back().
/// Returns nbins (one past the last bin) when x is outside [edges.front(), edges.back()] or NaN.
std::size_t find_bin(const std::vector<double>& edges, double x);

/// A filled histogram. Bins are [edges[i], edges[i+1]), the last one closed on the right.
struct histogram {
    std::vector<double> edges;  ///< nbins + 1 increasing edges
    std::vector<double> sumw;   ///< per bin: sum of weights (counts when unweighted)
    std::vector<double> sumw2;  ///< per bin: sum of squared weights (= counts when unweighted)
    double underflow = 0, overflow = 0;  ///< summed weights below the first / above the last edge
    std::size_t size() const { return sumw.size(); }
    double width(std::size_t i) const { return edges[i + 1] - edges[i]; }
    /// Arithmetic bin centre (edges[i] + edges[i+1]) / 2, where the reference code fits.
    double centre(std::size_t i) const { return 0.5 * (edges[i] + edges[i + 1]); }
};

/// An empty histogram on `edges` (at least 2, strictly increasing, finite; usage_error otherwise).
histogram make_histogram(std::vector<double> edges);

/// Fills h with values x (weights w, or 1 each when w is empty; sizes must match). NaN values
/// are an error (jetml::error naming the row); values outside the edges go to under/overflow.
void fill(histogram& h, const std::vector<double>& x, const std::vector<double>& w = {});

/// Histogram of x on edges (make_histogram then fill).
histogram fill_histogram(std::vector<double> edges, const std::vector<double>& x, const std::vector<double>& w = {});

/// Bin densities sumw[i] * per / width(i): events per `per` units of x (the reference code
/// uses per = 100, "events / 100 GeV").
std::vector<double> densities(const histogram& h, double per = 1);

/// Uncertainties of densities(): sqrt(sumw2[i] + offset) * per / width(i). The reference code
/// takes sqrt(N + 1) (offset 1), so that empty bins keep a finite weight in the fit.
std::vector<double> density_errors(const histogram& h, double per = 1, double offset = 1);

/// A signal region of `bins` adjacent bins with `sideband` bins on each side: the bins
/// [first, first + bins) are the SR, [first - sideband, first) the low sideband and
/// [first + bins, first + bins + sideband) the high sideband.
struct signal_region {
    std::size_t first = 0;     ///< first SR bin
    std::size_t bins = 3;      ///< SR width k in bins
    std::size_t sideband = 2;  ///< sideband width on each side, in bins
    /// The SR's centre bin, first + (bins - 1) / 2 (for even k, the lower of the two middle bins).
    std::size_t centre() const { return first + (bins - 1) / 2; }
    std::size_t end() const { return first + bins; }              ///< one past the last SR bin
    std::size_t low() const { return first - sideband; }          ///< first low-sideband bin
    std::size_t high_end() const { return end() + sideband; }     ///< one past the last high-sideband bin
    bool contains(std::size_t bin) const { return bin >= first && bin < end(); }
    /// Whether bin is in the SR or one of its sidebands.
    bool in_window(std::size_t bin) const { return bin >= low() && bin < high_end(); }
    /// The SR bins, ascending.
    std::vector<std::size_t> sr_bins() const;
    /// The sideband bins (low then high), ascending.
    std::vector<std::size_t> sideband_bins() const;
    /// "bins 6-8 (sidebands 4-5, 9-10)" for messages.
    std::string description() const;
};

/// The signal region of `bins` bins centred on bin `centre` (first = centre - (bins - 1) / 2)
/// with `sideband` bins each side, in a histogram of nbins bins. usage_error when bins is 0 or
/// the SR with its sidebands does not fit inside [0, nbins).
signal_region make_signal_region(std::size_t nbins, std::size_t centre, std::size_t bins, std::size_t sideband);

/// Every centre a sliding SR of `bins` bins with `sideband` bins each side can take in nbins
/// bins, ascending (the reference's 15 bins, k = 3, 2 sidebands: centres 3..11). Empty when the
/// window (bins + 2 sideband) is wider than the histogram.
std::vector<std::size_t> signal_region_centres(std::size_t nbins, std::size_t bins, std::size_t sideband);

/// Sum of sumw over the given bins (e.g. the observed SR count).
double sum_bins(const histogram& h, const std::vector<std::size_t>& bins);

}  // namespace jetml::stats
