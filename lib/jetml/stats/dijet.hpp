// SPDX-License-Identifier: MIT
// jetml/stats/dijet.hpp - the ATLAS dijet functions and the sideband-fit background prediction
// of the CWoLa bump hunt (REFERENCE.md section 3.2, the reference code's get_p_value):
//   3 parameters: f(m) = p1 (1 - x)^p2 x^-p3,               x = m / sqrt(s)
//   4 parameters: f(m) = p1 (1 - x)^p2 x^-(p3 + p4 ln x)
// fitted to the bin densities (counts * per / width, sigma = sqrt(N + 1) * per / width) at the
// bin centres, with the signal-region bins left out; the SR prediction is the sum over its bins
// of f(centre) * width / per, and its uncertainty sqrt(J C J^T) from the fit covariance.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "jetml/stats/fit.hpp"
#include "jetml/stats/histogram.hpp"

namespace jetml::stats {

/// Which dijet function.
enum class dijet_form { three, four };

/// Parses "3" / "4" (also "three" / "four"); usage_error otherwise.
dijet_form parse_dijet_form(const std::string& s);
/// Number of parameters of a form (3 or 4).
std::size_t dijet_npar(dijet_form f);

/// A dijet function of mjj [GeV] (x = mjj / sqrt_s). Outside 0 < x < 1 it is NaN.
struct dijet_function {
    dijet_form form = dijet_form::three;
    double sqrt_s = 13000;  ///< collision energy [GeV]; the reference code's 13000
    std::size_t npar() const { return dijet_npar(form); }
    /// f(mjj; p); with grad not null also df/dp_j (analytic) into grad[0..npar).
    double operator()(double mjj, const double* p, double* grad = nullptr) const;
    /// As a fit_model for fit_least_squares.
    fit_model model() const;
};

/// Starting values for fitting densities y(m) (sigma > 0) with f: a weighted linear fit of ln y
/// on (1, ln(1 - x), -ln x[, -ln^2 x]) over the points with y > 0, then the normalisation p1
/// re-solved linearly for that shape. Falls back to (p2, p3, p4) = (10, 5, 0) when fewer than
/// npar points are positive or the log fit is singular.
std::vector<double> dijet_start(const dijet_function& f, const std::vector<double>& m, const std::vector<double>& y,
                                const std::vector<double>& sigma);

/// How the SR prediction turns the fitted density into counts.
enum class bin_count_rule {
    centre_times_width,  ///< f(centre) * width / per, as the reference code
    integral             ///< the integral of f over the bin / per (8-point Gauss-Legendre)
};

/// Settings of predict_background.
struct background_fit_options {
    dijet_function function;                                  ///< form and sqrt(s)
    double per = 100;                                         ///< density unit (events per `per` GeV); cancels in counts
    double sigma_offset = 1;                                  ///< density error sqrt(sumw2 + offset) * per / width
    bool sidebands_only = false;                              ///< fit only the SR's sidebands, not every bin outside the SR
    bin_count_rule rule = bin_count_rule::centre_times_width;
    double min_fit_events = 10;                               ///< fewer summed events in the fit bins is an error
    lsq_options lsq;                                          ///< minimiser settings
};

/// The background prediction in a signal region.
struct background_prediction {
    bool ok = false;                    ///< false: `reason` says why (too few bins/events, fit failed)
    std::string reason;                 ///< one phrase for the tool to print after "sideband fit: "
    lsq_result fit;                     ///< the fit (parameters, covariance, chi2, ndf)
    std::vector<std::size_t> fit_bins;  ///< the bins that entered the fit, ascending
    double fit_events = 0;              ///< summed weights in the fit bins
    double observed = 0;                ///< summed weights in the SR bins
    double expected = 0;                ///< predicted background count in the SR
    double sigma = 0;                   ///< its uncertainty from the fit covariance
    std::vector<double> bin_expected;   ///< predicted count of every histogram bin (NaN when the fit failed)
    std::vector<double> bin_sigma;      ///< and its uncertainty (diagonal of J C J^T)
};

/// Fits f to the bin densities of h outside the SR `sr` (or only in its sidebands) and predicts
/// the SR background. Data problems do not throw: they give ok = false with a reason, e.g.
/// "2 bins outside the signal region, need at least 4 for 3 parameters" or "did not converge
/// in 500 iterations (chi2 = 1e+04)". Throws usage_error if sr does not fit in h.
background_prediction predict_background(const histogram& h, const signal_region& sr, const background_fit_options& opt = {});

/// Predicted count of bin [lo, hi) of a fitted function, and its gradient wrt p (npar values).
double dijet_bin_count(const dijet_function& f, const std::vector<double>& p, double lo, double hi, double per,
                       bin_count_rule rule, double* grad);

}  // namespace jetml::stats
