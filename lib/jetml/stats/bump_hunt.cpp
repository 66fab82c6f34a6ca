// SPDX-License-Identifier: MIT
// jetml/stats/bump_hunt.cpp - the sliding signal-region scan of one histogram.
#include "jetml/stats/bump_hunt.hpp"

namespace jetml::stats {

std::vector<sr_scan_point> scan_signal_regions(const histogram& h, std::size_t bins, std::size_t sideband,
                                               const background_fit_options& opt) {
    std::vector<sr_scan_point> out;
    for (std::size_t c : signal_region_centres(h.size(), bins, sideband)) {
        sr_scan_point p;
        p.sr = make_signal_region(h.size(), c, bins, sideband);
        p.lo = h.edges[p.sr.first];
        p.hi = h.edges[p.sr.end()];
        p.bkg = predict_background(h, p.sr, opt);
        if (p.bkg.ok && p.bkg.expected > 0) p.sig = profile_significance(p.bkg.observed, p.bkg.expected, p.bkg.sigma);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace jetml::stats
