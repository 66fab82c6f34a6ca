// SPDX-License-Identifier: MIT
// jetml/stats/decorrelation.hpp - numbers that say whether a tagger is independent of a side
// variable or nuisance: the cut at a signal efficiency, background rejection, Jensen-Shannon
// divergence of passing vs failing background histograms, weighted two-sample KS distance,
// the HiggsML AMS with a background systematic, the DDT fit and planing weights.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace jetml::stats {

/// The score threshold c: the highest signal (y >= 0.5) score at which the weighted fraction of
/// signal with score >= c reaches `eff_s`. Throws jetml::error without weighted signal rows.
double threshold_at_signal_eff(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w,
                               double eff_s);
/// Weighted fraction of the rows of class `label` (0 or 1) with score >= c (the pass rule of
/// every cut here).
double pass_fraction(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w, double c,
                     int label);
/// Jensen-Shannon divergence in bits (log base 2, in [0, 1]) of two histograms normalised to
/// unit sum: JSD = (KL(p||m) + KL(q||m)) / 2, m = (p + q) / 2; 0 for two empty histograms.
double jsd(const std::vector<double>& p, const std::vector<double>& q);
/// Weighted two-sample Kolmogorov-Smirnov distance sup |F_a - F_b| of the empirical CDFs
/// (weights may be empty: unit). 0 if either sample is empty.
double ks_distance(std::vector<float> a, std::vector<float> wa, std::vector<float> b, std::vector<float> wb);
/// The approximate median significance with a background uncertainty sigma_b (HiggsML
/// documentation, Eq. 20, as Louppe et al. code it): b0 = (b - sb^2 + sqrt((b - sb^2)^2 +
/// 4 (s + b) sb^2)) / 2, AMS = sqrt(2 ((s + b) ln((s + b) / b0) - s - b + b0) + (b - b0)^2 / sb^2);
/// for sigma_b = 0 the plain sqrt(2 ((s + b) ln(1 + s / b) - s)).
double ams(double s, double b, double sigma_b);

/// The decorrelation summary of one tagger.
struct decor_summary {
    double auc = 0;        ///< weighted ROC AUC
    double threshold = 0;  ///< the cut at eff_s
    double rejection = 0;  ///< 1 / eps_B at that cut
    double inv_jsd = 0;    ///< 1 / JSD of passing vs failing background side-variable histograms
    double dcorr2 = 0;     ///< squared distance correlation of score and side variable on background
    double max_ks = 0;     ///< largest pairwise KS distance of the score distributions per nuisance value/slice
    std::vector<double> slice_values;  ///< the nuisance values (categorical) or slice centres (continuous)
};

/// Settings of summarise().
struct decor_summary_options {
    double eff_s = 0.5;                 ///< signal efficiency of the cut
    std::size_t bins = 30;              ///< side-variable histogram bins
    double lo = 0, hi = 300;            ///< their range (values outside are dropped)
    bool categorical = false;           ///< nuisance slices = its distinct values (else mean + {-1,0,1} sd, +-0.1 sd)
    bool ks_background_only = false;    ///< KS over background rows only (class-conditional), else all rows
    std::size_t dcorr_rows = 4000;      ///< at most this many background rows (evenly spaced) for dCorr^2 (O(n^2))
};

/// Summary of scores s against labels y, weights w and side variable / nuisance `side`.
decor_summary summarise(const std::vector<float>& s, const std::vector<float>& y, const std::vector<float>& w,
                        const std::vector<float>& side, const decor_summary_options& o);

/// DDT (Dolen et al., arXiv:1603.00027): rho' = ln(m^2 / (pT * mu)), mu = 1 GeV. fit_ddt fits
/// tau21 = a + M rho' by weighted least squares on the background rows (y < 0.5) with rho' in
/// [rho_lo, rho_hi] and m > 0, pT > 0; throws jetml::error with fewer than 2 distinct rho'.
struct ddt_fit {
    double slope = 0, intercept = 0;
    std::size_t rows = 0;  ///< background rows used
};
ddt_fit fit_ddt(const std::vector<float>& tau21, const std::vector<float>& m, const std::vector<float>& pt,
                const std::vector<float>& y, const std::vector<float>& w, double rho_lo, double rho_hi);
/// tau21' = tau21 - M rho' (rho' as above; NaN where m or pT <= 0).
std::vector<float> ddt_transform(const std::vector<float>& tau21, const std::vector<float>& m,
                                 const std::vector<float>& pt, double slope);

/// Planing weights from the side variable's histogram per class (`bins` equal bins in [lo, hi],
/// rows outside get weight 0): "flat" makes each class's weighted distribution flat (w / h_y(bin)),
/// "match" reweights the signal to the background's shape (w h_0(bin) / h_1(bin)); each class's
/// total weight is kept. Throws usage_error for another mode.
std::vector<float> planing_weights(const std::vector<float>& side, const std::vector<float>& y,
                                   const std::vector<float>& w, std::size_t bins, double lo, double hi,
                                   const std::string& mode);

}  // namespace jetml::stats
