// SPDX-License-Identifier: MIT
// jetml/flow/flow_file.hpp - a conditional MAF in a jetml model file (kind "flow") and its scorer.
//
// The file is the model-file NPZ (jetml/model/model_file.hpp, format_version 2) with
//   meta.json: the common head, then "config" {dim, cond, blocks, hidden, depth, batchnorm,
//              reverse, scale_bound}, "seed", "epoch", "features" (names of x, D strings or []),
//              "conditions" (names of c, C strings or []), "input_layout": "ND" (rows [x | c]),
//              "outputs": ["log_p"], "params" [{"entry", "shape"}], "extra" {string: string} and
//              "preprocessing": null or {"kind": "minmax-logit-standardise", "eps", "lo", "hi",
//              "mean", "std"} (numbers printed round-trip, D per array);
//   <param name>.npy: every parameter of maf::parameters() as float32, in that order (the
//              batch-norm running statistics included).
// The scorer takes rows [x_0..x_{D-1}, c_0..c_{C-1}] (N, D + C) and writes log p(x|c) (N, 1) in
// nats: the scorer interface carries the condition as the last C input columns. With a stored
// preprocessing, x is in the original variables and log p includes the Jacobian; rows outside
// the fitted range get NaN (scorer::score has no mask; preprocessed_log_prob() returns one with
// the count).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jetml/flow/maf.hpp"
#include "jetml/flow/preprocess.hpp"
#include "jetml/model/model_file.hpp"
#include "jetml/model/scorer.hpp"

namespace jetml::flow {

/// What a flow's model file says besides the parameters.
struct flow_meta {
    std::size_t epoch = 0;                 ///< epochs trained (the best epoch's parameters are stored)
    std::vector<std::string> features;     ///< names of x (empty or D)
    std::vector<std::string> conditions;   ///< names of c (empty or C)
    std::vector<std::pair<std::string, std::string>> extra;  ///< free string metadata
    preprocessing prep;                    ///< the fitted preprocessing (not fitted: none)
};

/// The bytes of the model file of `m`.
std::string flow_model_bytes(const maf& m, const flow_meta& meta);
/// Writes the model file ("-" = stdout), atomically for a path.
void save_flow(const std::string& path, const maf& m, const flow_meta& meta);
/// The flow of a parsed model file of kind "flow" (jetml::error naming the file otherwise).
maf flow_from_file(const model::model_file& f, flow_meta* meta = nullptr);
/// The same from the bytes of a model file; `src` names it in errors.
maf flow_from_bytes(const std::string& bytes, const std::string& src, flow_meta* meta = nullptr);
/// Reads a model file of kind "flow" from `path`.
maf load_flow(const std::string& path, flow_meta* meta = nullptr);

/// The scorer of a flow: (N, D + C) rows [x | c] -> log p(x|c) (N, 1), output name "log_p".
class flow_scorer : public model::scorer {
public:
    flow_scorer(maf m, flow_meta meta, const std::string& source);
    std::string description() const override;
    void reserve(std::size_t batch) override;
    void score(const float* x, std::size_t n, float* out) override;
    maf& flow() { return m_; }

private:
    maf m_;
    flow_meta meta_;
    std::size_t batch_ = 1024;
    std::vector<double> lp_;
};

/// The model-kind loader registered as "flow" (jetml/model/kinds.cpp).
std::unique_ptr<model::scorer> load_flow_scorer(const model::model_file& file, const model::score_options& options);

}  // namespace jetml::flow
