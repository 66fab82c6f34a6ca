// SPDX-License-Identifier: MIT
// jetml/stats/metrics.hpp - exact ROC curves, AUC and the numbers physicists quote from them.
//
// Semantics follow scikit-learn's roc_curve / roc_auc_score (sklearn/metrics/_ranking.py):
//  - zero-weight events are dropped before anything else;
//  - events are ranked by score, descending; tied scores form one ROC point, so a tie
//    between signal and background is a straight (diagonal) segment and counts 1/2 in the AUC;
//  - a point i means "score >= threshold[i]"; the first point is (0, 0) with threshold +inf;
//  - drop_intermediate removes points collinear with their neighbours (the same test
//    scikit-learn makes: second differences of the cumulative counts that are exactly zero).
// The cumulative counts are summed in scikit-learn's order, so the curve points agree bit for
// bit and the AUC to rounding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "jetml/core/memory.hpp"

namespace jetml {

/// Scores, 0/1 labels (1 = signal) and optional per-event weights of one discriminant.
struct roc_data {
    std::vector<double> score;         ///< classifier output, finite
    std::vector<std::uint8_t> label;   ///< 1 = signal (positive), 0 = background
    std::vector<double> weight;        ///< empty = every event has weight 1; finite, may be negative
};

/// Checks a roc_data: equal lengths, finite scores and weights, labels 0/1, not empty.
/// Throws jetml::error ("score at row 17 is nan", "label 2 at row 3 is not 0 or 1").
void check_roc_data(const roc_data& d);

namespace detail {
/// Blocks for metrics' buffers: huge_alloc, except that a few large blocks freed recently are
/// kept (already paged in) and handed out again for requests of about their size. First touch
/// of fresh memory costs more than sorting it (STYLE.md); repeated rankings of the same size
/// (discriminants, ensemble runs, bootstrap, validation every epoch) then skip it.
void* pooled_alloc(std::size_t bytes);
void pooled_free(void* p, std::size_t bytes) noexcept;
}  // namespace detail

/// A std::allocator-like allocator over detail::pooled_alloc whose resize() leaves new
/// elements uninitialised (default-initialised): the ranking and curve buffers are written
/// exactly once, so zero-filling them first would be a wasted pass over memory.
template <class T> struct uninit_huge_allocator {
    using value_type = T;
    template <class U> struct rebind { using other = uninit_huge_allocator<U>; };
    uninit_huge_allocator() = default;
    template <class U> uninit_huge_allocator(const uninit_huge_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (n > std::size_t(-1) / sizeof(T)) throw std::bad_alloc();
        return static_cast<T*>(detail::pooled_alloc(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { detail::pooled_free(p, n * sizeof(T)); }
    template <class U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <class U, class... A> void construct(U* p, A&&... a) {
        ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
    template <class U> bool operator==(const uninit_huge_allocator<U>&) const noexcept { return true; }
    template <class U> bool operator!=(const uninit_huge_allocator<U>&) const noexcept { return false; }
};
/// Vector on huge pages with uninitialised resize (see uninit_huge_allocator).
template <class T> using huge_vector = std::vector<T, uninit_huge_allocator<T>>;

/// The events of one discriminant (zero weights dropped) sorted by score, ascending, with a
/// stable sort (tied scores keep their input order); computed once and reused for the curve,
/// the AUC and bootstrap replicas.
struct ranked_events {
    huge_vector<std::uint64_t> key;    ///< order-preserving score keys (score_key), ascending
    huge_vector<std::uint8_t> label;   ///< 1 = signal, in the same order
    huge_vector<double> weight;        ///< weights in the same order; empty = unweighted
    bool weighted = false;
    std::size_t n_pos = 0, n_neg = 0;  ///< events of each class
    double pos_total = 0, neg_total = 0;  ///< summed weights of signal and background
    std::size_t size() const { return key.size(); }
};

/// Ranks events (drops zero weights; sorts by score). Uses jetml::max_threads() threads for
/// large inputs (the result does not depend on the thread count).
/// Throws jetml::error if the data are invalid or one class is absent (the ROC is undefined).
ranked_events rank_events(const roc_data& d);

/// A ROC curve in scikit-learn's form: point 0 is (0, 0) at threshold +inf, then one point per
/// distinct score (descending), optionally without collinear intermediate points.
struct roc_curve {
    huge_vector<double> threshold;  ///< descending; threshold[0] = +inf
    huge_vector<double> tps, fps;   ///< weighted counts of signal/background with score >= threshold
    double pos_total = 0, neg_total = 0;
    std::size_t size() const { return threshold.size(); }
    double tpr(std::size_t i) const { return tps[i] / tps.back(); }  ///< = eps_S, as scikit-learn
    double fpr(std::size_t i) const { return fps[i] / fps.back(); }  ///< = eps_B, as scikit-learn
};

/// The ROC curve of ranked events.
roc_curve compute_roc(const ranked_events& r, bool drop_intermediate = true);
/// The ROC curve of data (ranks them first).
roc_curve compute_roc(const roc_data& d, bool drop_intermediate = true);

/// Area under the ROC curve (trapezoid rule, ties count 1/2; = Mann-Whitney U / (P N)).
/// Computed in one pass without building the curve; exact for unit weights up to 2^26 events.
double auc(const ranked_events& r);
/// AUC of data; throws jetml::error when the data are invalid or one class is absent.
double auc(const roc_data& d);

/// AUC of raw arrays (any arithmetic types; labels 0/1; weight may be null). Convenience for
/// tools such as `train` that hold float scores and labels.
template <class S, class L, class W = double>
double auc(const S* score, const L* label, std::size_t n, const W* weight = nullptr) {
    roc_data d;
    d.score.assign(score, score + n);
    d.label.resize(n);
    for (std::size_t i = 0; i < n; ++i) d.label[i] = label[i] == L(1) ? 1 : label[i] == L(0) ? 0 : 2;
    if (weight) d.weight.assign(weight, weight + n);
    return auc(d);
}

// ---------------------------------------------------------------- derived numbers

/// eps_B at signal efficiency x: the smallest eps_B on the ROC polyline (straight segments
/// between the points, ties included) where eps_S >= x. For a monotone curve this is the
/// linear interpolation of eps_B(eps_S) at the first point the curve reaches x. NaN if the
/// curve never reaches x.
double eff_b_at_eff_s(const roc_curve& c, double x);
/// eps_S at background efficiency y: the largest eps_S on the ROC polyline where eps_B <= y
/// (linear interpolation at the last point the curve is still at or below y).
double eff_s_at_eff_b(const roc_curve& c, double y);

/// Partial AUC up to fpr = max_fpr, exactly as scikit-learn's roc_auc_score(max_fpr=...):
/// the trapezoid area up to max_fpr with linear interpolation at max_fpr (`raw`), and its
/// McClish standardisation 0.5 (1 + (raw - max_fpr^2/2) / (max_fpr - max_fpr^2/2)).
struct partial_auc_result {
    double raw = 0, standardized = 0;
};
partial_auc_result partial_auc(const roc_curve& c, double max_fpr);

/// Significance improvement SIC = eps_S / sqrt(eps_B), maximised over the ROC points
/// (thresholds) with eps_B > 0 and eps_B >= min_eff_b. Use the full curve
/// (drop_intermediate = false): collinear points have different SIC.
struct sic_max {
    double sic = 0, eff_s = 0, eff_b = 0, threshold = 0;
    bool found = false;
};
sic_max max_sic(const roc_curve& c, double min_eff_b = 0);

/// Weighted accuracy (TP + TN) / (P + N) when "score >= threshold" is called signal.
/// Needs the full curve (drop_intermediate = false).
double accuracy_at(const roc_curve& c, double threshold);

/// Which numbers a summary holds.
struct summary_spec {
    std::vector<double> eff_s = {0.3, 0.5};          ///< 1/eps_B at these signal efficiencies
    std::vector<double> eff_b = {0.01, 0.1, 0.3};    ///< eps_S at these background efficiencies (TMVA)
    double threshold = 0.5;                          ///< accuracy at this score threshold
    double max_fpr = 0;                              ///< partial AUC up to this eps_B when in (0, 1)
    double sic_min_eff_b = 0;                        ///< max SIC only over points with eps_B >= this
};

/// One named number of a summary.
struct quantity {
    std::string key;    ///< CSV column name, e.g. "rej_at_eff_s_0.3"
    std::string label;  ///< text-table label, e.g. "1/eps_B at eps_S=0.3"
    double value = 0;
};

/// All summary numbers of a full curve (drop_intermediate = false), in a fixed order that
/// depends on the spec only: n_sig, n_bkg, auc, rejections, eps_S at eps_B, max SIC and where,
/// accuracy, partial AUC.
std::vector<quantity> summarize(const roc_curve& full, const summary_spec& spec);

/// Bootstrap: `replicas` resamplings of the events with replacement (same total count),
/// each summarised; returns one vector of values per replica, in summarize()'s order.
/// Replica k uses jetml::rng(seed, k), so results do not depend on the thread count.
/// Replicas that lose a whole class are skipped (fewer vectors returned).
std::vector<std::vector<double>> bootstrap(const ranked_events& r, const summary_spec& spec,
                                           std::size_t replicas, std::uint64_t seed);

/// Mean and sample standard deviation (n - 1) of each column over rows; NaN/inf rows of a
/// column are left out of that column. err is NaN with fewer than 2 usable rows.
void mean_and_std(const std::vector<std::vector<double>>& rows, std::vector<double>& mean,
                  std::vector<double>& err);

/// Sorts keys ascending, moving the payload (if not empty) with them; stable. The sort that
/// rank_events uses (MSD radix with cache-resident buckets). Exposed for tests.
void radix_sort(std::vector<std::uint64_t>& key, std::vector<double>& payload);
/// Order-preserving map of a double to an unsigned key (-0.0 maps like +0.0); NaN not allowed.
std::uint64_t score_key(double s);
/// Inverse of score_key.
double key_score(std::uint64_t k);

}  // namespace jetml
