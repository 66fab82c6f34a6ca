// SPDX-License-Identifier: MIT
// jetml/stats/bump_hunt.hpp - one histogram's bump hunt: slide a signal region of k bins over
// every centre, predict its background from the dijet fit without it (stats/dijet), and count
// the excess with the profile-likelihood significance (stats/significance). The cwola tool runs
// this once per selection efficiency on the mjj histogram of the events that pass.
#pragma once
#include <cstddef>
#include <vector>

#include "jetml/stats/dijet.hpp"
#include "jetml/stats/histogram.hpp"
#include "jetml/stats/significance.hpp"

namespace jetml::stats {

/// The result for one signal region.
struct sr_scan_point {
    signal_region sr;             ///< where (bins)
    double lo = 0, hi = 0;        ///< its mjj range [edges[first], edges[end])
    background_prediction bkg;    ///< observed, expected, sigma, the fit; bkg.ok false: bkg.reason
    significance_result sig;      ///< Z, p0 of observed vs expected +- sigma (zero when !bkg.ok)
};

/// Every SR centre of signal_region_centres(h.size(), bins, sideband), in order.
std::vector<sr_scan_point> scan_signal_regions(const histogram& h, std::size_t bins, std::size_t sideband,
                                               const background_fit_options& opt = {});

}  // namespace jetml::stats
