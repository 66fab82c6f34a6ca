// SPDX-License-Identifier: MIT
// jetml/search/anode.hpp - density-based anomaly searches with a conditional MAF:
//   ANODE (Nachman & Shih 2001.04990): R(x|m) = p_data(x|m) / p_bkg(x|m), a flow fitted in the
//   signal region against a flow fitted on the sidebands and interpolated into it;
//   CATHODE (Hallin et al. 2109.00546): samples of the sideband flow at signal-region masses
//   drawn from a kernel density estimate, a classifier of signal-region data against them, and
//   k-fold scoring so that no event is scored by a model that saw it.
// Definitions and the published configuration: REFERENCE.md section 4.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jetml/data/labelled.hpp"
#include "jetml/data/mixed.hpp"
#include "jetml/flow/flow_file.hpp"
#include "jetml/flow/maf.hpp"
#include "jetml/train/classifier.hpp"
#include "jetml/train/fit.hpp"

namespace jetml {
class output;
}

namespace jetml::search {

/// One density: the flows of an epoch ensemble sharing one preprocessing, averaged in
/// probability space (p = mean_k p_k).
struct flow_ensemble {
    std::vector<flow::maf> members;  ///< lowest validation loss first
    flow::flow_meta meta;            ///< names, the preprocessing, the best epoch (of members[0])

    std::size_t dim() const { return members.front().dim(); }
    std::size_t cond() const { return members.front().cond(); }
    /// log mean_k p_k(x|c) in the original variables for n rows xc (n, D + C) (log-sum-exp in
    /// double). Rows outside the fitted range get NaN; returns how many.
    std::size_t log_prob(const float* xc, std::size_t n, double* out);
    /// n samples x (n, D) in the original variables given conditions c (n, C): the rows are cut
    /// into K contiguous slices, slice k drawn from member k (a mixture of equal weights);
    /// row i's base draw is jetml::rng(seed, i). jetml::error naming the row and the fitted
    /// range for a condition outside it.
    void sample(const float* c, std::size_t n, std::uint64_t seed, float* x);
    /// The model file of member k (kind "flow"; its "extra" names the ensemble position).
    std::string model_bytes(std::size_t k) const;
};

/// How a flow is trained.
struct flow_training {
    flow::maf_config config;    ///< dim and cond are set from the data
    train::fit_options fit;     ///< epochs, batch, lr, weight decay, val split, checkpoint, resume
    std::size_t ensemble = 1;   ///< epochs kept (lowest validation loss)
    double eps = 1e-6;          ///< logit epsilon of the preprocessing
    std::size_t min_events = 20;  ///< fewer training events is an error
};

/// Fits a flow ensemble on rows [x | c] of `rows` (labels ignored, weights weight the NLL): the
/// preprocessing is fitted on `prep_rows` (null: on `rows`), f.val_split of the rows validate.
/// `what` names the density in messages ("sideband density"). jetml::error for too few events.
flow_ensemble train_flow(const data::labelled_set& rows, const data::labelled_set* prep_rows, const flow_training& o,
                         const train::fit_context& ctx, const std::string& what);

/// Reads flow model files as one ensemble: every file must be kind "flow" with the same
/// architecture and preprocessing (jetml::error naming the file otherwise). A single file that
/// is member 1 of K (extra "ensemble_member" "1/K", as save_flow_ensemble writes it) brings its
/// siblings (member_path(path, k)).
flow_ensemble load_flow_ensemble(const std::vector<std::string>& paths);
/// Where member k (0-based) of an ensemble saved as `path` goes: `path` itself for k = 0, else
/// STEM.K+1.EXT ("flow.npz" -> "flow.2.npz").
std::string member_path(const std::string& path, std::size_t k);

/// The events of a search, split by the rule on the condition column: rows [x | m].
struct region_rows {
    data::labelled_set sr, sb;      ///< signal-region and sideband rows [x | m], weights 1
    std::vector<float> truth_sr;    ///< truth labels of the signal-region rows (empty without)
    std::size_t outside = 0;        ///< rows outside the sidebands' outer edges (dropped)
};
/// Reads the input of `m` (rule mode: an input split by --region-col/--region and the edges).
region_rows load_region_rows(const data::mixed_options& m);

/// npy_col of write_score_table: the NPY holds every column, (n, columns).
constexpr std::size_t all_columns = static_cast<std::size_t>(-1);
/// Writes a table of n rows of `cols` doubles (row-major) to `out`: CSV with the columns, or
/// NPY (n,) of column `npy_col` only (float64), by the path's extension (default CSV).
void write_score_table(output& out, const std::vector<std::string>& cols, const std::vector<double>& v,
                       std::size_t npy_col);

/// The column names of a flow's samples: the flow's feature names (else `fallback` if it has D
/// names, else x0..), then `cond`.
std::vector<std::string> sample_columns(const flow_ensemble& e, const std::vector<std::string>& fallback,
                                        const std::string& cond);
/// Rows [x..., m] (n, D + 1) of `per_row` samples at each condition of `c` (C = 1).
std::vector<double> sample_rows(flow_ensemble& e, const std::vector<double>& c, std::size_t per_row, std::uint64_t seed);

/// ANODE scores of n rows xc (n, D + C) under a signal-region density and a background density.
struct anode_scores {
    std::vector<double> log_p_sr, log_p_bkg;  ///< nats; NaN for rows outside a fitted range
    std::vector<double> log_r;                ///< log R = log p_sr - log p_bkg (NaN as above)
    std::size_t outside = 0;                  ///< rows with a NaN score
};
anode_scores anode_score(flow_ensemble& sr, flow_ensemble& bkg, const float* xc, std::size_t n);

/// n draws from a Gaussian kernel density estimate of `values` with bandwidth h, kept within
/// [lo, hi) (a draw outside is redrawn): value j = uniform pick, plus h N(0, 1), from
/// jetml::rng(seed, 0x4B444500 + i) for draw i. jetml::error if `values` is empty.
std::vector<float> kde_sample(const std::vector<float>& values, double h, double lo, double hi, std::size_t n,
                              std::uint64_t seed);

/// CATHODE's settings after the flow.
struct cathode_options {
    train::classifier_spec classifier;  ///< arch, ensemble (epochs kept)
    train::fit_options fit;             ///< the classifier's engine options (checkpoint: a base name)
    std::size_t folds = 5;              ///< k of the k-fold scoring (>= 2)
    double oversample = 4;              ///< samples per signal-region event
    double bandwidth = 0.01;            ///< KDE bandwidth in the condition's units
    double sr_lo = 0, sr_hi = 0;        ///< the signal region of the condition
    /// Further events [x | m] never trained on (e.g. extra signal for the evaluation), scored by
    /// the mean of the folds' classifiers (may be null).
    const data::labelled_set* extra = nullptr;
    /// Background rows [x | m] to use instead of the flow's samples (null: sample the flow). With
    /// true background this is the idealized detector (the flow is then not used).
    const data::labelled_set* given_samples = nullptr;
};

/// What run_cathode() produced.
struct cathode_result {
    std::vector<float> score;         ///< per signal-region event: the classifier ensemble's score
    std::vector<std::uint32_t> fold;  ///< the fold that scored it
    std::vector<float> samples;       ///< (n_samples, D + C) rows [x | m] of the background samples
    std::size_t n_samples = 0;
    std::vector<double> val_loss;     ///< per fold: the best validation loss
    std::vector<float> extra_score;   ///< per row of cathode_options::extra
};

/// CATHODE on the signal-region events `sr` (rows [x | m], n >= folds * 10): samples m from the
/// KDE of their m and x ~ bkg(x|m) (or takes o.given_samples; bkg may then be null), folds both the events and the samples (stratified), and for
/// each fold trains the classifier of events (label 1) against samples (label 0) on the other
/// folds (class weights balanced, fit.val_split of them validating, checkpoint CKPT.foldK) and
/// scores the fold's events with it.
cathode_result run_cathode(flow_ensemble* bkg, const data::labelled_set& sr, const cathode_options& o,
                           const train::fit_context& ctx);

/// A table for write_score_table: column names and row-major values.
struct score_table {
    std::vector<std::string> cols;
    std::vector<double> rows;
};
/// ANODE's table of the rows [x | m] of `ev` (n): m, log_p_sr, log_p_bkg, log_r, r[, truth].
score_table anode_table(const anode_scores& s, const data::labelled_set& ev, const std::vector<float>& truth,
                        const std::string& cond);
/// CATHODE's table: score, m[, fold (if `fold` is not empty)][, truth].
score_table cathode_table(const std::vector<float>& score, const std::vector<std::uint32_t>& fold,
                          const data::labelled_set& ev, const std::vector<float>& truth, const std::string& cond);

}  // namespace jetml::search
